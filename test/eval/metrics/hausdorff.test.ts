import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HausdorffMetric, computeHausdorff, directedDistances, surfaceMask } from '../../../src/eval/metrics/index.js';
import { Rng } from '../../../src/util/rng.js';
import {
  bruteDirected,
  bruteHausdorff,
  bruteSurface,
  npPercentile,
  randomLabels,
  ravel,
  unravel,
} from './reference.js';

function close(a: number, b: number, what: string, tol = 1e-9): void {
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: got ${a}, want ${b}`);
}

test('surfaceMask equals the brute-force face-neighbour surface (2D and 3D)', () => {
  for (const shape of [
    [13, 17],
    [6, 9, 11],
  ]) {
    for (const seed of [1, 2]) {
      const labels = randomLabels(new Rng(seed), shape, 2, 0.02);
      const bin = labels.map((v) => (v === 1 ? 1 : 0));
      const got = surfaceMask(bin, shape);
      const want = new Uint8Array(got.length);
      for (const c of bruteSurface(labels, shape, 1)) want[ravel(c, shape)] = 1;
      assert.deepEqual(got, want, `shape [${shape}] seed ${seed}`);
    }
  }
});

const configs: { shape: number[]; spacing: number[]; numClasses: number }[] = [
  { shape: [21, 26], spacing: [1, 1], numClasses: 3 },
  { shape: [24, 19], spacing: [0.6, 1.7], numClasses: 2 },
  { shape: [9, 14, 12], spacing: [2.5, 0.7, 0.9], numClasses: 3 },
  { shape: [12, 10, 11], spacing: [1, 1, 1], numClasses: 2 },
];

test('HD, HD95 (union and max-directed) and ASSD equal all-pairs brute force on random multi-class maps', () => {
  let compared = 0;
  for (const [ci, { shape, spacing, numClasses }] of configs.entries()) {
    for (const seed of [11, 12, 13]) {
      const rng = new Rng(100 * ci + seed);
      const pred = randomLabels(rng, shape, numClasses);
      const ref = randomLabels(rng, shape, numClasses);
      const union = computeHausdorff({ data: pred, shape, spacing }, { data: ref, shape, spacing }, { numClasses });
      const maxd = computeHausdorff(
        { data: pred, shape, spacing },
        { data: ref, shape, spacing },
        { numClasses, percentileMode: 'max-directed' },
      );
      assert.deepEqual(
        union.classes.map((c) => c.classId),
        Array.from({ length: numClasses - 1 }, (_, i) => i + 1),
      );
      for (const [j, c] of union.classes.entries()) {
        const what = `config ${ci} seed ${seed} class ${c.classId}`;
        if (c.status !== 'ok') continue;
        const want = bruteHausdorff(pred, ref, shape, spacing, c.classId);
        assert.equal(c.predSurfaceVoxels, want.nPred, what);
        assert.equal(c.refSurfaceVoxels, want.nRef, what);
        close(c.values!.hd, want.hd, `${what} hd`);
        close(c.values!.hd95, want.hd95Union, `${what} hd95 union`);
        close(c.values!.assd, want.assd, `${what} assd`);
        close(maxd.classes[j]!.values!.hd95, want.hd95MaxDirected, `${what} hd95 max-directed`);
        close(maxd.classes[j]!.values!.hd, want.hd, `${what} hd (max-directed run)`);
        compared++;
      }
    }
  }
  assert.ok(compared >= 15, `only ${compared} classes had both masks non-empty`);
});

test('spacing from the maps, from options, and 2D vs brute force with a thin structure at the image border', () => {
  const shape = [10, 12];
  const spacing = [0.8, 1.9];
  const pred = new Uint8Array(120);
  const ref = new Uint8Array(120);
  for (let x = 0; x < 12; x++) pred[x] = 1; // first row: all on the image border
  for (let y = 3; y < 8; y++) for (let x = 2; x < 9; x++) ref[y * 12 + x] = 1;
  const a = computeHausdorff({ data: pred, shape, spacing }, { data: ref, shape, spacing });
  const b = computeHausdorff({ data: pred, shape }, { data: ref, shape }, { spacing });
  const want = bruteHausdorff(pred, ref, shape, spacing, 1);
  close(a.classes[0]!.values!.hd, want.hd, 'hd');
  close(a.classes[0]!.values!.hd95, want.hd95Union, 'hd95');
  close(a.classes[0]!.values!.assd, want.assd, 'assd');
  assert.deepEqual(b.classes, a.classes);
  assert.deepEqual(a.spacing, spacing);
});

test('hand case: two single voxels at a known anisotropic distance', () => {
  const shape = [3, 4, 5];
  const spacing = [2.5, 0.7, 0.9];
  const pred = new Uint8Array(60);
  const ref = new Uint8Array(60);
  pred[0] = 1; // (0, 0, 0)
  ref[2 * 20 + 3 * 5 + 4] = 1; // (2, 3, 4)
  const r = computeHausdorff({ data: pred, shape, spacing }, { data: ref, shape, spacing });
  const d = Math.sqrt(25 + 4.41 + 12.96); // (2*2.5)^2 + (3*0.7)^2 + (4*0.9)^2
  assert.equal(r.classes.length, 1);
  const c = r.classes[0]!;
  assert.equal(c.status, 'ok');
  close(c.values!.hd, d, 'hd');
  close(c.values!.hd95, d, 'hd95');
  close(c.values!.assd, d, 'assd');
  assert.equal(c.predSurfaceVoxels, 1);
  assert.equal(c.refSurfaceVoxels, 1);
});

test('hand case: union vs max-directed HD95 and ASSD differ as computed by hand', () => {
  // pred {(0,0)}, ref {(0,0), (0,3)}, spacing [1, 2]: D_PR = {0}, D_RP = {0, 6}
  const shape = [2, 5];
  const spacing = [1, 2];
  const pred = new Uint8Array(10);
  const ref = new Uint8Array(10);
  pred[0] = 1;
  ref[0] = 1;
  ref[3] = 1;
  const u = computeHausdorff({ data: pred, shape, spacing }, { data: ref, shape, spacing }).classes[0]!;
  close(u.values!.hd, 6, 'hd');
  close(u.values!.hd95, 5.4, 'hd95 union'); // sorted {0, 0, 6}: h = 1.9 -> 0 + 0.9 * 6
  close(u.values!.assd, 2, 'assd'); // (0 + 0 + 6) / 3
  assert.deepEqual(u.directed!.predToRef, { count: 1, max: 0, p95: 0, mean: 0 });
  close(u.directed!.refToPred.p95, 5.7, 'directed p95'); // {0, 6}: h = 0.95
  const m = computeHausdorff(
    { data: pred, shape, spacing },
    { data: ref, shape, spacing },
    { percentileMode: 'max-directed' },
  );
  close(m.classes[0]!.values!.hd95, 5.7, 'hd95 max-directed');
});

test('empty-mask policies: both empty, one empty (diagonal, number, exclude), statuses and counts', () => {
  const shape = [4, 6, 7];
  const spacing = [2, 0.5, 1.5];
  const diag = Math.sqrt((3 * 2) ** 2 + (5 * 0.5) ** 2 + (6 * 1.5) ** 2);
  const pred = new Uint8Array(168);
  const ref = new Uint8Array(168);
  ref[10] = 1; // class 1: pred empty
  pred[50] = 2; // class 2: ref empty
  pred[100] = 3; // class 3: ok, same voxel
  ref[100] = 3; // class 4: both empty (numClasses 5)
  const P = { data: pred, shape, spacing };
  const R = { data: ref, shape, spacing };
  const d = computeHausdorff(P, R, { numClasses: 5 });
  close(d.diagonal, diag, 'diagonal');
  assert.deepEqual(
    d.classes.map((c) => c.status),
    ['pred-empty', 'ref-empty', 'ok', 'both-empty'],
  );
  assert.deepEqual(
    d.classes.map((c) => c.included),
    [true, true, true, true],
  );
  close(d.classes[0]!.values!.hd, diag, 'pred-empty hd');
  close(d.classes[1]!.values!.assd, diag, 'ref-empty assd');
  assert.deepEqual(d.classes[2]!.values, { hd: 0, hd95: 0, assd: 0 });
  assert.deepEqual(d.classes[3]!.values, { hd: 0, hd95: 0, assd: 0 });
  close(d.classMean!.hd, diag / 2, 'class mean with penalties');
  assert.equal(d.classes[0]!.refSurfaceVoxels, 1);
  assert.equal(d.classes[1]!.predSurfaceVoxels, 1);

  const x = computeHausdorff(P, R, { numClasses: 5, oneEmpty: 'exclude', bothEmpty: 'exclude' });
  assert.deepEqual(
    x.classes.map((c) => c.included),
    [false, false, true, false],
  );
  assert.equal(x.classes[0]!.values, null);
  assert.equal(x.classes[3]!.values, null);
  assert.equal(x.includedClasses, 1);
  assert.equal(x.excludedClasses, 3);
  assert.deepEqual(x.classMean, { hd: 0, hd95: 0, assd: 0 });

  const n = computeHausdorff(P, R, { numClasses: 5, oneEmpty: 100 });
  assert.deepEqual(n.classes[0]!.values, { hd: 100, hd95: 100, assd: 100 });

  // nothing included: classMean is null, not NaN
  const none = computeHausdorff({ data: new Uint8Array(168), shape, spacing }, R, {
    classes: [1],
    oneEmpty: 'exclude',
  });
  assert.equal(none.classMean, null);
  assert.equal(none.excludedClasses, 1);
});

test('validation: shapes, labels, spacing', () => {
  const m = new HausdorffMetric();
  const a = { data: new Uint8Array(12), shape: [3, 4], spacing: [1, 1] };
  assert.throws(
    () => m.compute(a, { data: new Uint8Array(12), shape: [4, 3], spacing: [1, 1] }),
    /hausdorff: shapes differ: pred \[3, 4\] vs ref \[4, 3\]/,
  );
  assert.throws(
    () => m.compute(a, { data: new Uint8Array(12), shape: [3, 4], spacing: [1, 1, 1] }),
    /hausdorff: ref: spacing \[1, 1, 1\] has 3 entries but shape \[3, 4\] has 2 axes/,
  );
  assert.throws(() => m.compute(a, a, { spacing: [1] }), /options.spacing \[1\] has 1 entries/);
  assert.throws(
    () => m.compute({ data: new Uint8Array(12), shape: [3, 4] }, { data: new Uint8Array(12), shape: [3, 4] }),
    /hausdorff: no spacing/,
  );
  assert.throws(() => m.compute(a, { data: new Uint8Array(12), shape: [3, 4], spacing: [1, 2] }), /spacings differ/);
  const f = new Float32Array(12);
  f[5] = 1.5;
  assert.throws(
    () => m.compute(a, { data: f, shape: [3, 4], spacing: [1, 1] }),
    /hausdorff: ref: label 1.5 at voxel 5 is not a non-negative integer/,
  );
  const neg = new Int16Array(12);
  neg[2] = -1;
  assert.throws(() => m.compute({ data: neg, shape: [3, 4], spacing: [1, 1] }, a), /pred: label -1 at voxel 2/);
  assert.throws(
    () => m.compute({ data: new Uint8Array(11), shape: [3, 4], spacing: [1, 1] }, a),
    /pred: data has 11 values but shape \[3, 4\] needs 12/,
  );
  assert.throws(() => m.compute(a, a, { oneEmpty: Infinity }), /oneEmpty/);
});

test('at scale: 128x128x64 volume, two offset ellipsoids, exact against brute force', () => {
  const shape = [64, 128, 128];
  const spacing = [2.5, 0.7, 0.9];
  const n = 64 * 128 * 128;
  const pred = new Uint8Array(n);
  const ref = new Uint8Array(n);
  for (let z = 0; z < 64; z++) {
    for (let y = 0; y < 128; y++) {
      for (let x = 0; x < 128; x++) {
        const i = (z * 128 + y) * 128 + x;
        if (((z - 32) / 25) ** 2 + ((y - 64) / 50) ** 2 + ((x - 64) / 45) ** 2 <= 1) ref[i] = 1;
        if (((z - 30) / 22) ** 2 + ((y - 60) / 52) ** 2 + ((x - 70) / 40) ** 2 <= 1) pred[i] = 1;
      }
    }
  }
  // (no timing here: a unit test asserts numbers, not speed; the EDT keeps a call at ~100-200 ms on one core)
  const r = computeHausdorff({ data: pred, shape, spacing }, { data: ref, shape, spacing });
  const c = r.classes[0]!;
  assert.equal(c.status, 'ok');
  // exactness at scale: per-voxel distances of both directions on the uncropped volume, a random sample of surface
  // voxels checked against all-pairs brute force, and the metric's HD/ASSD equal to their max/mean
  const sp = surfaceMask(pred, shape);
  const sr = surfaceMask(ref, shape);
  const coords = (s: Uint8Array): number[][] => {
    const out: number[][] = [];
    for (let i = 0; i < n; i++) if (s[i]) out.push(unravel(i, shape));
    return out;
  };
  const cp = coords(sp);
  const cr = coords(sr);
  const dpr = directedDistances(sp, sr, shape, spacing);
  const drp = directedDistances(sr, sp, shape, spacing);
  assert.equal(dpr.length, cp.length);
  assert.equal(c.predSurfaceVoxels, cp.length);
  assert.equal(c.refSurfaceVoxels, cr.length);
  const rng = new Rng(5);
  for (let t = 0; t < 150; t++) {
    const j = rng.int(0, cp.length);
    close(dpr[j]!, bruteDirected([cp[j]!], cr, spacing)[0]!, `pred surface voxel ${j}`);
    const k = rng.int(0, cr.length);
    close(drp[k]!, bruteDirected([cr[k]!], cp, spacing)[0]!, `ref surface voxel ${k}`);
  }
  const all = [...dpr, ...drp];
  close(
    c.values!.hd,
    all.reduce((a, b) => Math.max(a, b), 0),
    'hd vs uncropped',
  );
  close(c.values!.assd, all.reduce((a, b) => a + b, 0) / all.length, 'assd vs uncropped');
  close(c.values!.hd95, npPercentile(all, 95), 'hd95 vs uncropped');
});
