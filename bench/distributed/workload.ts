/**
 * The distributed bench's workload, the same in medcl and in bench/distributed/pytorch_ddp.py: a contrastive step
 * on a 4-stage conv-BN-ReLU encoder (1-16-32-64-128, 2x2 max-pool after the first three stages) + GAP + MLP
 * 128-128-64 + L2 normalisation, NT-Xent (tau 0.1) over the two views (the image and its left-right flip) of the
 * global batch, embeddings gathered from every rank with gradient, gradients averaged over the ranks, SGD lr 0.05
 * momentum 0.9. Images: a fixed pool of 256 64x64 images, identical on both sides (a closed formula).
 */
import { cat, manualSeed, nn, optim, tensor, tidy, type Tensor } from '../../src/engine/index.js';
import { ntXentLoss } from '../../src/losses/infonce.js';
import { gatherStacked } from '../../src/methods/distributed.js';
import { normalizeEmbeddings } from '../../src/losses/float32.js';
import { DataParallel, type DataParallelContext } from '../../src/train/distributed/index.js';

export const SIZE = 64;
export const POOL = 256;

/** the image pool, (POOL, 1, SIZE, SIZE): sin/cos stripes whose frequency and phase vary with the index */
export function imagePool(): Tensor {
  const data = new Float32Array(POOL * SIZE * SIZE);
  for (let n = 0; n < POOL; n++)
    for (let y = 0; y < SIZE; y++)
      for (let x = 0; x < SIZE; x++)
        data[(n * SIZE + y) * SIZE + x] =
          Math.sin(0.05 * ((n % 17) + 1) * x + 0.3 * n) * Math.cos(0.07 * ((n % 5) + 1) * y);
  return tensor(data).reshape(POOL, 1, SIZE, SIZE);
}

function stage(inC: number, outC: number, pool: boolean): nn.Layer[] {
  const m: nn.Layer[] = [new nn.Conv2d(inC, outC, 3, { padding: 1 }), new nn.BatchNorm2d(outC), new nn.ReLU()];
  if (pool) m.push(new nn.MaxPool2d({ kernelSize: 2 }));
  return m;
}

export function buildModel(): nn.Sequential {
  manualSeed(0);
  return new nn.Sequential(
    ...stage(1, 16, true),
    ...stage(16, 32, true),
    ...stage(32, 64, true),
    ...stage(64, 128, false),
    new nn.AdaptiveAvgPool2d(1),
    new nn.Flatten(),
    new nn.Linear(128, 128),
    new nn.ReLU(),
    new nn.Linear(128, 64),
  );
}

export interface Trainer {
  /** one step on global batch `step`; returns the loss */
  step(step: number): number;
}

/** the step of rank `ctx.rank` (or of the only process) with a global batch of `batch` images */
export function trainer(ctx: DataParallelContext | null, batch: number): Trainer {
  const pool = imagePool();
  pool.kept = true;
  const model = buildModel();
  const opt = new optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
  const world = ctx?.worldSize ?? 1;
  const local = batch / world;
  const ddp = ctx ? new DataParallel(ctx.group, model) : null;
  ddp?.broadcastState();
  model.train();
  return {
    step(s) {
      ddp?.broadcastBuffers();
      const loss = tidy(() => {
        const start = (s * batch + (ctx?.rank ?? 0) * local) % (POOL - local + 1);
        const x = pool.narrow(0, start, local);
        const z = normalizeEmbeddings(model.forward(cat([x, x.flip(3)], 0)));
        const all = ctx ? gatherStacked(ctx.group, z, 2) : z;
        const l = ntXentLoss(all, { tau: 0.1 });
        opt.zeroGrad();
        l.backward();
        return l.item();
      });
      ddp?.syncGradients();
      opt.step();
      return loss;
    },
  };
}
