/**
 * Patch classification, scheme (b): full fine-tuning of a tiny Loc-CondConv encoder learns a bright-blob vs no-blob
 * task (F1 > 0.9), changes the encoder's weights away from the pre-trained ones without touching the pre-trained
 * module, `init: 'random'` starts elsewhere and runs the identical loop, and `labelFraction` draws nested
 * class-stratified subsets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed } from '../../src/engine/index.js';
import { parseDrasclrConfig } from '../../src/methods/drasclr-config.js';
import { LandmarkPatchDataset, type ScanPatches } from '../../src/data/landmark-patches.js';
import type { AtlasLandmark } from '../../src/preprocess/landmarks.js';
import { createPatchClassifier } from '../../src/eval/patch-finetune.js';
import { finetunePatchClassifierCV, stratifiedFraction } from '../../src/eval/patch-finetune-cv.js';
import { patchLinearReadout } from '../../src/eval/patch-linear-readout.js';
import type { PatchSamples } from '../../src/data/patch-labels.js';
import { buildDrasclrEncoder } from '../../src/methods/drasclr.js';
import { Rng } from '../../src/util/rng.js';

const D = 8;
const LAYERS = [
  { out: 4, stride: 1 },
  { out: 8, stride: 2 },
];
const cfg = parseDrasclrConfig({
  data: 'unused.json',
  out: 'unused',
  patchSize: D,
  step: D,
  layers: LAYERS,
  experts: 2,
  headHidden: 8,
  projectionDim: 8,
});

/** `n` scans (patients: the first 6 scans in pairs), 3 landmarks; a patch is noise, positives hold a bright 3³ blob */
function blobData(seed: number, n = 12): { dataset: LandmarkPatchDataset; samples: PatchSamples } {
  const rng = new Rng(seed);
  const L = 3;
  const landmarks: AtlasLandmark[] = Array.from({ length: L }, (_, l) => ({
    index: l,
    voxel: [l * 10, 5, 5],
    world: [l * 10, 5, 5],
    lungFraction: 1,
    location: [l - 1, 0.2 * l, -0.3],
  }));
  const scans: ScanPatches[] = [];
  const scan: number[] = [];
  const landmark: number[] = [];
  const y: number[] = [];
  const patient: string[] = [];
  const vol = D ** 3;
  for (let s = 0; s < n; s++) {
    const pid = `pt${s < 6 ? Math.floor(s / 2) : s - 3}`;
    const patches = new Float32Array(L * vol);
    for (let l = 0; l < L; l++) {
      const positive = (s + l) % 2;
      for (let q = 0; q < vol; q++) patches[l * vol + q] = -0.7 + 0.15 * rng.normal();
      if (positive) {
        const [bx, by, bz] = [rng.int(1, D - 4), rng.int(1, D - 4), rng.int(1, D - 4)];
        for (let z = bz; z < bz + 3; z++)
          for (let yy = by; yy < by + 3; yy++)
            for (let x = bx; x < bx + 3; x++) patches[l * vol + (z * D + yy) * D + x] = 0.8;
      }
      scan.push(s);
      landmark.push(l);
      y.push(positive);
      patient.push(pid);
    }
    scans.push({ id: `s${s}`, patient: pid, item: s, dice: 1, slots: Int32Array.from([0, 1, 2]), patches });
  }
  return {
    dataset: new LandmarkPatchDataset(landmarks, D, scans),
    samples: { scan: Int32Array.from(scan), landmark: Int32Array.from(landmark), y: Uint8Array.from(y), patient },
  };
}

function weights(m: { stateDict(): Map<string, { toFloat64Array(): Float64Array }> }, key: string): Float64Array {
  return m.stateDict().get(key)!.toFloat64Array();
}

function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

