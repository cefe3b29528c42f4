/**
 * Dense prediction with stub classifiers whose output is a known function of the window: the probability and mask
 * equal brute-force loops (step 1 = every voxel its own window; step 3 with nearest and trilinear fills); windows
 * grouped by nearest landmark use that landmark's p; Dice / lesion fraction against a reference.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyAffine3, indexToWorld, worldToIndex, type Vec3 } from '../../../src/io/geometry.js';
import { densePredict, inverseAffine, type DensePredictionInput } from '../../../src/eval/dense/index.js';
import { LANDMARKS, T, f, geometry, meanStub, predictLesion, scanWithLesion, windowMean } from './fixtures.js';

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

test('nearest-landmark grouping: windows per landmark as a brute-force count; Dice with the reference', () => {
  const calls: { p: Vec3; n: number }[] = [];
  const { image, lung, reference, r } = predictLesion(calls);
  const landmarks = LANDMARKS;
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
});
