import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dist } from '../../../src/engine/index.js';
import { launch } from '../../../src/train/distributed/launch.js';
import { assertClose } from '../helpers.js';

const worker = path.join(path.dirname(fileURLToPath(import.meta.url)), 'rank-worker.js');

async function run(scenario: string, worldSize: number, extra: string[] = [], timeoutMs = 20000) {
  const exits = await launch({
    nprocPerNode: worldSize,
    command: process.execPath,
    args: [worker, scenario, ...extra],
    env: { ...process.env, MEDCL_THREADS: '1', TEST_TIMEOUT_MS: String(timeoutMs) },
    stdio: 'pipe',
    onFailure: 'wait',
  });
  return exits.map((e) => {
    const line = e.output.split('\n').find((l) => l.startsWith('{'));
    return { ...e, result: line ? (JSON.parse(line) as Record<string, unknown>) : null };
  });
}

test('distributedBackends: this build has gloo', () => {
  assert.ok(dist.distributedBackends().includes('gloo'));
  assert.ok(!dist.distributedBackends().includes('nccl'));
});

function checkCollectives(ranks: { result: Record<string, unknown> | null; output: string }[], W: number): void {
  const base = (r: number): number[] => [r + 1, -2 * r, 0.5 * r * r];
  const all = Array.from({ length: W }, (_, r) => base(r));
  const sum = [0, 1, 2].map((j) => all.reduce((s, v) => s + v[j]!, 0));
  for (const [r, x] of ranks.entries()) {
    const o = x.result;
    assert.ok(o, `rank ${r} printed no result:\n${x.output}`);
    assertClose(o['sum'] as number[], sum, { msg: `rank ${r} sum` });
    assertClose(
      o['avg'] as number[],
      sum.map((v) => v / W),
      { msg: `rank ${r} avg` },
    );
    assertClose(
      o['max'] as number[],
      [0, 1, 2].map((j) => Math.max(...all.map((v) => v[j]!))),
      { msg: 'max' },
    );
    assert.deepEqual(o['gatheredShape'], [W, 3]);
    assertClose(o['gathered'] as number[], all.flat(), { msg: `rank ${r} gathered` });
    assertClose(o['broadcast'] as number[], base(W - 1), { msg: `rank ${r} broadcast` });
    assert.equal(o['yGradFn'], 'AllGatherBackward');
    // d/dx_r of sum over ranks q of (q + 1) * w[r] . x_r: the local slice of the gradient summed over ranks
    const c = Array.from({ length: W }, (_, q) => q + 1).reduce((s, v) => s + v, 0);
    assertClose(o['grad'] as number[], [c * (r + 1), (-c * (r + 1)) / 2], { msg: `rank ${r} grad` });
  }
}

test('collectives over a TCPStore, 3 ranks on loopback: all_reduce sum/avg/max, all_gather, broadcast, barrier, all_gather grad', async () => {
  const ranks = await run('collectives', 3);
  for (const r of ranks) assert.equal(r.code, 0, r.output);
  checkCollectives(ranks, 3);
});

test('collectives over a FileStore, 2 ranks', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'medcl-filestore-'));
  try {
    const ranks = await run('collectives', 2, [path.join(dir, 'store')]);
    for (const r of ranks) assert.equal(r.code, 0, r.output);
    checkCollectives(ranks, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a killed rank: the other one gets a JS error from its collective, well within the timeout', async () => {
  const ranks = await run('killed-peer', 2, [], 20000);
  assert.equal(ranks[1]!.signal, 'SIGKILL');
  const o = ranks[0]!.result;
  assert.ok(o, ranks[0]!.output);
  assert.equal(typeof o['error'], 'string', 'the collective should have failed');
  assert.match(o['error'] as string, /^pgAllReduce: /);
  assert.ok((o['ms'] as number) < 20000, `took ${String(o['ms'])} ms`);
});

test('a rank that never joins: the collective times out after timeoutMs with a JS error', async () => {
  const ranks = await run('silent-peer', 2, [], 1500);
  const o = ranks[0]!.result;
  assert.ok(o, ranks[0]!.output);
  assert.match(String(o['error']), /time|Timed out/i);
  assert.ok((o['ms'] as number) >= 1400 && (o['ms'] as number) < 15000, `took ${String(o['ms'])} ms`);
});

test('Store: set/get/add/has across handles of one FileStore; bad ports are refused', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'medcl-filestore-'));
  try {
    const a = dist.Store.file(path.join(dir, 's'), 2, 2000);
    const b = dist.Store.file(path.join(dir, 's'), 2, 2000);
    a.set('k', 'v1');
    assert.equal(b.get('k'), 'v1');
    assert.equal(a.add('n', 2), 2);
    assert.equal(b.add('n', 3), 5);
    assert.equal(b.has('missing'), false);
    assert.throws(() => b.get('missing'), /Timeout|timeout|Wait/);
    assert.throws(() => dist.Store.tcp({ host: '127.0.0.1', port: 70000, isServer: true, worldSize: 1 }), /port/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('distributedEnv reads RANK/WORLD_SIZE/MASTER_* and names a malformed variable', () => {
  assert.equal(dist.distributedEnv({}), null);
  assert.deepEqual(dist.distributedEnv({ RANK: '1', WORLD_SIZE: '2', MASTER_ADDR: '10.0.0.1', MASTER_PORT: '1234' }), {
    rank: 1,
    worldSize: 2,
    localRank: 1,
    masterAddr: '10.0.0.1',
    masterPort: 1234,
  });
  assert.throws(() => dist.distributedEnv({ RANK: 'x', WORLD_SIZE: '2' }), /RANK/);
  assert.throws(() => dist.distributedEnv({ RANK: '2', WORLD_SIZE: '2' }), /RANK 2 is not below WORLD_SIZE 2/);
  assert.throws(() => dist.distributedEnv({ WORLD_SIZE: '2' }), /RANK is not/);
});
