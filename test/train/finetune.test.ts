/**
 * Fine-tuning on the small phantoms (size 32, widths [4, 8]): the encoder alone is initialised from a pre-training
 * run (loaded / leftRandom exact, the decoder keeps its seeded random init), the test split never influences
 * checkpoint selection, and CT slices are stacked back into volumes for Dice per volume.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSafetensors, manualSeed, noGrad, tidy, type Tensor } from '../../src/engine/index.js';
import { finetune, type FinetuneInput } from '../../src/train/finetune.js';
import { pretrain } from '../../src/train/pretrain.js';
import { buildSegmentationModel } from '../../src/models/registry.js';
import { SliceDataset } from '../../src/data/slice-dataset.js';
import { computeDice } from '../../src/eval/metrics/index.js';
import { Rng } from '../../src/util/rng.js';
import { phantomDataset, smallPhantoms, tempDir } from '../methods/fixtures.js';

const ENCODER = { widths: [4, 8], norm: 'instance' as const };

/** sample ids of the given patients, in data set order */
function idsOf(ds: SliceDataset, patients: string[]): number[] {
  return ds.idsOfPatients(new Set(patients));
}

function patientsOf(ds: SliceDataset): string[] {
  return [...new Set(ds.samples.map((s) => s.patient))];
}

test('encoder-only initialisation: loaded = the encoder tensors, leftRandom = the rest; the decoder keeps its init', async () => {
  const ds = await phantomDataset('xray');
  const { xray } = await smallPhantoms();
  const out = tempDir();
  // instance norm: no running statistics, so the model's outputs depend on its weights only
  const pre = await pretrain(
    { method: 'simclr', data: xray, out, size: 32, epochs: 1, batchSize: 8, projectionDim: 16, encoder: ENCODER },
    { dataset: ds, progress: 'quiet' },
  );
  const encoderFile = pre.encoder;
  const p = patientsOf(ds);
  const split = { train: idsOf(ds, p.slice(0, 4)), val: idsOf(ds, p.slice(4, 6)), test: idsOf(ds, p.slice(6)) };
  // lr 1e-30: one epoch of Adam steps leaves every weight as it was loaded (changes far below float32 resolution)
  const input: FinetuneInput = {
    model: 'unet',
    encoder: ENCODER,
    init: encoderFile,
    epochs: 1,
    batchSize: 8,
    lr: 1e-30,
    hausdorff: false,
    seed: 5,
  };
  const r = await finetune(input, ds, split, { keepPredictions: split.test.length });

  // the reference: the same seeded model, with the pre-trained encoder tensors copied in by hand
  manualSeed(5);
  const ref = buildSegmentationModel('unet', { numClasses: 3, encoder: r.config.encoder }) as unknown as {
    stateDict(): Map<string, Tensor>;
    eval(): void;
    forward(x: Tensor): Tensor;
  };
  const own = ref.stateDict();
  const { tensors } = loadSafetensors(encoderFile);
  const expectedLoaded = new Set<string>();
  noGrad(() => {
    for (const [k, t] of tensors) {
      const dst = own.get(`encoder.${k}`);
      assert.ok(dst, `encoder.${k} is a model tensor`);
      dst.copy_(t);
      expectedLoaded.add(`encoder.${k}`);
    }
  });
  const keys = [...own.keys()];
  assert.ok(expectedLoaded.size > 0);
  assert.deepEqual(
    r.loaded,
    keys.filter((k) => expectedLoaded.has(k)),
  );
  assert.deepEqual(
    r.leftRandom,
    keys.filter((k) => !expectedLoaded.has(k)),
  );
  assert.ok(r.leftRandom.some((k) => k.startsWith('up0.')) && r.leftRandom.includes('head.weight'));
  assert.ok(r.leftRandom.every((k) => !k.startsWith('encoder.')));
  // same predictions as the hand-loaded reference: the encoder came from the file, the decoder from the seed
  ref.eval();
  const pred = noGrad(() => tidy(() => Array.from(ref.forward(ds.imageBatch(split.test)).argmax(1).toFloat64Array())));
  const n = ds.size * ds.size;
  let differ = 0;
  split.test.forEach((id, b) => {
    const got = r.predictions.get(id)!;
    for (let i = 0; i < n; i++) if (got[i] !== pred[b * n + i]) differ++;
  });
  assert.equal(differ, 0, `${differ} of ${split.test.length * n} pixels differ from the hand-loaded model`);
  // and they differ from the same model with a random encoder (the loading mattered)
  const rnd = await finetune({ ...input, init: undefined }, ds, split, { keepPredictions: split.test.length });
  let changed = 0;
  split.test.forEach((id) => {
    const a = rnd.predictions.get(id)!;
    const b = r.predictions.get(id)!;
    for (let i = 0; i < n; i++) if (a[i] !== b[i]) changed++;
  });
  assert.ok(changed > 0);
  assert.deepEqual(rnd.loaded, []);
  assert.deepEqual(rnd.leftRandom, keys, 'without init every tensor (parameters and buffers) is left random');
});

