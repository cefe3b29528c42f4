/**
 * Fine-tuning's selection and schedule on the small X-ray phantoms (size 32, widths [4, 8]): 'last' keeps the last
 * epoch and uses no validation label, 'best-validation' keeps the best validation epoch (its weights are those of a
 * run stopped there); minStepsPerEpoch's step count, the logged cosine-restart rates against the closed form, and
 * resume with all of them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { finetune, type FinetuneInput, type FinetuneSplit } from '../../src/train/finetune.js';
import { SliceDataset } from '../../src/data/slice-dataset.js';
import { phantomDataset, tempDir } from '../methods/fixtures.js';

async function xray() {
  const ds = await phantomDataset('xray');
  const patients = [...new Set(ds.samples.map((s) => s.patient))];
  const ids = (from: number, to: number) => ds.idsOfPatients(new Set(patients.slice(from, to)));
  return { ds, ids };
}

/** the same data set with other label maps */
function withLabels(ds: SliceDataset, labels: (Uint8Array | null)[]): SliceDataset {
  const { manifest, size, samples, images, volumes, spacing, preprocessing, geometry } = ds;
  return new SliceDataset(manifest, size, samples, images, labels, volumes, spacing, preprocessing, geometry);
}

function samePredictions(a: Map<number, Uint8Array>, b: Map<number, Uint8Array>): boolean {
  return [...a].every(([id, p]) => Buffer.compare(p, b.get(id)!) === 0);
}

test("'last' keeps the last epoch, 'best-validation' the best validation epoch: the weights of a run stopped there", async () => {
  const { ds, ids } = await xray();
  const split: FinetuneSplit = { train: ids(0, 4), val: ids(4, 6), test: ids(6, 8) };
  // validation references with the classes rotated: the more the network learns, the worse it scores on them, so
  // the best validation epoch comes before the last one
  const val = new Set(split.val);
  const ds2 = withLabels(
    ds,
    ds.labels.map((l, id) => (val.has(id) ? l!.map((v) => (v + 1) % 3) : l)),
  );
  // constant rate: the first k epochs of a longer run are exactly a k-epoch run
  const base: FinetuneInput = {
    encoder: { widths: [4, 8] },
    epochs: 4,
    batchSize: 8,
    lr: 3e-3,
    schedule: 'constant',
    augment: 'none',
    hausdorff: false,
    seed: 1,
  };
  const dir = tempDir('medcl-ft-select-');
  // each run saves the network it kept: <out>/model/model.safetensors
  const opts = (name: string) => ({ keepPredictions: split.test.length, out: path.join(dir, name) });
  const weights = (name: string) => readFileSync(path.join(dir, name, 'model', 'model.safetensors'));
  const best = await finetune({ ...base, selection: 'best-validation' }, ds2, split, opts('best'));
  const last = await finetune({ ...base, selection: 'last' }, ds2, split, opts('last'));
  assert.deepEqual(
    best.valCurve.map((v) => v.epoch),
    [0, 1, 2, 3],
  );
  const top = Math.max(...best.valCurve.map((v) => v.dice!));
  const first = best.valCurve.find((v) => v.dice === top)!.epoch;
  assert.equal(best.bestEpoch, first);
  assert.equal(best.bestValDice, top);
  assert.ok(best.bestEpoch < 3, `best validation epoch ${best.bestEpoch} (valCurve ${JSON.stringify(best.valCurve)})`);
  // 'last': the fixed schedule's last epoch, no validation at all
  assert.equal(last.bestEpoch, 3);
  assert.equal(last.bestValDice, null);
  assert.deepEqual(last.valCurve, []);
  assert.deepEqual(last.losses, best.losses, 'selection does not change training');
  // the kept weights: those of a run of bestEpoch + 1 epochs (test predictions equal), not the last epoch's
  const stopped = await finetune({ ...base, epochs: best.bestEpoch + 1 }, ds2, split, opts('stopped'));
  assert.ok(samePredictions(best.predictions, stopped.predictions));
  assert.ok(weights('best').equals(weights('stopped')), 'best-validation kept the weights of its best epoch');
  assert.ok(!weights('best').equals(weights('last')), 'and not those of the last epoch');
  // the validation Dice of the kept epoch: the mean case Dice of that run's predictions on the validation images
  const onVal = await finetune({ ...base, epochs: best.bestEpoch + 1 }, ds2, { ...split, test: split.val });
  assert.ok(Math.abs(onVal.meanDice! - best.bestValDice!) < 1e-12, `${onVal.meanDice} vs ${best.bestValDice}`);
});

