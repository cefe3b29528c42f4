import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkImage, representable, shiftedOrigin } from '../../src/preprocess/common.js';
import { identity, makeImage, rotation3 } from './fixtures.js';

test('checkImage rejects inconsistent images with the step and the source in the message', () => {
  const good = makeImage(new Float32Array(6), [2, 3], { source: '/data/a.png' });
  checkImage('step', good);
  assert.throws(
    () => checkImage('step', { ...good, data: new Float32Array(5) }),
    /^RangeError: step: \/data\/a\.png: data has 5 values but shape \[2, 3\] needs 6/,
  );
  assert.throws(
    () => checkImage('step', { ...good, spacing: [1, 0] }),
    /step: \/data\/a\.png: spacing \[1, 0\] must be finite and > 0/,
  );
  assert.throws(() => checkImage('step', { ...good, spacing: [1] }), /spacing must have 2 entries/);
  assert.throws(() => checkImage('step', { ...good, origin: [0, 0, 0] }), /origin must have 2 entries/);
  assert.throws(() => checkImage('step', { ...good, direction: identity(3) }), /direction must have 4 entries/);
  assert.throws(() => checkImage('step', { ...good, shape: [2, 3.5] }), /invalid size 3.5/);
  assert.throws(
    () => checkImage('step', good, [3]),
    /step: \/data\/a\.png: expected a 3D image, got shape \[2, 3\] \(2D\)/,
  );
  // without a source the message has no path
  assert.throws(
    () => checkImage('step', makeImage(new Float32Array(6), [6]), [2, 3]),
    /^RangeError: step: expected a 2D or 3D image/,
  );
});

test('shiftedOrigin moves along the direction columns (column j = array axis nd-1-j)', () => {
  // 2D, direction columns: x (width, axis 1) -> (0, 1), y (height, axis 0) -> (-1, 0)
  const img = makeImage(new Float32Array(4), [2, 2], { origin: [10, 20], direction: [0, -1, 1, 0] });
  // move 3 mm along the height axis and 5 mm along the width axis: 3*(-1,0) + 5*(0,1) = (-3, 5)
  assert.deepEqual(shiftedOrigin(img, [3, 5]), [7, 25]);
  // 3D rotated: the shift along the depth axis goes along the third direction column
  const r = rotation3(0.3, 0.7);
  const vol = makeImage(new Float32Array(8), [2, 2, 2], { origin: [1, 2, 3], direction: r });
  const o = shiftedOrigin(vol, [2, 0, 0]);
  for (let w = 0; w < 3; w++) assert.ok(Math.abs(o[w]! - ([1, 2, 3][w]! + 2 * r[w * 3 + 2]!)) < 1e-12);
});

test('representable: integer arrays only take values they store exactly', () => {
  assert.equal(representable(Uint8Array, 255), true);
  assert.equal(representable(Uint8Array, 256), false);
  assert.equal(representable(Uint8Array, -1), false);
  assert.equal(representable(Int16Array, -1024), true);
  assert.equal(representable(Int16Array, 0.5), false);
  assert.equal(representable(Float32Array, 0.1), true);
  assert.equal(representable(Float32Array, Number.NaN), false);
});