test('without init, leftRandom lists every model tensor, BatchNorm buffers included', async () => {
  const ds = await phantomDataset('xray');
  const p = patientsOf(ds);
  const split = { train: idsOf(ds, p.slice(0, 2)), val: [], test: idsOf(ds, p.slice(7)) };
  const r = await finetune(
    { encoder: { widths: [4, 8], norm: 'batch' }, epochs: 1, batchSize: 8, hausdorff: false },
    ds,
    split,
  );
  manualSeed(0);
  const ref = buildSegmentationModel('unet', { numClasses: 3, encoder: r.config.encoder });
  const keys = [...(ref as unknown as { stateDict(): Map<string, Tensor> }).stateDict().keys()];
  assert.ok(keys.some((k) => k.endsWith('running_mean')));
  assert.deepEqual(r.leftRandom, keys);
});

test('the test split never influences checkpoint selection or training', async () => {
  const ds = await phantomDataset('xray');
  const p = patientsOf(ds);
  const split = { train: idsOf(ds, p.slice(0, 4)), val: idsOf(ds, p.slice(4, 6)), test: idsOf(ds, p.slice(6)) };
  const input: FinetuneInput = {
    encoder: { widths: [4, 8] },
    epochs: 4,
    batchSize: 8,
    lr: 3e-3,
    hausdorff: true,
    seed: 1,
    selection: 'best-validation',
  };
  const a = await finetune(input, ds, split, { keepPredictions: split.test.length });
  // the same data with every TEST label changed (classes rotated), and the test ids given in another order
  const testSet = new Set(split.test);
  const labels = ds.labels.map((l, id) => (testSet.has(id) ? l!.map((v) => (v + 1) % 3) : l));
  const { manifest, size, samples, images, volumes, spacing, preprocessing, geometry } = ds;
  const changed = new SliceDataset(manifest, size, samples, images, labels, volumes, spacing, preprocessing, geometry);
  const order = new Rng(9).permutation(split.test.length).map((i) => split.test[i]!);
  const b = await finetune(input, changed, { ...split, test: order }, { keepPredictions: split.test.length });
  assert.deepEqual(b.losses, a.losses);
  assert.deepEqual(b.valCurve, a.valCurve);
  assert.equal(b.bestEpoch, a.bestEpoch);
  assert.equal(b.bestValDice, a.bestValDice);
  for (const id of split.test) assert.deepEqual(b.predictions.get(id), a.predictions.get(id), `sample ${id}`);
  // ... while the test metric did see the changed labels
  assert.notEqual(b.meanDice, a.meanDice);
  // selection: one validation Dice per epoch, the best is the first maximum, and its Dice is the one reported
  assert.deepEqual(
    a.valCurve.map((v) => v.epoch),
    [0, 1, 2, 3],
  );
  const best = a.valCurve.reduce((m, v) => (v.dice! > m.dice! ? v : m));
  assert.equal(a.bestEpoch, best.epoch);
  assert.equal(a.bestValDice, best.dice);
  // 2D X-rays: one case per image, HD95 for each; PNG rasters carry no physical size, so in pixels
  assert.equal(a.test.length, split.test.length);
  for (const c of a.test) assert.ok(typeof c.meanHd95 === 'number' && Number.isFinite(c.meanHd95));
  assert.ok(a.meanHd95 !== null && Number.isFinite(a.meanHd95));
  assert.equal(a.hd95Unit, 'px');
});

