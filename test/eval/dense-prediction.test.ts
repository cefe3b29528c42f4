/**
 * Dense prediction: window locations through the inverse registration transform (checked forward with
 * applyAffine3, and against landmarks.ts's own scaling of landmark locations); the resampled grid without
 * resampling; with stub classifiers whose output is a known function of the window, the probability and mask
 * equal brute-force loops (step 1 = every voxel its own window; step 3 with nearest and trilinear fills); windows
 * grouped by nearest landmark use that landmark's p; Dice / lesion fraction against a reference; the NIfTI files
 * read back with the scan's grid.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Tensor } from '../../src/engine/index.js';
import type { Image } from '../../src/io/image.js';
import { loadManifest } from '../../src/io/manifest.js';
import { readNifti, writeNifti } from '../../src/io/nifti.js';
import { readImage } from '../../src/io/read.js';
import { parseDrasclrConfig } from '../../src/methods/drasclr-config.js';
import { prepareLandmarkPatches } from '../../src/data/landmark-prepare.js';
import { resample } from '../../src/preprocess/resample.js';
import { applyAffine3, indexToWorld, worldToIndex, type AffineTransform3, type Vec3 } from '../../src/io/geometry.js';
import { landmarkGrid } from '../../src/preprocess/landmarks.js';
import {
  atlasLocationOf,
  atlasVoxelToLocation,
  densePredict,
  densePredictItem,
  inverseAffine,
  isotropicGeometry,
  patchDetection,
  writeDensePrediction,
  type DensePredictionInput,
} from '../../src/eval/dense-prediction.js';
import { Rng } from '../../src/util/rng.js';
import { smallChest, synthChest, type ChestSpec, type V3 } from '../preprocess/chest-volumes.js';

const ROT = (deg: number): number[] => {
  const c = Math.cos((deg * Math.PI) / 180);
  const s = Math.sin((deg * Math.PI) / 180);
  return [c, -s, 0, s, c, 0, 0, 0, 1];
};

/** atlas → scan: a rotation about z with a scale, a centre and a shift */
const T: AffineTransform3 = {
  matrix: ROT(12).map((v, i) => v * (i % 4 === 0 ? 1.08 : 1.03)),
  translation: [3.5, -2.25, 1.5],
  center: [4, 6, 5],
};

