/**
 * Per-case evaluation on hand-made data sets: HD95 per 3D volume with the real anisotropic [z, y, x] spacing (vs a
 * float64 brute force over surface voxels written here), pixels when the spacing is not physical, and the
 * absent-class rule (exclude vs perfect) on a hand-made case.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SliceDataset, type SliceSample, type VolumeGeometry } from '../../../src/data/slice-dataset.js';
import { parseManifest } from '../../../src/io/manifest.js';
import { evaluateCases, summarizeCases } from '../../../src/eval/metrics/segmentation-cases.js';
import { Rng } from '../../../src/util/rng.js';
import { randomLabels } from './reference.js';

const CLASSES = ['bg', 'a', 'b', 'c'];

/** volumes of the given depths (size² slices), labels given per volume as depth·size² arrays */
function dataset(
  size: number,
  labels: Uint8Array[],
  depths: number[],
  spacing: [number, number][],
  geometry: VolumeGeometry[],
  order: number[] | null = null,
): SliceDataset {
  const manifest = parseManifest(
    JSON.stringify({
      version: 1,
      classes: CLASSES,
      items: depths.map((d, v) => ({ image: `v${v}.nii.gz`, patient: `p${v}`, kind: d > 1 ? '3d' : '2d' })),
    }),
    '/data/m.json',
  );
  const n = size * size;
  const refs: { v: number; z: number }[] = [];
  depths.forEach((d, v) => {
    for (let z = 0; z < d; z++) refs.push({ v, z });
  });
  const ordered = (order ?? refs.map((_, i) => i)).map((i) => refs[i]!);
  const samples: SliceSample[] = ordered.map(({ v, z }, id) => ({
    id,
    item: v,
    patient: `p${v}`,
    volumeId: String(v),
    volume: v,
    sliceIndex: z,
    slicesInVolume: depths[v]!,
  }));
  return new SliceDataset(
    manifest,
    size,
    samples,
    ordered.map(() => new Float32Array(n)),
    ordered.map(({ v, z }) => labels[v]!.slice(z * n, (z + 1) * n)),
    depths.map((d, v) => ({ id: String(v), slices: d })),
    spacing,
    { preset: 'ct-pcl' },
    geometry,
  );
}

/** predictions per sample id: slice z of the volume's prediction */
function predsOf(ds: SliceDataset, preds: Uint8Array[]): Map<number, Uint8Array> {
  const n = ds.size * ds.size;
  return new Map(ds.samples.map((s) => [s.id, preds[s.volume]!.slice(s.sliceIndex * n, (s.sliceIndex + 1) * n)]));
}

// ---------- brute force, float64 ----------

function surface(data: Uint8Array, shape: number[], label: number): number[][] {
  const [D, H, W] = shape as [number, number, number];
  const at = (z: number, y: number, x: number) =>
    z < 0 || y < 0 || x < 0 || z >= D || y >= H || x >= W ? -1 : data[(z * H + y) * W + x]!;
  const out: number[][] = [];
  for (let z = 0; z < D; z++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        if (at(z, y, x) !== label) continue;
        const nbs = [
          at(z - 1, y, x),
          at(z + 1, y, x),
          at(z, y - 1, x),
          at(z, y + 1, x),
          at(z, y, x - 1),
          at(z, y, x + 1),
        ];
        if (nbs.some((v) => v !== label)) out.push([z, y, x]);
      }
  return out;
}

function nearest(from: number[][], to: number[][], sp: number[]): number[] {
  return from.map((p) => {
    let best = Infinity;
    for (const q of to) {
      const d = Math.hypot((p[0]! - q[0]!) * sp[0]!, (p[1]! - q[1]!) * sp[1]!, (p[2]! - q[2]!) * sp[2]!);
      if (d < best) best = d;
    }
    return best;
  });
}

/** medpy's hd95: numpy's linear 95th percentile of both directed distance sets pooled */
function bruteHd95(pred: Uint8Array, ref: Uint8Array, shape: number[], sp: number[], label: number): number {
  const sp1 = surface(pred, shape, label);
  const sr = surface(ref, shape, label);
  const all = [...nearest(sp1, sr, sp), ...nearest(sr, sp1, sp)].sort((a, b) => a - b);
  const pos = 0.95 * (all.length - 1);
  const i = Math.floor(pos);
  const j = Math.min(i + 1, all.length - 1);
  return all[i]! + (all[j]! - all[i]!) * (pos - i);
}

