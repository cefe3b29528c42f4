/**
 * One rank of data-parallel.test.ts (run through the launcher, never by the test runner): replicas start from
 * different seeds, DataParallel copies rank 0's state, each rank takes its half of a fixed batch, and the averaged
 * gradients are printed as one JSON line.
 */
import { manualSeed, nn, tensor, tidy } from '../../../src/engine/index.js';
import { ModuleBundle } from '../../../src/train/run-state.js';
import { DataParallel, joinFromEnvironment } from '../../../src/train/distributed/index.js';

const ctx = joinFromEnvironment(60000)!;
manualSeed(100 + ctx.rank);
const a = new nn.Linear(3, 2);
const onlyRank1 = new nn.Linear(3, 1);
const unused = new nn.Linear(3, 1);
const bn = new nn.BatchNorm1d(2);
const model = new ModuleBundle({ a, onlyRank1, unused, bn });
const before = a.weight.toArray();
// a small bucket so the parameters span several buckets
const ddp = new DataParallel(ctx.group, model, 16);
bn.train();
tidy(() =>
  bn.forward(
    tensor([
      [ctx.rank, 1],
      [2, -ctx.rank],
    ]),
  ),
); // rank-dependent running statistics
ddp.broadcastState();
const stateAfterBroadcast = Object.fromEntries([...model.stateDict()].map(([k, t]) => [k, t.toArray()]));
tidy(() =>
  bn.forward(
    tensor([
      [ctx.rank * 3, 1],
      [2, 5],
    ]),
  ),
);
ddp.broadcastBuffers();
const runningMean = bn.stateDict().get('running_mean')!.toArray();

const X = Array.from({ length: 8 }, (_, i) => [i / 4 - 1, Math.sin(i), (i % 3) - 1]);
const Y = Array.from({ length: 8 }, (_, i) => [i % 2, Math.cos(i)]);
const rows = [4 * ctx.rank, 4 * ctx.rank + 4];
tidy(() => {
  const x = tensor(X.slice(rows[0], rows[1]));
  let loss = a
    .forward(x)
    .sub(tensor(Y.slice(rows[0], rows[1])))
    .square()
    .mean();
  if (ctx.rank === 1) loss = loss.add(onlyRank1.forward(x).sum());
  loss.backward();
});
ddp.syncGradients();
const grads = Object.fromEntries(
  model.namedParameters().map(([k, p]) => [k, p.grad === null ? null : p.grad.toArray()]),
);
process.stdout.write(JSON.stringify({ rank: ctx.rank, before, stateAfterBroadcast, runningMean, grads }) + '\n');
process.exit(0);
