import { test } from 'node:test';
import assert from 'node:assert/strict';
import { organFlags } from '../../src/preprocess/organFlags.js';
import { makeImage } from './fixtures.js';

// 5 slices of 2 x 2: slice 0 empty, 1 has one voxel of class 1, 2 has class 2 twice, 3 has 1 and 3, 4 all class 3
const labels = Uint8Array.from([0, 0, 0, 0, 0, 1, 0, 0, 2, 0, 2, 0, 1, 3, 0, 0, 3, 3, 3, 3]);
const vol = makeImage(labels, [5, 2, 2], { source: '/lits/seg-1.nii' });

test('any non-zero label by default', () => {
  assert.deepEqual(organFlags(vol), [false, true, true, true, true]);
});

test('chosen classes and a minimum voxel count', () => {
  assert.deepEqual(organFlags(vol, { classes: [1] }), [false, true, false, true, false]);
  assert.deepEqual(organFlags(vol, { classes: [2, 3] }), [false, false, true, true, true]);
  assert.deepEqual(organFlags(vol, { minVoxels: 2 }), [false, false, true, true, true]);
  assert.deepEqual(organFlags(vol, { classes: [3], minVoxels: 2 }), [false, false, false, false, true]);
  assert.deepEqual(organFlags(vol, { classes: [7] }), [false, false, false, false, false]);
});

test('float label maps: NaN is not an organ', () => {
  const f = makeImage(Float32Array.from([Number.NaN, 0, 0.0, 0, 0, 1, 0, 0]), [2, 2, 2]);
  assert.deepEqual(organFlags(f), [false, true]);
});

test('bad input is rejected naming the parameter and the source', () => {
  assert.throws(
    () => organFlags(vol, { classes: [] }),
    /^RangeError: organFlags: \/lits\/seg-1\.nii: classes must be a non-empty array/,
  );
  assert.throws(
    () => organFlags(vol, { minVoxels: 0 }),
    /organFlags: \/lits\/seg-1\.nii: minVoxels must be a positive integer, got 0/,
  );
  assert.throws(
    () => organFlags(makeImage(new Uint8Array(4), [2, 2], { source: '/a.png' })),
    /organFlags: \/a\.png: expected a 3D image/,
  );
});