test('CT: Dice per volume, from the test slices stacked back in slice order (vs computeDice and a float64 count)', async () => {
  const ds = await phantomDataset('ct-pcl');
  assert.equal(ds.volumes.length, 4);
  const byVol = (v: number) => ds.samples.filter((s) => s.volume === v).map((s) => s.id);
  // test: volumes 2 and 3, their slices interleaved and shuffled
  const test = new Rng(2).permutation(byVol(2).length + byVol(3).length).map((i) => [...byVol(2), ...byVol(3)][i]!);
  const r = await finetune(
    // 'perfect': a class in neither map counts as Dice 1 (the float64 count below); 'exclude' has its own test
    { encoder: { widths: [4, 8] }, epochs: 1, batchSize: 8, lr: 1e-3, seed: 3, absentClasses: 'perfect' },
    ds,
    { train: byVol(0), val: byVol(1), test },
    { keepPredictions: test.length },
  );
  assert.equal(r.test.length, 2, 'one case per volume');
  const numClasses = ds.numClasses;
  assert.equal(numClasses, 8);
  const n = ds.size * ds.size;
  for (const v of [2, 3]) {
    const item = ds.manifest.items[ds.samples[byVol(v)[0]!]!.item]!;
    const c = r.test.find((t) => t.case === item.image)!;
    assert.ok(c, `a case for ${item.image}`);
    assert.equal(c.patient, item.patient);
    // hand-stacked volume: slice z of volume v at z * n
    const ids = byVol(v);
    const depth = ids.length;
    const pred = new Uint8Array(depth * n);
    const lab = new Uint8Array(depth * n);
    for (const id of ids) {
      const z = ds.samples[id]!.sliceIndex;
      pred.set(r.predictions.get(id)!, z * n);
      lab.set(ds.labels[id]!, z * n);
    }
    const shape = [depth, ds.size, ds.size];
    const d = computeDice({ data: pred, shape }, { data: lab, shape }, { numClasses });
    const fromMetric: Record<number, number> = {};
    for (const cls of d.classes) if (cls.values) fromMetric[cls.classId] = cls.values.dice;
    assert.deepEqual(c.dice, fromMetric);
    // float64 count over the whole volume: 2|P ∩ R| / (|P| + |R|), 1 when the class is in neither
    let sum = 0;
    for (let cls = 1; cls < numClasses; cls++) {
      let tp = 0;
      let np = 0;
      let nr = 0;
      for (let i = 0; i < pred.length; i++) {
        if (pred[i] === cls) np++;
        if (lab[i] === cls) nr++;
        if (pred[i] === cls && lab[i] === cls) tp++;
      }
      const dice = np + nr === 0 ? 1 : (2 * tp) / (np + nr);
      assert.ok(Math.abs(c.dice[cls]! - dice) < 1e-12, `volume ${v} class ${cls}: ${c.dice[cls]} vs ${dice}`);
      sum += dice;
    }
    assert.ok(Math.abs(c.meanDice! - sum / (numClasses - 1)) < 1e-12);
  }
  assert.ok(Math.abs(r.meanDice! - (r.test[0]!.meanDice! + r.test[1]!.meanDice!) / 2) < 1e-12);
  // HD95 per volume (the 3D value is checked against a brute-force reference in finetune-metrics.test.ts)
  assert.equal(r.hd95Unit, 'mm');
  for (const c of r.test) assert.equal(c.hd95Unit, 'mm');
});

test('bad splits are refused: empty training split, a sample without a label', async () => {
  const ds = await phantomDataset('xray');
  await assert.rejects(finetune({ epochs: 1 }, ds, { train: [], val: [], test: [0] }), /the training split is empty/);
  const noLabel = new SliceDataset(
    ds.manifest,
    ds.size,
    ds.samples,
    ds.images,
    ds.labels.map((l, i) => (i === 3 ? null : l)),
    ds.volumes,
    ds.spacing,
  );
  await assert.rejects(
    finetune({ epochs: 1 }, noLabel, { train: [0, 1], val: [], test: [3] }),
    (e: Error) => e.message.includes('has no label map') && e.message.includes(ds.describe(3)),
  );
  await assert.rejects(finetune({ epochs: 0 } as FinetuneInput, ds, { train: [0], val: [], test: [1] }), /epochs/);
});
