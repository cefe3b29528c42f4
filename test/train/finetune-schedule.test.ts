/**
 * The fine-tuning schedule without training: steps per epoch, the ids each step sees, the learning rates against
 * their closed forms, the config fields (augment's old booleans, defaults) and the papers' recipes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { optim, zeros } from '../../src/engine/index.js';
import { parseFinetuneConfig } from '../../src/train/finetune-config.js';
import { FINETUNE_RECIPES } from '../../src/train/finetune-recipes.js';
import {
  buildFinetuneScheduler,
  finetuneEpochBatches,
  finetuneStepsPerEpoch,
} from '../../src/train/finetune-schedule.js';
import { stepSeed } from '../../src/train/run-state.js';
import { Rng } from '../../src/util/rng.js';

test('steps per epoch: max(ceil(n / batch), minStepsPerEpoch)', () => {
  const cases: [number, number, number, number][] = [
    [10, 10, 1, 1],
    [11, 10, 1, 2],
    [3, 5, 1, 1],
    [3, 5, 250, 250],
    [1000, 2, 250, 500],
  ];
  for (const [n, b, min, want] of cases) assert.equal(finetuneStepsPerEpoch(n, b, min), want, `${n} ${b} ${min}`);
});

test('one pass: the ids reshuffled, the last batch smaller (the behaviour before minStepsPerEpoch)', () => {
  const train = [4, 9, 2, 7, 11, 3, 8];
  const batches = finetuneEpochBatches(train, { batchSize: 3, minStepsPerEpoch: 1, seed: 5 }, 2);
  // the former loop: one permutation from stepSeed(seed, epoch, 1 << 20), cut into batches
  const order = new Rng(stepSeed(5, 2, 1 << 20)).permutation(7).map((i) => train[i]!);
  assert.deepEqual(batches, [order.slice(0, 3), order.slice(3, 6), order.slice(6)]);
});

test('minStepsPerEpoch: full batches from reshuffled passes, every id once per pass', () => {
  const train = [10, 11, 12, 13, 14];
  const cfg = { batchSize: 2, minStepsPerEpoch: 6, seed: 1 };
  const batches = finetuneEpochBatches(train, cfg, 0);
  assert.equal(batches.length, 6);
  for (const b of batches) assert.equal(b.length, 2);
  const flat = batches.flat();
  // 12 entries: passes 0 and 1 complete (10 entries), then the first 2 of pass 2
  for (const p of [0, 1]) assert.deepEqual([...flat.slice(5 * p, 5 * p + 5)].sort(), train, `pass ${p}`);
  const pass2 = new Rng(stepSeed(1, 0, (1 << 20) + 2)).permutation(5).map((i) => train[i]!);
  assert.deepEqual(flat.slice(10), pass2.slice(0, 2));
  assert.notDeepEqual(flat.slice(0, 5), flat.slice(5, 10), 'each pass is reshuffled');
  // deterministic per (seed, epoch), different across epochs
  assert.deepEqual(finetuneEpochBatches(train, cfg, 0), batches);
  assert.notDeepEqual(finetuneEpochBatches(train, cfg, 1), batches);
  // fewer ids than a batch: every batch is full (ids repeat, as sampling with replacement)
  const small = finetuneEpochBatches([1, 2], { batchSize: 5, minStepsPerEpoch: 3, seed: 0 }, 0);
  assert.deepEqual(
    small.map((b) => b.length),
    [5, 5, 5],
  );
});

/** the rate each step uses: read before the optimiser step, as the training loop logs it */
function lrSequence(schedule: 'cosine' | 'cosine-restarts' | 'constant', epochs: number, spe: number): number[] {
  const opt = new optim.Adam([zeros([1], { requiresGrad: true })], { lr: 0.01 });
  const sched = buildFinetuneScheduler({ schedule, restartEpochs: 3, epochs }, opt, spe);
  const out: number[] = [];
  for (let t = 0; t < epochs * spe; t++) {
    out.push(opt.groups[0]!.lr);
    sched.step();
  }
  return out;
}

test('learning rates: cosine restarts every restartEpochs (SGDR closed form), cosine to 0, constant', () => {
  const spe = 4;
  const epochs = 8;
  const base = 0.01;
  const restarts = lrSequence('cosine-restarts', epochs, spe);
  const cosine = lrSequence('cosine', epochs, spe);
  const period = 3 * spe; // restartEpochs 3, in steps
  const total = epochs * spe;
  for (let t = 0; t < total; t++) {
    const r = (base / 2) * (1 + Math.cos((Math.PI * (t % period)) / period));
    assert.ok(Math.abs(restarts[t]! - r) < 1e-15, `restarts step ${t}: ${restarts[t]} vs ${r}`);
    const c = (base / 2) * (1 + Math.cos((Math.PI * t) / total));
    assert.ok(Math.abs(cosine[t]! - c) < 1e-15, `cosine step ${t}: ${cosine[t]} vs ${c}`);
  }
  // restarts at steps 12 and 24: back to the base rate
  assert.equal(restarts[12], base);
  assert.equal(restarts[24], base);
  assert.deepEqual(lrSequence('constant', 2, 3), new Array(6).fill(base));
});

test('config: new fields and their defaults; augment accepts the old booleans', () => {
  const d = parseFinetuneConfig({});
  assert.equal(d.selection, 'last');
  assert.equal(d.augment, 'cltci');
  assert.equal(d.schedule, 'cosine');
  assert.equal(d.restartEpochs, 10);
  assert.equal(d.minStepsPerEpoch, 1);
  assert.equal(d.absentClasses, 'exclude');
  assert.equal(parseFinetuneConfig({ augment: true }).augment, 'cltci');
  assert.equal(parseFinetuneConfig({ augment: false }).augment, 'none');
  assert.equal(parseFinetuneConfig({ augment: 'pcl' }).augment, 'pcl');
  assert.throws(() => parseFinetuneConfig({ augment: 'strong' }), /augment/);
  assert.throws(() => parseFinetuneConfig({ minStepsPerEpoch: 0 }), /minStepsPerEpoch/);
  assert.throws(() => parseFinetuneConfig({ selection: 'best' }), /selection/);
  assert.throws(
    () => parseFinetuneConfig({ earlyStopPatience: 3 }),
    /earlyStopPatience: needs selection 'best-validation'/,
  );
  assert.equal(parseFinetuneConfig({ earlyStopPatience: 3, selection: 'best-validation' }).earlyStopPatience, 3);
});

test("the papers' fine-tuning recipes are valid configs with the papers' numbers", () => {
  const c = parseFinetuneConfig(FINETUNE_RECIPES.cltci);
  assert.deepEqual(
    [c.lr, c.batchSize, c.epochs, c.loss, c.schedule, c.augment],
    [5e-5, 10, 200, 'ce', 'cosine', 'cltci'],
  );
  const p = parseFinetuneConfig(FINETUNE_RECIPES.pcl);
  assert.deepEqual([p.lr, p.batchSize, p.epochs, p.loss, p.schedule, p.augment], [5e-5, 5, 100, 'ce', 'cosine', 'pcl']);
  const y = parseFinetuneConfig(FINETUNE_RECIPES.polycl);
  assert.deepEqual(
    [y.lr, y.batchSize, y.epochs, y.loss, y.schedule, y.restartEpochs, y.augment],
    [1e-3, 10, 100, 'dice', 'cosine-restarts', 10, 'none'],
  );
});
