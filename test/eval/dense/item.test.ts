/**
 * A dense prediction written as NIfTI read back with the scan's grid; densePredictItem on a prepared, registered scan
 * (transform from the preparation report, atlas grid from its image).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Tensor } from '../../../src/engine/index.js';
import { loadManifest } from '../../../src/io/manifest.js';
import { readNifti, writeNifti } from '../../../src/io/nifti.js';
import { readImage } from '../../../src/io/read.js';
import { parseDrasclrConfig } from '../../../src/methods/drasclr-config.js';
import { prepareLandmarkPatches } from '../../../src/data/landmark-prepare.js';
import { resample } from '../../../src/preprocess/resample.js';
import type { Vec3 } from '../../../src/io/geometry.js';
import { densePredictItem, isotropicGeometry, writeDensePrediction } from '../../../src/eval/dense/index.js';
import { smallChest, synthChest, type ChestSpec, type V3 } from '../../preprocess/chest-volumes.js';
import { predictLesion } from './fixtures.js';

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
  mkdirSync(path.join(dir, 'img'));
  mkdirSync(path.join(dir, 'lab'));
  const oneMm = (s: ChestSpec): ChestSpec => ({ ...s, shape: [75, 66, 81], spacing: [1, 1, 1] });
  const scans = [
    { id: 'a1', spec: oneMm(smallChest()), lesion: [-14, 3, 8] as V3 },
    { id: 'b2', spec: oneMm(smallChest([1.06, 0.96, 1.04], [2, -1, 2])), lesion: [14, 2, 6] as V3 },
  ];
  const items = [];
  for (const s of scans) {
    const { image, label } = synthChest(s.spec);
    const [nz, ny, nx] = s.spec.shape;
    for (let k = 0, q = 0; k < nz; k++)
      for (let j = 0; j < ny; j++)
        for (let i = 0; i < nx; i++, q++) {
          const x = s.spec.origin[0] + i;
          const y = s.spec.origin[1] + j;
          const z = s.spec.origin[2] + k;
          if (label.data[q] && Math.hypot(x - s.lesion[0], y - s.lesion[1], z - s.lesion[2]) <= 6) {
            image.data[q] = -1000;
            label.data[q] = 3;
          }
        }
    await writeNifti(path.join(dir, `img/${s.id}.nii.gz`), image);
    await writeNifti(path.join(dir, `lab/${s.id}.nii.gz`), label);
    items.push({ image: `img/${s.id}.nii.gz`, label: `lab/${s.id}.nii.gz`, patient: `p${s.id}`, kind: '3d' });
  }
  const manifestPath = path.join(dir, 'manifest.json');
  writeFileSync(manifestPath, JSON.stringify({ version: 1, name: 'lesion-chest', items }));
  const manifest = await loadManifest(manifestPath);
  const cfg = parseDrasclrConfig({ data: manifestPath, out: dir, patchSize: 12, step: 10, lungLabels: [1, 2, 3] });
  const prepared = await prepareLandmarkPatches(manifest, cfg, { cacheDir: path.join(dir, 'cache') });
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