test('full fine-tuning learns a blob task, changes a COPY of the pre-trained encoder; random init starts elsewhere', () => {
  const { dataset, samples } = blobData(7, 18);
  manualSeed(99);
  const pretrained = buildDrasclrEncoder(cfg);
  const key = 'block0.conv.weight';
  const before = weights(pretrained, key);

  // the copy starts at the pre-trained weights; the random init elsewhere
  const copy = createPatchClassifier({ config: cfg, pretrained, seed: 1 });
  assert.equal(maxAbsDiff(weights(copy.encoder, key), before), 0);
  const scratch = createPatchClassifier({ config: cfg, init: 'random', seed: 1 });
  assert.ok(maxAbsDiff(weights(scratch.encoder, key), before) > 1e-3, 'random init equals the pre-trained weights');
  assert.throws(() => createPatchClassifier({ config: cfg, seed: 1 }), /needs the pre-trained encoder/);

  const opts = { config: cfg, pretrained, k: 3, epochs: 30, lr: 5e-3, batchSize: 6, seed: 3 };
  const ft = finetunePatchClassifierCV(dataset, samples, opts);
  assert.equal(ft.scheme, 'fine-tuning');
  assert.equal(ft.init, 'pretrained');
  assert.equal(ft.folds.length, 3);
  assert.ok(ft.summary.f1.mean! > 0.9, `fine-tuned F1 ${JSON.stringify(ft.summary)}`);
  for (const f of ft.folds) {
    assert.ok(f.encoderChange > 1e-3, `fold ${f.fold}: encoder change ${f.encoderChange}`);
    assert.ok(f.validationPatients.length >= 1 && f.validationSamples > 0);
    for (const p of f.validationPatients) assert.ok(!f.testPatients.includes(p) && f.trainPatients.includes(p));
    assert.ok(f.bestEpoch >= 1 && f.bestEpoch <= 30);
    assert.equal(f.history.length, 30);
    assert.equal(f.positiveWeight, (f.trainSamples - f.trainPositives) / f.trainPositives);
  }
  // folds by patient: the two scans of a patient share a fold
  samples.patient.forEach((p, i) =>
    samples.patient.forEach((q, j) => {
      if (p === q) assert.equal(ft.foldOf[i], ft.foldOf[j]);
    }),
  );
  // the returned model (fold 0) moved away from the pre-trained weights; the pre-trained module is untouched
  assert.equal(ft.modelFrom, 0);
  assert.ok(maxAbsDiff(weights(ft.model!.encoder, key), before) > 1e-3);
  assert.equal(maxAbsDiff(weights(pretrained, key), before), 0);
  assert.equal(ft.model!.training, false);

  // the from-scratch baseline runs the identical loop (same folds, same settings)
  const rnd = finetunePatchClassifierCV(dataset, samples, { ...opts, init: 'random', epochs: 3, returnModel: 'none' });
  assert.equal(rnd.init, 'random');
  assert.deepEqual(rnd.splits.folds, ft.splits.folds);
  assert.equal(rnd.model, null);
  assert.equal(rnd.folds[0]!.history.length, 3);

  // the linear readout of the same encoder runs on the same samples and folds
  const lin = patchLinearReadout(pretrained, dataset, samples, { k: 3, seed: 3 });
  assert.deepEqual(lin.splits.folds, ft.splits.folds);
  assert.equal(lin.embeddings.dim, 8);
  assert.equal(lin.pooled.count, samples.y.length);
});

test('labelFraction: nested class-stratified subsets; a CV run trains on that share of the patches', () => {
  const y = Uint8Array.from({ length: 40 }, (_, i) => (i % 4 === 0 ? 1 : 0)); // 10 positives, 30 negatives
  const idx = Array.from({ length: 40 }, (_, i) => i);
  const f3 = stratifiedFraction(y, idx, 0.3, 5, 0);
  const f6 = stratifiedFraction(y, idx, 0.6, 5, 0);
  assert.equal(f3.filter((i) => y[i]).length, 3);
  assert.equal(f3.filter((i) => !y[i]).length, 9);
  assert.equal(f6.length, 24);
  for (const i of f3) assert.ok(f6.includes(i), 'smaller fractions are subsets of larger ones');
  assert.notDeepEqual(stratifiedFraction(y, idx, 0.3, 6, 0), f3);
  assert.deepEqual(stratifiedFraction(y, idx, 1, 5, 0), idx);

  const { dataset, samples } = blobData(8);
  manualSeed(5);
  const pretrained = buildDrasclrEncoder(cfg);
  const half = finetunePatchClassifierCV(dataset, samples, {
    config: cfg,
    pretrained,
    k: 3,
    epochs: 1,
    batchSize: 4,
    labelFraction: 0.5,
    validationFraction: 0,
    returnModel: 'final',
  });
  assert.equal(half.modelFrom, 'final');
  assert.ok(half.model);
  assert.equal(half.finalTraining!.trainSamples, 18); // 36 patches, 18 positive: half of each class
  for (const f of half.folds) {
    assert.equal(f.validationSamples, 0);
    assert.equal(f.bestEpoch, 1);
    const pool = samples.y.filter((_, i) => f.trainPatients.includes(samples.patient[i]!));
    const pos = pool.reduce((a, v) => a + v, 0);
    assert.equal(f.trainSamples, Math.round(pos / 2) + Math.round((pool.length - pos) / 2));
  }
});
