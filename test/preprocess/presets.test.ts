import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLTCI, DRASCLR, GCL_PARTITIONS, PCL_PERCENTILES, POLYCL } from '../../src/preprocess/presets.js';
import { centralSliceRange } from '../../src/preprocess/centralSlices.js';
import { ctWindow } from '../../src/preprocess/ctWindow.js';
import { huClipScale } from '../../src/preprocess/huClipScale.js';
import { partitionIds } from '../../src/preprocess/partitionIds.js';
import { percentileNormalize } from '../../src/preprocess/percentileNormalize.js';
import { resample } from '../../src/preprocess/resample.js';
import { resize2d } from '../../src/preprocess/resize2d.js';
import { padToSquare } from '../../src/preprocess/padToSquare.js';
import { makeImage, randomFloats } from './fixtures.js';

// the functions' defaults must be the presets (the papers' numbers), not drift apart from them; and the presets
// must be the papers' numbers, written out here
test("presets are the papers' numbers", () => {
  assert.deepEqual(PCL_PERCENTILES, { low: 1, high: 99 });
  assert.deepEqual(POLYCL, { level: 40, width: 400, fraction: 0.3 });
  assert.deepEqual(DRASCLR, { spacing: 1, min: -1024, max: 240 });
  assert.deepEqual(CLTCI, { padValue: 0, size: 256 });
  assert.equal(GCL_PARTITIONS, 4);
});

test('function defaults agree with the presets', () => {
  const ct = makeImage(randomFloats(3 * 4 * 5, 1, -1500, 1500), [3, 4, 5], { spacing: [2, 0.7, 1.3] });
  assert.deepEqual(ctWindow(ct).data, ctWindow(ct, { level: POLYCL.level, width: POLYCL.width }).data);
  assert.deepEqual(huClipScale(ct).data, huClipScale(ct, { min: DRASCLR.min, max: DRASCLR.max }).data);
  assert.deepEqual(percentileNormalize(ct).image.data, percentileNormalize(ct, { ...PCL_PERCENTILES }).image.data);
  assert.deepEqual(resample(ct).data, resample(ct, { spacing: DRASCLR.spacing }).data);
  assert.deepEqual(partitionIds(11), partitionIds(11, { partitions: GCL_PARTITIONS }));
  assert.deepEqual(centralSliceRange(40), centralSliceRange(40, POLYCL.fraction));
  const xr = makeImage(randomFloats(300 * 200, 2), [300, 200]);
  assert.deepEqual(resize2d(padToSquare(xr)).shape, [CLTCI.size, CLTCI.size]);
});
