/**
 * One rank of the collective tests (run by process-group.test.ts through the launcher, never by the test runner):
 * joins the group from RANK/WORLD_SIZE/MASTER_* (or a FileStore given as argv[3]) and prints one JSON line of results.
 * argv[2] is the scenario: 'collectives', 'killed-peer' or 'silent-peer'.
 */
import { dist, tensor, type Tensor } from '../../../src/engine/index.js';

const scenario = process.argv[2];
const storeFile = process.argv[3];
const timeoutMs = Number(process.env['TEST_TIMEOUT_MS'] ?? 20000);
// the rendezvous may wait for a slow start on a busy machine; the collectives after it wait timeoutMs
const d = dist.initProcessGroup({ timeoutMs: 60000, ...(storeFile ? { storeFile } : {}) });
d.group.timeoutMs = timeoutMs;
const { group, rank, worldSize } = d;

function values(t: Tensor): number[] {
  return Array.from(t.data() as Float32Array);
}

function collectives(): Record<string, unknown> {
  const base = (r: number): number[] => [r + 1, -2 * r, 0.5 * r * r];
  const sum = tensor(base(rank));
  group.allReduce_(sum, 'sum');
  const avg = tensor(base(rank));
  group.allReduce_(avg, 'avg');
  const max = tensor(base(rank));
  group.allReduce_(max, 'max');
  const gathered = group.allGather(tensor([base(rank)]));
  const bc = tensor(base(rank));
  group.broadcast_(bc, worldSize - 1);
  group.barrier();
  // gradient of all_gather: rank r's loss is sum((r + 1) * w * y) over the gathered y, w fixed
  const x = tensor([[rank + 1, rank - 3]]).requiresGrad_();
  const y = group.allGatherWithGrad(x);
  const w = tensor(Array.from({ length: worldSize }, (_, i) => [i + 1, -(i + 1) / 2]));
  y.mul(w)
    .mul(rank + 1)
    .sum()
    .backward();
  return {
    rank,
    sum: values(sum),
    avg: values(avg),
    max: values(max),
    gathered: values(gathered),
    gatheredShape: gathered.shape,
    broadcast: values(bc),
    grad: values(x.grad!),
    yGradFn: y.gradFn,
  };
}

function failingPeer(): Record<string, unknown> {
  group.barrier();
  if (rank === 1) {
    if (scenario === 'killed-peer') process.kill(process.pid, 'SIGKILL');
    // 'silent-peer': alive but never joins the next collective
    const until = Date.now() + timeoutMs * 3;
    while (Date.now() < until) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    return { rank };
  }
  const t0 = Date.now();
  try {
    group.allReduce_(tensor([1, 2, 3]), 'sum');
    return { rank, error: null };
  } catch (e) {
    return { rank, error: (e as Error).message, ms: Date.now() - t0 };
  }
}

const result = scenario === 'collectives' ? collectives() : failingPeer();
process.stdout.write(JSON.stringify(result) + '\n');
process.exit(0);
