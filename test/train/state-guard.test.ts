/**
 * The divergence guard: a checkpoint is written only for finite state with sane weights, a poisoned checkpoint
 * (non-finite BatchNorm running_var) is never resumed from, and a run at an absurd learning rate stops with an
 * error instead of writing an encoder.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  loadCheckpoint,
  loadSafetensors,
  nn,
  noGrad,
  NonFiniteStateError,
  optim,
  saveCheckpoint,
  saveSafetensors,
  tensor,
} from '../../src/engine/index.js';
import {
  assertHealthy,
  DivergedError,
  divergenceOf,
  MAX_ABS_WEIGHT,
  saveGoodCheckpoint,
} from '../../src/train/state-guard.js';
import { pretrain } from '../../src/train/pretrain.js';
import type { PretrainInput } from '../../src/methods/config.js';
import { phantomDataset, smallPhantoms, tempDir } from '../methods/fixtures.js';

function net(): nn.Module {
  return new nn.Sequential(new nn.Conv2d(1, 2, 3), new nn.BatchNorm2d(2));
}

test('divergenceOf: finite and small is healthy; NaN/Inf in a buffer or a weight past the limit is not', () => {
  const m = net();
  assert.equal(divergenceOf(m), null);
  const rv = m.stateDict().get('1.running_var')!;
  rv.copy_(tensor([1, Infinity]));
  assert.equal(divergenceOf(m), 'non-finite values (NaN/Inf) in 1.running_var (1 of 2 values)');
  rv.copy_(tensor([1, 1]));
  const w = m.stateDict().get('0.weight')!;
  noGrad(() => w.fill_(MAX_ABS_WEIGHT)); // at the limit: still healthy
  assert.equal(divergenceOf(m), null);
  const big = w.mul(0).add(1);
  big.copy_(
    tensor(
      Array.from({ length: w.numel }, (_, i) => (i === 3 ? -3e9 : 1)),
      { shape: w.shape },
    ),
  );
  noGrad(() => w.copy_(big));
  assert.equal(divergenceOf(m), `weights exploded: |0.weight| reaches 3.00e+9 (limit ${MAX_ABS_WEIGHT})`);
  assert.throws(
    () => assertHealthy(m, 'finetune', null),
    /^Error: finetune diverged: weights exploded.*No good checkpoint had been written/,
  );
});

test('checkpoints: non-finite state (BatchNorm running_var, optimiser state) is neither written nor resumed from', () => {
  const dir = tempDir('medcl-guard-');
  const file = join(dir, 'checkpoint.safetensors');
  const m = net();
  const opt = new optim.SGD(m.parameters(), { lr: 0.1, momentum: 0.9 });
  saveGoodCheckpoint(file, { model: m, optimizer: opt, extra: { epoch: 1 } });
  const good = readFileSync(file);
  m.stateDict()
    .get('1.running_var')!
    .copy_(tensor([NaN, 1]));
  assert.throws(
    () => saveCheckpoint(file, { model: m }),
    (e: Error) => e instanceof NonFiniteStateError && /model\/1\.running_var \(1 of 2 values\)/.test(e.message),
  );
  assert.throws(
    () => saveGoodCheckpoint(file, { model: m, optimizer: opt }),
    (e: Error) =>
      e instanceof DivergedError &&
      e.lastGood === file &&
      /running_var/.test(e.message) &&
      e.message.includes(`The last good checkpoint is ${file} (left as it was)`),
  );
  assert.ok(readFileSync(file).equals(good), 'the good checkpoint is untouched');
  // a poisoned checkpoint (as older versions wrote) is refused on load, naming the tensor
  const poisoned = join(dir, 'poisoned.safetensors');
  saveCheckpoint(poisoned, { model: m, allowNonFinite: true });
  assert.throws(
    () => loadCheckpoint(poisoned),
    new RegExp(`^Error: checkpoint: ${poisoned} holds non-finite values \\(NaN/Inf\\) in model/1\\.running_var`),
  );
  assert.equal(loadCheckpoint(poisoned, { allowNonFinite: true }).model.size, 7);
});

/** a 2-epoch SimCLR run on the small X-ray phantoms (32 px, widths [4, 8]) */
async function tinyRun(extra: Partial<PretrainInput> = {}) {
  const { xray } = await smallPhantoms();
  const out = tempDir();
  const input: PretrainInput = {
    method: 'simclr',
    data: xray,
    out,
    size: 32,
    epochs: 2,
    batchSize: 8,
    projectionDim: 16,
    encoder: { widths: [4, 8] },
    ...extra,
  };
  return { ds: await phantomDataset('xray'), out, input };
}

test('pre-training resumed from a checkpoint with a non-finite running_var is refused', async () => {
  const { ds, out, input } = await tinyRun();
  await pretrain(input, { dataset: ds, progress: 'quiet', stopAfterEpochs: 1 });
  const file = join(out, 'checkpoint.safetensors');
  // the checkpoint as an older version could have written it: one BatchNorm running_var became Inf
  const raw = loadSafetensors(file);
  const key = [...raw.tensors.keys()].find((k) => k.endsWith('running_var'))!;
  raw.tensors.set(key, raw.tensors.get(key)!.mul(Infinity));
  saveSafetensors(file, raw.tensors, raw.metadata);
  await assert.rejects(
    pretrain(input, { dataset: ds, progress: 'quiet' }),
    (e: Error) => e instanceof NonFiniteStateError && e.message.includes(key),
  );
});

test('an absurd learning rate (1e6) stops pre-training with an error; no encoder or summary is written', async () => {
  const { ds, out, input } = await tinyRun({ lr: 1e6, schedule: 'constant' });
  // the contrastive loss stays finite (normalised embeddings) while the weights explode: the weight guard stops it
  await assert.rejects(
    pretrain(input, { dataset: ds, progress: 'quiet' }),
    (e: Error) =>
      e instanceof DivergedError &&
      /^training diverged: weights exploded: \|encoder\..*No good checkpoint/.test(e.message),
  );
  assert.ok(!existsSync(join(out, 'encoder.safetensors')));
  assert.ok(!existsSync(join(out, 'summary.json')));
});
