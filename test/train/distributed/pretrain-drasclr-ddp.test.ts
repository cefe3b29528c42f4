/**
 * DrasCLR on 2 ranks (loopback): the run completes with the global batch split over the ranks, both ranks compute the
 * same (global) loss at every step, rank 0 alone writes, and the trajectory stays near the 1-process one (BatchNorm
 * per rank and rank-mixed augmentation make it differ; docs/distributed.md).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch } from '../../../src/train/distributed/launch.js';
import { tinyDrasclrInput } from '../tiny-drasclr.js';

const worker = path.join(path.dirname(fileURLToPath(import.meta.url)), 'drasclr-worker.js');

async function run(ranks: number, input: Record<string, unknown>) {
  const exits = await launch({
    nprocPerNode: ranks,
    command: process.execPath,
    args: [worker, JSON.stringify(input)],
    env: { ...process.env, MEDCL_THREADS: '1' },
    stdio: 'pipe',
  });
  return exits.map((e) => {
    assert.equal(e.code, 0, e.output);
    return JSON.parse(e.output.split('\n').find((l) => l.startsWith('{'))!) as { losses: number[]; steps: number };
  });
}

test('pretrainDrasclr on 2 ranks: completes, one global loss per step on every rank, rank 0 writes', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'medcl-drasclr-ddp-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const base = await tinyDrasclrInput(dir, ['pa', 'pb', 'pc', 'pd']);
  // one process first: it prepares the patches into the shared cache, which the ranks then read
  const [one] = await run(1, { ...base, out: path.join(dir, 'one') });
  const out = path.join(dir, 'two');
  const [r0, r1] = await run(2, { ...base, out });
  assert.equal(r0!.steps, one!.steps);
  assert.deepEqual(r1!.losses, r0!.losses, 'the loss is computed over the gathered global batch on every rank');
  for (const v of r0!.losses) assert.ok(Number.isFinite(v));
  const d = Math.max(...one!.losses.map((v, i) => Math.abs(v - r0!.losses[i]!)));
  t.diagnostic(`largest |loss(2 ranks) - loss(1 process)| over ${one!.steps} steps: ${d.toFixed(4)}`);
  assert.ok(existsSync(path.join(out, 'encoder.safetensors')));
  assert.equal(readFileSync(path.join(out, 'log.jsonl'), 'utf8').trim().split('\n').length, one!.steps);
});
