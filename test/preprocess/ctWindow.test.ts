import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ctWindow } from '../../src/preprocess/ctWindow.js';
import { makeImage } from './fixtures.js';

test('40/400 HU window on hand-picked values: [-160, 240] -> [0, 1], clipped outside', () => {
  const hu = Int16Array.from([-1024, -161, -160, -60, 0, 40, 140, 240, 241, 3071]);
  const out = ctWindow(makeImage(hu, [2, 5], { spacing: [0.7, 0.8], origin: [1, 2] }));
  assert.ok(out.data instanceof Float32Array);
  // (x + 160) / 400
  const want = [0, 0, 0, 0.25, 0.4, 0.5, 0.75, 1, 1, 1];
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(out.data[i]! - want[i]!) < 1e-7, `HU ${hu[i]}`);
  assert.deepEqual(out.shape, [2, 5]);
  assert.deepEqual(out.spacing, [0.7, 0.8]);
  assert.deepEqual(out.origin, [1, 2]);
});

test('the window spans the whole [0, 1] range (no squeezing into a narrow band)', () => {
  const hu = Float32Array.from({ length: 401 }, (_, i) => -160 + i);
  const out = ctWindow(makeImage(hu, [401]));
  assert.equal(out.data[0], 0);
  assert.equal(out.data[400], 1);
  for (let i = 1; i <= 400; i++) assert.ok(Math.abs(out.data[i]! - out.data[i - 1]! - 1 / 400) < 1e-6);
});

test('other level/width: lung window -600/1500', () => {
  const out = ctWindow(makeImage(Float64Array.from([-1350, -600, 150, -975]), [4]), { level: -600, width: 1500 });
  assert.deepEqual(Array.from(out.data), [0, 0.5, 1, 0.25]);
});

test('invalid options are rejected naming the parameter and the source', () => {
  const img = makeImage(new Int16Array(4), [2, 2], { source: '/ct/liver_3.nii.gz' });
  assert.throws(
    () => ctWindow(img, { width: 0 }),
    /^RangeError: ctWindow: \/ct\/liver_3\.nii\.gz: width must be > 0, got 0/,
  );
  assert.throws(() => ctWindow(img, { width: -400 }), /width must be > 0/);
  assert.throws(
    () => ctWindow(img, { level: Number.NaN }),
    /ctWindow: \/ct\/liver_3\.nii\.gz: level must be a finite number/,
  );
});
