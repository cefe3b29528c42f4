import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch } from '../../../src/train/distributed/launch.js';
import { coalesced } from '../../../src/train/distributed/data-parallel.js';
import { tensor, tidy } from '../../../src/engine/index.js';
import { assertClose } from '../../engine/helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** runs `worker` on `worldSize` local ranks and returns each rank's JSON line */
export async function runRanks(
  worker: string,
  worldSize: number,
  args: string[] = [],
  env: NodeJS.ProcessEnv = {},
): Promise<Record<string, unknown>[]> {
  const exits = await launch({
    nprocPerNode: worldSize,
    command: process.execPath,
    args: [path.join(here, worker), ...args],
    env: { ...process.env, MEDCL_THREADS: '1', ...env },
    stdio: 'pipe',
  });
  return exits.map((e) => {
    assert.equal(e.code, 0, `rank ${e.rank} failed:\n${e.output}`);
    const line = e.output.split('\n').find((l) => l.startsWith('{'));
    assert.ok(line, `rank ${e.rank} printed no result:\n${e.output}`);
    return JSON.parse(line) as Record<string, unknown>;
  });
}

test('coalesced: buckets by dtype and size, and writes each flat result back in place', () => {
  tidy(() => {
    const ts = [tensor([1, 2, 3]), tensor([[4, 5]]), tensor([7], { dtype: 'int64' }), tensor([8, 9])];
    const seen: number[] = [];
    coalesced(ts, 16, (flat) => {
      seen.push(flat.numel);
      flat.mul_(2);
    });
    assert.deepEqual(seen, [3, 4, 1]); // 16 bytes: [1,2,3] alone; [4,5] and [8,9] share the next float32 bucket; int64 apart
    assert.deepEqual(
      ts.map((t) => t.toArray()),
      [[2, 4, 6], [8, 10], [14], [16, 18]],
    );
  });
});

test('DataParallel on 2 ranks: rank 0 state everywhere; gradients = the full-batch gradient (float64 reference)', async () => {
  const out = await runRanks('ddp-worker.js', 2);
  const [r0, r1] = out as {
    before: number[];
    stateAfterBroadcast: Record<string, number[]>;
    runningMean: number[];
    grads: Record<string, number[] | null>;
  }[];
  assert.notDeepEqual(r0!.before, r1!.before, 'replicas start different');
  assert.deepEqual(r1!.stateAfterBroadcast, r0!.stateAfterBroadcast);
  assertClose(r0!.stateAfterBroadcast['a.weight']!, r0!.before);
  assert.deepEqual(r1!.runningMean, r0!.runningMean);
  // the reference: the mean squared error over all 8 rows with rank 0's weights, in float64
  const W = r0!.stateAfterBroadcast['a.weight']!;
  const b = r0!.stateAfterBroadcast['a.bias']!;
  const X = Array.from({ length: 8 }, (_, i) => [i / 4 - 1, Math.sin(i), (i % 3) - 1]);
  const Y = Array.from({ length: 8 }, (_, i) => [i % 2, Math.cos(i)]);
  const gW = [0, 0, 0, 0, 0, 0];
  const gb = [0, 0];
  for (let i = 0; i < 8; i++)
    for (let o = 0; o < 2; o++) {
      const pred = b[o]! + X[i]!.reduce((s, x, j) => s + x * W[o * 3 + j]!, 0);
      const d = (2 * (pred - Y[i]![o]!)) / 16;
      gb[o] += d;
      for (let j = 0; j < 3; j++) gW[o * 3 + j] += d * X[i]![j]!;
    }
  for (const r of [r0!, r1!]) {
    assertClose(r.grads['a.weight']!, gW, { msg: 'a.weight' });
    assertClose(r.grads['a.bias']!, gb, { msg: 'a.bias' });
    // used on rank 1 only: rank 0 joins with zeros, so the average is half of rank 1's sum over its 4 rows
    const xs = X.slice(4);
    assertClose(
      r.grads['onlyRank1.weight']!,
      [0, 1, 2].map((j) => xs.reduce((s, x) => s + x[j]!, 0) / 2),
      { msg: 'onlyRank1' },
    );
    assertClose(r.grads['onlyRank1.bias']!, [2], { msg: 'onlyRank1.bias' });
    assert.equal(r.grads['unused.weight'], null, 'a parameter no rank used keeps no gradient');
  }
});