test('HD95 per 3D volume with the anisotropic [z, y, x] spacing matches a brute force; px without a spacing', () => {
  const size = 8;
  const depths = [4, 3];
  const rng = new Rng(11);
  const shapes = depths.map((d) => [d, size, size]);
  const ref = shapes.map((s) => randomLabels(rng, s, 4, 0.02));
  const pred = shapes.map((s) => randomLabels(rng, s, 4, 0.02));
  const spacing: [number, number][] = [
    [0.7, 1.3],
    [0.9, 0.9],
  ];
  const geometry: VolumeGeometry[] = [
    { sliceSpacing: 2.5, spacingKnown: true },
    { sliceSpacing: 5, spacingKnown: false },
  ];
  // sample ids in shuffled order: the cases must stack each volume's slices back by slice index
  const order = new Rng(3).permutation(7);
  const ds = dataset(size, ref, depths, spacing, geometry, order);
  const cases = evaluateCases(
    ds,
    ds.samples.map((s) => s.id),
    predsOf(ds, pred),
    { hausdorff: true },
  );
  assert.equal(cases.length, 2);
  const physical = [
    [2.5, 0.7, 1.3],
    [1, 1, 1],
  ];
  let checked = 0;
  for (const v of [0, 1]) {
    const c = cases.find((k) => k.case.endsWith(`v${v}.nii.gz`))!;
    assert.equal(c.hd95Unit, v === 0 ? 'mm' : 'px');
    const sp = physical[v]!;
    const diagonal = Math.hypot(...shapes[v]!.map((s, k) => (s - 1) * sp[k]!));
    const included: number[] = [];
    for (const label of [1, 2, 3]) {
      const inP = pred[v]!.includes(label);
      const inR = ref[v]!.includes(label);
      if (!inP && !inR) {
        assert.equal(c.hd95![label], undefined, `volume ${v} class ${label}: absent from both, excluded`);
        continue;
      }
      const want = inP && inR ? bruteHd95(pred[v]!, ref[v]!, shapes[v]!, sp, label) : diagonal;
      if (inP && inR) checked++;
      const got = c.hd95![label]!;
      assert.ok(Math.abs(got - want) < 1e-9 * Math.max(1, want), `volume ${v} class ${label}: ${got} vs ${want}`);
      included.push(want);
    }
    const mean = included.reduce((a, b) => a + b, 0) / included.length;
    assert.ok(Math.abs(c.meanHd95! - mean) < 1e-9 * Math.max(1, mean));
  }
  assert.ok(checked >= 4, `${checked} classes present in both maps`);
  // units differ across the two cases: no mean HD95 across them
  const s = summarizeCases(cases);
  assert.equal(s.meanHd95, null);
  assert.equal(s.hd95Unit, null);
  assert.equal(summarizeCases([cases[0]!]).hd95Unit, cases[0]!.hd95Unit);
});

test('HD95 of a volume with a missing slice is refused (the stacked z spacing would be wrong)', () => {
  const size = 4;
  const lab = new Uint8Array(3 * 16).fill(1);
  const ds = dataset(size, [lab], [3], [[1, 1]], [{ sliceSpacing: 2, spacingKnown: true }]);
  const ids = [0, 2];
  const preds = predsOf(ds, [lab]);
  assert.throws(() => evaluateCases(ds, ids, preds, { hausdorff: true }), /contiguous slices/);
  assert.equal(evaluateCases(ds, ids, preds, { hausdorff: false })[0]!.meanDice, 1);
});

test('absent classes: exclude averages over the classes present; perfect counts them as 1', () => {
  // one 2D case of 4×4: class 1 overlaps partly, class 2 (the "organ") is in neither map, class 3 is a false alarm
  const ref = Uint8Array.from([1, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  const pred = Uint8Array.from([1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0]);
  const empty = new Uint8Array(16);
  const ds = dataset(
    4,
    [ref, empty],
    [1, 1],
    [
      [1, 1],
      [1, 1],
    ],
    [],
  );
  const preds = new Map([
    [0, pred],
    [1, empty],
  ]);
  const d1 = (2 * 3) / (5 + 3); // |P∩R| = 3, |P| = 3, |R| = 5
  const ex = evaluateCases(ds, [0, 1], preds, { hausdorff: false, absentClasses: 'exclude' });
  assert.deepEqual(ex[0]!.dice, { 1: d1, 3: 0 });
  assert.equal(ex[0]!.meanDice, (d1 + 0) / 2);
  // the all-background case: every class excluded, no mean; left out of the mean across cases and counted
  assert.deepEqual(ex[1]!.dice, {});
  assert.equal(ex[1]!.meanDice, null);
  const s = summarizeCases(ex);
  assert.equal(s.meanDice, (d1 + 0) / 2);
  assert.equal(s.excludedCases, 1);
  const pf = evaluateCases(ds, [0, 1], preds, { hausdorff: false, absentClasses: 'perfect' });
  assert.deepEqual(pf[0]!.dice, { 1: d1, 2: 1, 3: 0 });
  assert.equal(pf[0]!.meanDice, (d1 + 1 + 0) / 3);
  assert.equal(pf[1]!.meanDice, 1);
  assert.equal(summarizeCases(pf).excludedCases, 0);
  // the default is exclude (nnU-Net's rule)
  assert.deepEqual(evaluateCases(ds, [0, 1], preds, { hausdorff: false }), ex);
});
