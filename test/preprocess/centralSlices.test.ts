import { test } from 'node:test';
import assert from 'node:assert/strict';
import { centralSlices, centralSliceRange } from '../../src/preprocess/centralSlices.js';
import { makeImage, worldOf } from './fixtures.js';

test('kept range by hand: k = round(0.3 n), start = floor((n - k) / 2)', () => {
  assert.deepEqual(centralSliceRange(10), { start: 3, end: 6 }); // k 3
  assert.deepEqual(centralSliceRange(100), { start: 35, end: 65 }); // k 30
  assert.deepEqual(centralSliceRange(7), { start: 2, end: 4 }); // k round(2.1) = 2, (7 - 2) / 2 = 2.5 -> 2
  assert.deepEqual(centralSliceRange(5), { start: 1, end: 3 }); // k round(1.5) = 2
  assert.deepEqual(centralSliceRange(1), { start: 0, end: 1 });
  assert.deepEqual(centralSliceRange(2), { start: 0, end: 1 }); // k round(0.6) = 1
  assert.deepEqual(centralSliceRange(3, 0.1), { start: 1, end: 2 }); // k max(1, 0) = 1
  assert.deepEqual(centralSliceRange(8, 1), { start: 0, end: 8 });
  assert.deepEqual(centralSliceRange(10, 0.25), { start: 3, end: 6 }); // k round(2.5) = 3, start floor(3.5) = 3
  assert.deepEqual(centralSliceRange(20, 0.15), { start: 8, end: 11 }); // 0.15 * 20 = 3.0000000000000004 -> 3, start 8
});

test('centralSlices copies those slices and moves the origin to the first kept one', () => {
  const n = 10;
  const data = Int16Array.from({ length: n * 2 * 3 }, (_, i) => i);
  const vol = makeImage(data, [n, 2, 3], { spacing: [2.5, 1, 1], origin: [0, 0, -100], source: '/lits/vol-3.nii' });
  const r = centralSlices(vol);
  assert.equal(r.start, 3);
  assert.equal(r.end, 6);
  assert.deepEqual(r.image.shape, [3, 2, 3]);
  assert.ok(r.image.data instanceof Int16Array);
  assert.deepEqual(
    Array.from(r.image.data),
    Array.from({ length: 18 }, (_, i) => 18 + i),
  );
  assert.deepEqual(worldOf(r.image, [0, 0, 0]), worldOf(vol, [3, 0, 0]));
  assert.equal(r.image.source, '/lits/vol-3.nii');
  r.image.data[0] = -1;
  assert.equal(vol.data[18], 18, 'the result must not alias the input');
});

test('bad input is rejected naming the parameter and the source', () => {
  const vol = makeImage(new Float32Array(8), [2, 2, 2], { source: '/lits/vol-1.nii' });
  assert.throws(
    () => centralSlices(vol, { fraction: 0 }),
    /^RangeError: centralSlices: \/lits\/vol-1\.nii: fraction must be in \(0, 1\], got 0/,
  );
  assert.throws(() => centralSlices(vol, { fraction: 1.2 }), /fraction must be in \(0, 1\], got 1.2/);
  assert.throws(
    () => centralSlices(makeImage(new Float32Array(4), [2, 2], { source: '/x.png' })),
    /centralSlices: \/x\.png: expected a 3D image/,
  );
  assert.throws(() => centralSliceRange(0), /n must be a positive integer/);
});
