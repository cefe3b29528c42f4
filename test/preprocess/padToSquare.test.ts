import { test } from 'node:test';
import assert from 'node:assert/strict';
import { padToSquare } from '../../src/preprocess/padToSquare.js';
import { makeImage, worldOf } from './fixtures.js';

test('a wide image gets rows above and below, the odd one at the bottom (hand example)', () => {
  // 1 x 4 -> 4 x 4: 3 rows of padding, 1 above and 2 below
  const img = makeImage(Float32Array.from([1, 2, 3, 4]), [1, 4], { spacing: [0.5, 0.25], origin: [10, 20] });
  const out = padToSquare(img);
  assert.deepEqual(out.shape, [4, 4]);
  assert.deepEqual(Array.from(out.data), [0, 0, 0, 0, 1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0]);
  // identity direction: x (width) is origin[0], y (height) is origin[1]; one row above = -0.5 mm in y
  assert.deepEqual(out.origin, [10, 19.5]);
  assert.deepEqual(out.spacing, [0.5, 0.25]);
  // the original pixel (0, 2) is now (1, 2) and sits at the same world position
  assert.deepEqual(worldOf(out, [1, 2]), worldOf(img, [0, 2]));
});

test('a tall image gets columns left and right; even difference splits evenly', () => {
  // 4 x 2 -> 4 x 4: one column each side
  const img = makeImage(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]), [4, 2]);
  const out = padToSquare(img, { value: 9 });
  assert.ok(out.data instanceof Uint8Array);
  assert.deepEqual(Array.from(out.data), [9, 1, 2, 9, 9, 3, 4, 9, 9, 5, 6, 9, 9, 7, 8, 9]);
  assert.deepEqual(out.origin, [-1, 0]);
});

test('square images are unchanged; volumes are squared slice by slice', () => {
  const sq = makeImage(Float32Array.from([1, 2, 3, 4]), [2, 2]);
  const same = padToSquare(sq);
  assert.deepEqual(Array.from(same.data), [1, 2, 3, 4]);
  assert.notEqual(same.data, sq.data);
  const vol = makeImage(Int16Array.from([1, 2, 3, 4]), [2, 1, 2]);
  const out = padToSquare(vol);
  assert.deepEqual(out.shape, [2, 2, 2]);
  // per slice: 1 x 2 -> 2 x 2, the extra row goes below
  assert.deepEqual(Array.from(out.data), [1, 2, 0, 0, 3, 4, 0, 0]);
});

test('errors name padToSquare and the source', () => {
  const img = makeImage(new Uint8Array(2), [1, 2], { source: '/cxr/p1.png' });
  assert.throws(
    () => padToSquare(img, { value: -1 }),
    /^RangeError: padToSquare: \/cxr\/p1\.png: value -1 cannot be stored/,
  );
  assert.throws(
    () => padToSquare(makeImage(new Uint8Array(2), [2], { source: '/a' })),
    /padToSquare: \/a: expected a 2D or 3D image/,
  );
});
