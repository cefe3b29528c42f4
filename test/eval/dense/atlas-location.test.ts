/**
 * Window locations through the inverse registration transform (checked forward with applyAffine3, and against
 * landmarks.ts's own scaling of landmark locations); the resampled grid without resampling.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Image } from '../../../src/io/image.js';
import { resample } from '../../../src/preprocess/resample.js';
import { applyAffine3, indexToWorld, worldToIndex } from '../../../src/io/geometry.js';
import { landmarkGrid } from '../../../src/preprocess/landmarks.js';
import {
  atlasLocationOf,
  atlasVoxelToLocation,
  inverseAffine,
  isotropicGeometry,
} from '../../../src/eval/dense/index.js';
import { Rng } from '../../../src/util/rng.js';
import { T, geometry } from './fixtures.js';

test('window locations: the inverse transform maps scan points to atlas points that T maps back; p as landmarks', () => {
  const scan = geometry([16, 18, 20], [1, 1, 1], [-9, -8, -7]);
  const atlas = geometry([20, 22, 24], [1, 1, 1], [-12, -10, -11]);
  const inv = inverseAffine(T);
  const rng = new Rng(1);
  for (let i = 0; i < 50; i++) {
    const v = [rng.uniform(0, 19), rng.uniform(0, 17), rng.uniform(0, 15)];
    const loc = atlasLocationOf(v, scan, inv, atlas);
    const back = applyAffine3(T, loc.atlasWorld);
    const w = indexToWorld(scan, v);
    for (let a = 0; a < 3; a++) assert.ok(Math.abs(back[a]! - w[a]!) < 1e-9, `T(T⁻¹(x)) = x, axis ${a}`);
    const av = worldToIndex(atlas, loc.atlasWorld);
    const n = [24, 22, 20];
    for (let a = 0; a < 3; a++) {
      const clamped = Math.min(Math.max(av[a]!, 0), n[a]! - 1);
      assert.ok(Math.abs(loc.location[a]! - ((2 * clamped) / (n[a]! - 1) - 1)) < 1e-12);
    }
  }
  // the same scaling as the landmarks' p (landmarks.ts)
  const mask = new Uint8Array(20 * 22 * 24);
  for (let z = 3; z < 17; z++)
    for (let y = 2; y < 19; y++) for (let x = 4; x < 21; x++) mask[(z * 22 + y) * 24 + x] = 1;
  const grid = landmarkGrid({ ...atlas, data: mask }, { patchSize: 8, step: 6 });
  assert.ok(grid.landmarks.length > 4);
  for (const l of grid.landmarks) {
    const p = atlasVoxelToLocation(l.voxel, atlas.shape);
    for (let a = 0; a < 3; a++) assert.ok(Math.abs(p[a]! - l.location[a]!) < 1e-12, `landmark ${l.index}`);
  }
});

test('isotropicGeometry equals the grid resample() produces', () => {
  const shape = [7, 9, 11];
  const img: Image = {
    data: new Float32Array(7 * 9 * 11),
    shape,
    spacing: [2.5, 0.7, 1.3],
    origin: [4, -3, 10],
    direction: [0, -1, 0, 1, 0, 0, 0, 0, 1],
  };
  for (const s of [1, 0.8, 2]) {
    const r = resample(img, { spacing: s });
    const g = isotropicGeometry(img, s);
    assert.deepEqual(g.shape, r.shape);
    assert.deepEqual(g.spacing, r.spacing);
    g.origin.forEach((v, a) => assert.ok(Math.abs(v - r.origin[a]!) < 1e-9, `origin ${a}`));
    assert.deepEqual(g.direction, r.direction);
  }
});
