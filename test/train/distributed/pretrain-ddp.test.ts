/**
 * Data-parallel pre-training on loopback: 2 ranks with per-rank batch B follow the loss trajectory of 1 process with
 * batch 2B (SupCon with patient positives, PCL, MoCo; InstanceNorm encoders, no augmentation: see docs/distributed.md
 * for BatchNorm), a killed rank makes the other stop with a clear error well within the timeout, and the run resumes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch } from '../../../src/train/distributed/launch.js';
import type { PretrainInput } from '../../../src/methods/config.js';
import { smallPhantoms, tempDir } from '../../methods/fixtures.js';

const worker = path.join(path.dirname(fileURLToPath(import.meta.url)), 'pretrain-worker.js');

interface RankResult {
  rank: number;
  losses?: number[];
  resumedFrom?: number | null;
  error?: string;
  at?: number;
}

async function pretrainOn(ranks: number, input: PretrainInput, env: NodeJS.ProcessEnv = {}) {
  const exits = await launch({
    nprocPerNode: ranks,
    command: process.execPath,
    args: [worker, JSON.stringify(input)],
    env: { ...process.env, MEDCL_THREADS: '1', ...env },
    stdio: 'pipe',
    onFailure: 'wait',
  });
  return exits.map((e) => {
    const line = e.output.split('\n').find((l) => l.startsWith('{'));
    return { exit: e, result: line ? (JSON.parse(line) as RankResult) : null };
  });
}

async function tiny(method: string, extra: Partial<PretrainInput> = {}): Promise<PretrainInput> {
  const { xray, ct } = await smallPhantoms();
  const isCt = method === 'pcl';
  return {
    method,
    data: isCt ? ct : xray,
    preset: isCt ? 'ct-pcl' : 'xray',
    out: tempDir(),
    size: 32,
    // X-rays: 26 images, 4 steps of 8 per epoch; CT: 96 slices, 12 steps per epoch
    epochs: isCt ? 2 : 5,
    batchSize: 8,
    queueSize: 16,
    projectionDim: 16,
    augment: 'none',
    warmupEpochs: 0,
    encoder: { widths: [4, 8], norm: 'instance' },
    precision: 'fp32',
    ...extra,
  };
}

function maxRelDiff(a: number[], b: number[]): number {
  return Math.max(...a.map((x, i) => Math.abs(x - b[i]!) / Math.max(1e-6, Math.abs(b[i]!))));
}

for (const method of ['cltci-simclr', 'pcl', 'moco']) {
  test(`${method}: 2 ranks x batch 4 follow 1 process x batch 8 for >= 20 steps`, async (t) => {
    const one = await pretrainOn(1, await tiny(method));
    const cfg2 = await tiny(method);
    const two = await pretrainOn(2, cfg2);
    for (const r of [...one, ...two]) assert.equal(r.exit.code, 0, r.exit.output);
    const ref = one[0]!.result!.losses!;
    assert.ok(ref.length >= 20, `${ref.length} steps`);
    for (const r of two) assert.equal(r.result!.losses!.length, ref.length);
    assert.deepEqual(two[1]!.result!.losses, two[0]!.result!.losses, 'every rank logs the same global loss');
    const d = maxRelDiff(two[0]!.result!.losses!, ref);
    t.diagnostic(`${method}: max relative loss difference over ${ref.length} steps: ${d.toExponential(2)}`);
    assert.ok(d < 1e-4, `trajectories differ by ${d}`);
    // rank 0 alone writes the log, one line per step
    const log = readFileSync(path.join(cfg2.out, 'log.jsonl'), 'utf8').trim().split('\n');
    assert.equal(log.length, ref.length);
  });
}

test('a killed rank: the other stops with a clear error within the timeout; the run then resumes', async (t) => {
  const input = await tiny('cltci-simclr', { checkpointEvery: 1 });
  const stamp = path.join(tempDir(), 'killed-at');
  // rank 1 dies loading its 7th batch: in epoch 2 (5 patient-grouped steps per epoch), after the epoch-1 checkpoint
  const crashed = await pretrainOn(2, input, {
    KILL_RANK: '1',
    KILL_AT: '7',
    KILL_STAMP: stamp,
    TEST_TIMEOUT_MS: '30000',
  });
  assert.equal(crashed[1]!.exit.signal, 'SIGKILL');
  const r0 = crashed[0]!.result;
  assert.ok(r0?.error, `rank 0 should fail:\n${crashed[0]!.exit.output}`);
  assert.notEqual(crashed[0]!.exit.code, 0);
  assert.match(r0.error, /^data-parallel: rank 0 of 2 lost the other ranks at epoch 1, batch \d/);
  assert.match(r0.error, /Cause: pg[A-Za-z]+: /, 'and names the collective');
  const latency = r0.at! - Number(readFileSync(stamp, 'utf8'));
  t.diagnostic(`rank 0 stopped ${latency} ms after the kill: ${r0.error}`);
  assert.ok(latency < 30000, `stopped ${latency} ms after the kill`);

  const resumed = await pretrainOn(2, input);
  for (const r of resumed) assert.equal(r.exit.code, 0, r.exit.output);
  assert.equal(resumed[0]!.result!.resumedFrom, 1);
  const full = await pretrainOn(2, await tiny('cltci-simclr', { checkpointEvery: 1 }));
  const losses = full[0]!.result!.losses!;
  const tail = losses.slice(losses.length / input.epochs!);
  assert.deepEqual(resumed[0]!.result!.losses, tail, 'the resumed steps are those of an uninterrupted run');
});