function geometry(shape: number[], spacing: number[], origin: number[]) {
  return { shape, spacing, origin, direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
}

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

/** a scan with a lung box and a bright lesion ball, on a 1 mm grid (origin not at 0) */
function scanWithLesion(): { image: Image<Float32Array>; lung: Image<Uint8Array>; reference: Image<Uint8Array> } {
  const shape = [14, 16, 18];
  const [nz, ny, nx] = shape as [number, number, number];
  const geo = { shape, spacing: [1, 1, 1], origin: [-9, -8, -7], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
  const rng = new Rng(5);
  const img = new Float32Array(nz * ny * nx);
  const lung = new Uint8Array(nz * ny * nx);
  const ref = new Uint8Array(nz * ny * nx);
  for (let z = 0, q = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++, q++) {
        const inLung = z >= 2 && z < 12 && y >= 3 && y < 14 && x >= 2 && x < 16;
        img[q] = inLung ? -0.7 + 0.1 * rng.normal() : 0.1 * rng.normal();
        if (inLung) {
          lung[q] = x < 9 ? 1 : 2;
          if (Math.hypot(x - 11, y - 8, z - 6) <= 2.6) {
            img[q] = 0.9;
            ref[q] = 3;
          }
        }
      }
  return {
    image: { ...geo, data: img },
    lung: { ...geo, data: lung.map((v) => (v ? 1 : 0)) },
    reference: { ...geo, data: Uint8Array.from(lung, (v, q) => (ref[q] ? 3 : v)) },
  };
}

/** brute-force window mean at voxel v (start = v − floor((d − 1)/2 + 0.5) ... as patchPlacement), -1 padding */
function windowMean(image: Image, v: readonly number[], d: number): number {
  const [nz, ny, nx] = image.shape as [number, number, number];
  const s = v.map((c) => Math.floor(c - (d - 1) / 2 + 0.5));
  let sum = 0;
  for (let z = s[2]!; z < s[2]! + d; z++)
    for (let y = s[1]!; y < s[1]! + d; y++)
      for (let x = s[0]!; x < s[0]! + d; x++) {
        const inside = x >= 0 && x < nx && y >= 0 && y < ny && z >= 0 && z < nz;
        sum += inside ? image.data[(z * ny + y) * nx + x]! : -1;
      }
  return sum / d ** 3;
}

const f = (m: number): number => 1 / (1 + Math.exp(-8 * (m + 0.55)));

/** stub: P = f(window mean); records the locations it was called with */
function meanStub(calls: { p: Vec3; n: number }[]) {
  return (x: Tensor, p: Vec3): Float32Array => {
    calls.push({ p: [...p] as Vec3, n: x.shape[0]! });
    return Float32Array.from(x.mean([1, 2, 3, 4]).toFloat32Array(), f);
  };
}

test('dense prediction equals brute-force loops (step 1; step 3 nearest and trilinear); p per window', () => {
  const { image, lung } = scanWithLesion();
  const atlas = geometry([18, 20, 22], [1, 1, 1], [-11, -10, -9]);
  const landmarks = [
    { world: [-4, -2, -1] as Vec3, location: [-0.5, -0.4, -0.3] as Vec3 },
    { world: [5, 3, 2] as Vec3, location: [0.5, 0.4, 0.3] as Vec3 },
  ];
  const [nz, ny, nx] = image.shape as [number, number, number];
  for (const d of [5, 4]) {
    // step 1, exact p per window: every lung voxel gets f(mean of its own window)
    const calls: { p: Vec3; n: number }[] = [];
    const input: DensePredictionInput = { image, lung, transform: T, atlas, landmarks, classifier: meanStub(calls) };
    const r1 = densePredict(input, { patchSize: d, step: 1, location: 'window', batchSize: 16 });
    let lungVoxels = 0;
    let predicted = 0;
    for (let z = 0, q = 0; z < nz; z++)
      for (let y = 0; y < ny; y++)
        for (let x = 0; x < nx; x++, q++) {
          if (!lung.data[q]) {
            assert.equal(r1.probability.data[q], 0);
            assert.equal(r1.mask.data[q], 0);
            continue;
          }
          lungVoxels++;
          const want = f(windowMean(image, [x, y, z], d));
          assert.ok(Math.abs(r1.probability.data[q]! - want) < 1e-5, `d ${d} voxel ${x},${y},${z}`);
          const m = Math.fround(want) >= 0.5 ? 1 : 0;
          assert.equal(r1.mask.data[q], m, `mask at ${x},${y},${z}`);
          predicted += m;
        }
    assert.equal(r1.lungVoxels, lungVoxels);
    assert.equal(r1.windows, lungVoxels);
    assert.equal(r1.predictedVoxels, predicted);
    assert.ok(predicted > 0 && predicted < lungVoxels, `non-trivial mask: ${predicted} of ${lungVoxels}`);
    assert.equal(r1.dice, null);
    // each call's p maps (T) back to the geometric centre of a window: p → atlas voxel → atlas world → scan
    for (const c of calls.slice(0, 40)) {
      const av = c.p.map((v, a) => ((v + 1) / 2) * ([22, 20, 18][a]! - 1));
      const sv = worldToIndex(image, applyAffine3(T, indexToWorld(atlas, av)));
      const frac = sv.map((v) => v - (d - 1) / 2 - Math.round(v - (d - 1) / 2));
      for (const fr of frac) assert.ok(Math.abs(fr) < 1e-6, `p ${c.p} maps to a window centre (${sv})`);
    }

    // step 3: nearest and trilinear fills from the strided grid
    const grid = (n: number): number[] => {
      const g: number[] = [];
      for (let k = 0; k * 3 < n - 1; k++) g.push(k * 3);
      g.push(n - 1);
      return g;
    };
    const G = [grid(nx), grid(ny), grid(nz)];
    const gridProb = (gx: number, gy: number, gz: number): number => f(windowMean(image, [gx, gy, gz], d));
    for (const fill of ['nearest', 'trilinear'] as const) {
      const r3 = densePredict(input, { patchSize: d, step: 3, fill, location: 'window' });
      for (let z = 0, q = 0; z < nz; z++)
        for (let y = 0; y < ny; y++)
          for (let x = 0; x < nx; x++, q++) {
            if (!lung.data[q]) continue;
            const pos = [x, y, z];
            let want: number;
            if (fill === 'nearest') {
              const c = pos.map((v, a) => {
                let best = G[a]![0]!;
                for (const g of G[a]!) if (Math.abs(g - v) < Math.abs(best - v)) best = g;
                return best;
              });
              want = gridProb(c[0]!, c[1]!, c[2]!);
            } else {
              const lo = pos.map((v, a) => G[a]!.filter((g) => g <= v).pop()!);
              const hi = pos.map((v, a) => G[a]!.find((g) => g > v) ?? G[a]![G[a]!.length - 1]!);
              const w = pos.map((v, a) => (hi[a]! > lo[a]! ? (v - lo[a]!) / (hi[a]! - lo[a]!) : 0));
              want = 0;
              for (const cz of [0, 1])
                for (const cy of [0, 1])
                  for (const cx of [0, 1]) {
                    const wt = (cx ? w[0]! : 1 - w[0]!) * (cy ? w[1]! : 1 - w[1]!) * (cz ? w[2]! : 1 - w[2]!);
                    if (wt === 0) continue;
                    want += wt * gridProb(cx ? hi[0]! : lo[0]!, cy ? hi[1]! : lo[1]!, cz ? hi[2]! : lo[2]!);
                  }
            }
            assert.ok(Math.abs(r3.probability.data[q]! - want) < 1e-5, `${fill} d ${d} at ${pos}: ${want}`);
            assert.equal(r3.mask.data[q], r3.probability.data[q]! >= 0.5 ? 1 : 0);
          }
      assert.ok(r3.windows < r1.windows / 5, `${fill}: ${r3.windows} windows`);
    }
  }
});

test('nearest-landmark grouping, Dice with the reference, NIfTI output, patch detection', async (t) => {
  const { image, lung, reference } = scanWithLesion();
  const atlas = geometry([18, 20, 22], [1, 1, 1], [-11, -10, -9]);
  const landmarks = [
    { world: [-5, -2, -1] as Vec3, location: [-0.5, -0.4, -0.3] as Vec3 },
    { world: [6, 3, 2] as Vec3, location: [0.5, 0.4, 0.3] as Vec3 },
    { world: [0, 9, -4] as Vec3, location: [0.1, 0.9, -0.6] as Vec3 },
  ];
  const d = 5;
  const calls: { p: Vec3; n: number }[] = [];
  // stub: the window's centre voxel (index 2 of a 5³ crop) above 0.5 → lesion
  const centreStub = (x: Tensor, p: Vec3): Float32Array => {
    calls.push({ p: [...p] as Vec3, n: x.shape[0]! });
    const v = x.toFloat32Array();
    const out = new Float32Array(x.shape[0]!);
    for (let b = 0; b < out.length; b++) out[b] = v[b * 125 + (2 * 5 + 2) * 5 + 2]! > 0.5 ? 0.9 : 0.1;
    return out;
  };
  const r = densePredict(
    { image, lung, transform: T, atlas, landmarks, classifier: centreStub, reference },
    { patchSize: d, step: 1, batchSize: 32 },
  );
  // every call uses one landmark's p; windows per landmark = brute-force nearest-landmark counts
  const inv = inverseAffine(T);
  const expected = new Map<number, number>();
  const [nz, ny, nx] = image.shape as [number, number, number];
  let refVoxels = 0;
  for (let z = 0, q = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++, q++) {
        if (reference.data[q] === 3) refVoxels++;
        if (!lung.data[q]) continue;
        const w = applyAffine3(inv, indexToWorld(image, [x, y, z]));
        const dist = landmarks.map((l) => Math.hypot(l.world[0] - w[0], l.world[1] - w[1], l.world[2] - w[2]));
        const best = dist.indexOf(Math.min(...dist));
        expected.set(best, (expected.get(best) ?? 0) + 1);
      }
  const got = new Map<number, number>();
  for (const c of calls) {
    const li = landmarks.findIndex((l) => l.location.every((v, a) => v === c.p[a]));
    assert.ok(li >= 0, `p ${c.p} is a landmark's`);
    got.set(li, (got.get(li) ?? 0) + c.n);
  }
  assert.deepEqual([...got.entries()].sort(), [...expected.entries()].sort());
  assert.ok(expected.size >= 2, 'windows near more than one landmark');
  assert.equal(r.locations, expected.size);
  // the lesion is exactly the bright voxels: Dice 1, fraction = lesion / lung
  assert.equal(r.referenceVoxels, refVoxels);
  assert.equal(r.dice, 1);
  assert.equal(r.predictedVoxels, refVoxels);
  assert.equal(r.lesionFraction, refVoxels / r.lungVoxels);

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

  // the paper's patch rule: positive when >= 25 % of the patch's voxels have P > 0.5
  const atLesion = patchDetection(r.probability, [11, 8, 6], 4);
  assert.ok(atLesion.positive && atLesion.fraction > 0.25, `${atLesion.fraction}`);
  assert.equal(patchDetection(r.probability, [4, 5, 4], 4).positive, false);
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
