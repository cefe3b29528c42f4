import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as pre from '../../src/preprocess/index.js';

test('the index exports every preprocessing step', () => {
  for (const name of [
    'padToSquare',
    'resize2d',
    'ctWindow',
    'huClipScale',
    'percentiles',
    'percentileNormalize',
    'resample',
    'resampledSize',
    'padCrop',
    'padCropOffsets',
    'centralSlices',
    'centralSliceRange',
    'slicePositions',
    'partitionIds',
    'organFlags',
    'PreprocessCache',
    'canonicalJson',
  ]) {
    assert.equal(typeof (pre as Record<string, unknown>)[name], 'function', name);
  }
});