test("'best-validation' needs a validation split; 'last' ignores it (its labels are not even read)", async () => {
  const { ds, ids } = await xray();
  const cfg: FinetuneInput = { encoder: { widths: [4, 8] }, epochs: 1, batchSize: 8, hausdorff: false };
  const split = { train: ids(0, 2), val: [], test: ids(7, 8) };
  await assert.rejects(
    finetune({ ...cfg, selection: 'best-validation' }, ds, split),
    /selection 'best-validation' needs a non-empty validation split/,
  );
  const val = ids(4, 5);
  const unlabelled = withLabels(
    ds,
    ds.labels.map((l, id) => (val.includes(id) ? null : l)),
  );
  const r = await finetune(cfg, unlabelled, { ...split, val });
  assert.equal(r.bestEpoch, 0);
  assert.deepEqual(r.valCurve, []);
});

test('minStepsPerEpoch and cosine restarts: step counts, logged rates vs the closed form, exact resume', async () => {
  const { ds, ids } = await xray();
  const split = { train: ids(0, 8).slice(0, 3), val: [], test: ids(7, 8) };
  const cfg: FinetuneInput = {
    encoder: { widths: [4, 8] },
    epochs: 3,
    batchSize: 2,
    minStepsPerEpoch: 4,
    lr: 1e-3,
    schedule: 'cosine-restarts',
    restartEpochs: 2,
    loss: 'dice',
    augment: 'pcl',
    hausdorff: false,
    seed: 2,
  };
  const dir = tempDir('medcl-ft-steps-');
  const [a, b] = [path.join(dir, 'a'), path.join(dir, 'b')];
  mkdirSync(b);
  const full = await finetune(cfg, ds, split, {
    out: a,
    onEvaluated: (done) => {
      if (done !== 1) return;
      for (const f of ['checkpoint.safetensors', 'log.jsonl']) copyFileSync(path.join(a, f), path.join(b, f));
    },
  });
  // 3 images, batch 2: ceil(3/2) = 2 steps, raised to 4
  assert.equal(full.stepsPerEpoch, 4);
  assert.equal(full.totalSteps, 12);
  assert.equal(full.losses.length, 12);
  const log = (d: string) =>
    readFileSync(path.join(d, 'log.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { step: number; epoch: number; batch: number; lr: number });
  const rows = log(a);
  assert.deepEqual(
    rows.map((r) => [r.epoch, r.batch]),
    [0, 1, 2].flatMap((e) => [0, 1, 2, 3].map((bi) => [e, bi])),
  );
  // SGDR: period = restartEpochs × stepsPerEpoch = 8 steps; lr_t = lr (1 + cos(pi (t mod 8) / 8)) / 2
  rows.forEach((r, t) => {
    const want = (1e-3 / 2) * (1 + Math.cos((Math.PI * (t % 8)) / 8));
    assert.ok(Math.abs(r.lr - want) < 1e-15, `step ${t}: ${r.lr} vs ${want}`);
  });
  const resumed = await finetune(cfg, ds, split, { out: b });
  assert.deepEqual(resumed.losses, full.losses);
  assert.deepEqual(log(b), rows);
  assert.deepEqual(
    resumed.test.map((c) => c.dice),
    full.test.map((c) => c.dice),
  );
  // a checkpoint of another schedule shape is refused
  await assert.rejects(
    finetune({ ...cfg, minStepsPerEpoch: 5 }, ds, split, { out: b }),
    /holds a run with other settings: different minStepsPerEpoch \(4 vs 5\)/,
  );
});
