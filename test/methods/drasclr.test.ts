/**
 * One DrasCLR step with the paper's network (13 Loc-CondConv layers, 8 experts) on an in-memory patch data set,
 * with the augmentation switched off so that the inputs are known: the step's L_l and L_n equal float64 references
 * computed here from the encoders' outputs — the anchor patches at p_j, the positive key from the momentum encoder,
 * the negatives = the landmark's queued keys of OTHER patients only, the neighbours' patches at their own p_l, and a
 * scan lacking a neighbour's patch left out of L_n. After the step, the landmark's queue holds the batch's keys
 * with their patient ids, and no other queue changed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, manualSeed, noGrad, randn, tidy } from '../../src/engine/index.js';
import { createDrasclrRun } from '../../src/methods/drasclr.js';
import { parseDrasclrConfig } from '../../src/methods/drasclr-config.js';
import { LandmarkPatchDataset, type ScanPatches } from '../../src/data/landmark-patches.js';
import type { AtlasLandmark } from '../../src/preprocess/landmarks.js';
import { Compose } from '../../src/transforms/compose.js';
import { Rng } from '../../src/util/rng.js';
import { assertClose } from '../engine/helpers.js';

const D = 16;

function dataset(): LandmarkPatchDataset {
  const rng = new Rng(11);
  const vol = D ** 3;
  const worlds: [number, number, number][] = [
    [0, 0, 0],
    [10, 0, 0],
    [30, 0, 0],
  ];
  const landmarks: AtlasLandmark[] = worlds.map((w, index) => ({
    index,
    voxel: w,
    world: w,
    lungFraction: 1,
    location: [-0.8 + 0.7 * index, 0.3 - 0.2 * index, 0.1 * index] as [number, number, number],
  }));
  // scan 1 has no patch at landmark 2; scans 0 and 3 belong to the same patient
  const slotsOf = [
    [0, 1, 2],
    [0, 1, -1],
    [0, 1, 2],
    [0, 1, 2],
  ];
  const patients = ['a', 'b', 'c', 'a'];
  const scans: ScanPatches[] = slotsOf.map((slots, s) => {
    const n = slots.filter((x) => x >= 0).length;
    const patches = new Float32Array(n * vol);
    for (let i = 0; i < patches.length; i++) patches[i] = rng.uniform(-1, 1);
    return { id: `s${s}`, patient: patients[s]!, item: s, dice: 1, slots: Int32Array.from(slots), patches };
  });
  return new LandmarkPatchDataset(landmarks, D, scans);
}

function rows(t: { toFloat64Array(): Float64Array; shape: number[] }): number[][] {
  const a = t.toFloat64Array();
  const [n, d] = t.shape as [number, number];
  return Array.from({ length: n }, (_, i) => Array.from(a.subarray(i * d, (i + 1) * d)));
}

const dot = (a: number[], b: number[]): number => a.reduce((s, v, i) => s + v * b[i]!, 0);

test('drasclr step: L_l and L_n against float64 references; the queue takes the keys', () => {
  manualSeed(2);
  const ds = dataset();
  const cfg = parseDrasclrConfig({ data: 'unused', out: 'unused', batchSize: 3, queueSize: 6, seed: 1 });
  const run = createDrasclrRun(ds, cfg, { augment: new Compose([]) });
  const tau = cfg.tau;
  // queue of landmark 0: three keys of patients a (0), b (1), c (2)
  const queued = noGrad(() => F.normalize(randn([3, 128]), { dim: 1 }));
  run.banks.enqueue(0, queued, [0, 1, 2]);
  const bankKeys = rows(run.banks.keys(0)).slice(0, 3);
  const bankIds = [0, 1, 2];
  const otherLandmarkBefore = run.banks.keys(1).toFloat64Array();

  const batch = { epoch: 0, index: 0, landmark: 0, neighbours: [1, 2], items: [0, 1, 2] };
  const scans = [0, 1, 2];
  const ids = scans.map((s) => ds.patientIds[s]!);
  run.momentum.train();
  // references from the encoders' outputs, computed before the step (train-mode BN: batch statistics)
  const loc = (l: number): number[] => [...ds.landmarks[l]!.location];
  const embed = (x: ReturnType<LandmarkPatchDataset['batch']>, l: number, key: boolean): number[][] =>
    tidy(() => rows(noGrad(() => F.normalize((key ? run.momentum.key : run.encoder).forward(x, loc(l)), { dim: 1 }))));
  const q = embed(ds.batch(scans, 0), 0, false);
  const k = embed(ds.batch(scans, 0), 0, true);
  const r1 = embed(ds.batch(scans, 1), 1, false);
  // scan 1 has no patch at landmark 2: its anchor patch stands in (and its row leaves L_n)
  const r2 = embed(ds.batch(scans, [2, 0, 2]), 2, false);

  const negs = (b: number): number[][] => bankKeys.filter((_, n) => bankIds[n] !== ids[b]);
  let local = 0;
  for (let b = 0; b < 3; b++) {
    const pos = Math.exp(dot(q[b]!, k[b]!) / tau);
    const neg = negs(b).reduce((s, n) => s + Math.exp(dot(q[b]!, n) / tau), 0);
    local += -Math.log(pos / (pos + neg));
  }
  local /= 3;
  let neighbour = 0;
  const complete = [0, 2];
  for (const b of complete) {
    const r = [r1[b]!, r2[b]!];
    const pos = r.reduce((s, v) => s + Math.exp(dot(v, k[b]!) / tau), 0);
    const neg = r.reduce((s, v) => s + negs(b).reduce((t, n) => t + Math.exp(dot(v, n) / tau), 0), 0);
    neighbour += -Math.log(pos / (pos + neg));
  }
  neighbour /= complete.length;

  const out = tidy(() => {
    const o = run.step(batch, new Rng(3));
    return {
      loss: o.loss.item(),
      local: o.log.local,
      neighbour: o.log.neighbour,
      without: o.log.withoutNegatives,
      images: o.images,
    };
  });
  assertClose([out.local], [local], { rtol: 1e-4, atol: 1e-5, msg: 'L_l' });
  assertClose([out.neighbour!], [neighbour], { rtol: 1e-4, atol: 1e-5, msg: 'L_n' });
  assertClose([out.loss], [local + neighbour], { rtol: 1e-4, atol: 1e-5, msg: 'L' });
  assert.equal(out.without, 0);
  assert.equal(out.images, 3 * 4);

  run.afterStep();
  assert.equal(run.banks.filled(0), 6);
  assert.deepEqual(Array.from(run.banks.patientIds(0).toFloat64Array()), [0, 1, 2, ...ids]);
  // the new keys are k+ (stored in float16)
  assertClose(
    run.banks
      .keys(0)
      .toFloat64Array()
      .subarray(3 * 128),
    k.flat(),
    { rtol: 0, atol: 2e-3 },
  );
  assert.deepEqual(Array.from(run.banks.keys(1).toFloat64Array()), Array.from(otherLandmarkBefore));
  assert.equal(run.banks.filled(1), 0);
});
