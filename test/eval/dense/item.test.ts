/**
 * A dense prediction written as NIfTI read back with the scan's grid; densePredictItem on a prepared, registered scan
 * (transform from the preparation report, atlas grid from its image).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Tensor } from '../../../src/engine/index.js';
import { readNifti } from '../../../src/io/nifti.js';
import { readImage } from '../../../src/io/read.js';
import { resample } from '../../../src/preprocess/resample.js';
import type { Vec3 } from '../../../src/io/geometry.js';
import { densePredictItem, isotropicGeometry, writeDensePrediction } from '../../../src/eval/dense/index.js';
import { predictLesion } from './fixtures.js';
import { prepareLesionChests } from '../../data/lesion-chest.js';

test("writeDensePrediction: probability and mask as NIfTI with the scan's grid", async (t) => {
  const { image, r } = predictLesion();
  // NIfTI files with the scan's grid
  const dir = mkdtempSync(path.join(tmpdir(), 'medcl-dense-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const shifted = {
    ...r,
    probability: { ...r.probability, origin: [-9.5, 4.25, 12] },
    mask: { ...r.mask, origin: [-9.5, 4.25, 12] },
  };
  const files = await writeDensePrediction(shifted, dir, 'scan1');
  const prob = await readNifti(files.probability);
  const mask = await readNifti(files.mask);
  for (const back of [prob, mask]) {
    assert.deepEqual(back.shape, image.shape);
    back.spacing.forEach((v, a) => assert.ok(Math.abs(v - image.spacing[a]!) < 1e-6));
    back.origin.forEach((v, a) => assert.ok(Math.abs(v - [-9.5, 4.25, 12][a]!) < 1e-4, `origin ${a}: ${v}`));
    back.direction.forEach((v, a) => assert.ok(Math.abs(v - image.direction[a]!) < 1e-6));
  }
  assert.deepEqual(Array.from(mask.data), Array.from(r.mask.data));
  prob.data.forEach((v, q) => assert.ok(Math.abs(v - r.probability.data[q]!) < 1e-6));
});

test('densePredictItem: a prepared, registered scan end to end (transform from the report, atlas grid from its image)', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'medcl-dense-item-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { manifest, cfg, prepared } = await prepareLesionChests(
    dir,
    [
      { id: 'a1', lesions: [{ centre: [-14, 3, 8], radius: 6 }] },
      { id: 'b2', lesions: [{ centre: [14, 2, 6], radius: 6 }] },
    ],
    { patchSize: 12, step: 10 },
  );
  // stub: lesion when the window's centre voxel (index 5 of a 12-voxel crop centred on it) is darker than lung
  const d = 12;
  const locations = new Set<string>();
  const stub = (x: Tensor, p: Vec3): Float32Array => {
    locations.add(p.join(','));
    const v = x.toFloat32Array();
    return Float32Array.from({ length: x.shape[0]! }, (_, b) => (v[b * d ** 3 + (5 * d + 5) * d + 5]! < -0.85 ? 1 : 0));
  };
  const r = await densePredictItem({
    manifest,
    report: prepared.report,
    landmarks: prepared.dataset.landmarks,
    config: cfg,
    item: 1,
    classifier: stub,
    options: { step: 1, batchSize: 256 },
  });
  assert.equal(r.id, 'b2');
  assert.ok(r.referenceVoxels! > 500, `${r.referenceVoxels} lesion voxels`);
  assert.equal(r.dice, 1);
  assert.equal(r.predictedVoxels, r.referenceVoxels);
  assert.ok(Math.abs(r.lesionFraction - r.referenceVoxels! / r.lungVoxels) < 1e-12);
  // windows are grouped by nearest landmark: only landmark locations, more than one of them
  const landmarkPs = new Set(prepared.dataset.landmarks.map((l) => l.location.join(',')));
  for (const p of locations) assert.ok(landmarkPs.has(p), `p ${p} is a landmark's`);
  assert.ok(locations.size > 1);
  // the atlas grid read from its image is the resampled grid of the atlas scan
  const atlasImage = await readImage(path.join(dir, 'img/a1.nii.gz'));
  const g = isotropicGeometry(atlasImage, cfg.spacing);
  assert.deepEqual(g.shape, resample(atlasImage, { spacing: cfg.spacing }).shape);
  assert.deepEqual(prepared.grid.atlasShape, g.shape);
  await assert.rejects(
    densePredictItem({ manifest, report: prepared.report, landmarks: [], config: cfg, item: 7, classifier: stub }),
    /item 7 is not in the preparation report/,
  );
});
