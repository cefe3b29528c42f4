/**
 * Data-parallel fine-tuning on loopback: 2 ranks x half the batch follow 1 process x the whole batch (cross-entropy,
 * InstanceNorm U-Net, no augmentation), choose the same checkpoint on validation, and rank 0 alone evaluates.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch } from '../../../src/train/distributed/launch.js';
import type { FinetuneInput } from '../../../src/train/finetune.js';
import { smallPhantoms, tempDir } from '../../methods/fixtures.js';

const worker = path.join(path.dirname(fileURLToPath(import.meta.url)), 'finetune-worker.js');

interface Result {
  losses: number[];
  bestEpoch: number;
  valCurve: { epoch: number; dice: number | null }[];
  meanDice: number | null;
  testCases: number;
}

async function finetuneOn(ranks: number, input: FinetuneInput, out: string): Promise<Result[]> {
  const { xray } = await smallPhantoms();
  const exits = await launch({
    nprocPerNode: ranks,
    command: process.execPath,
    args: [worker, xray, JSON.stringify(input), out],
    env: { ...process.env, MEDCL_THREADS: '1' },
    stdio: 'pipe',
  });
  return exits.map((e) => {
    assert.equal(e.code, 0, e.output);
    return JSON.parse(e.output.split('\n').find((l) => l.startsWith('{'))!) as Result;
  });
}

test('fine-tuning: 2 ranks x batch 2 follow 1 process x batch 4; same selection; rank 0 evaluates and writes', async (t) => {
  const input: FinetuneInput = {
    model: 'unet',
    encoder: { widths: [4, 8], norm: 'instance' },
    epochs: 3,
    batchSize: 4,
    lr: 1e-3,
    loss: 'ce',
    augment: 'none',
    selection: 'best-validation',
    hausdorff: false,
    seed: 3,
  };
  const [one] = await finetuneOn(1, input, tempDir());
  const out = tempDir();
  const [r0, r1] = await finetuneOn(2, input, out);
  assert.ok(one!.losses.length >= 6);
  assert.deepEqual(r0!.losses, r1!.losses, 'both ranks log the mean loss');
  const d = Math.max(...one!.losses.map((v, i) => Math.abs(v - r0!.losses[i]!) / Math.abs(v)));
  t.diagnostic(`max relative loss difference over ${one!.losses.length} steps: ${d.toExponential(2)}`);
  assert.ok(d < 1e-4, `losses differ by ${d}`);
  assert.equal(r0!.bestEpoch, one!.bestEpoch);
  assert.equal(r1!.bestEpoch, one!.bestEpoch);
  assert.ok(Math.abs(r0!.meanDice! - one!.meanDice!) < 1e-4);
  assert.ok(r0!.testCases > 0);
  assert.equal(r1!.testCases, 0, 'rank 1 does not evaluate the test split');
  assert.ok(existsSync(path.join(out, 'checkpoint.safetensors')));
  assert.equal(readFileSync(path.join(out, 'log.jsonl'), 'utf8').trim().split('\n').length, one!.losses.length);
});
