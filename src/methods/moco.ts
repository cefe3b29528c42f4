/**
 * MoCo and CL-TCI-MoCo (docs/methods.md §1, §2.2, §2.4): a key encoder that is the exponential moving average of the
 * query encoder (m = 0.999, updated after every optimiser step), a FIFO queue of K keys.
 * - `moco`: InfoNCE with the other view's key as the positive and every valid queued key as a negative.
 * - `cltci-moco`: the queue also stores each key's patient; positives are the own key plus every valid queued key of
 *   the same patient (multi-positive loss over [own key, queue]); never-written slots are excluded.
 */
import { noGrad, tensor, tidy, type Tensor } from '../engine/index.js';
import { RandomSampler } from '../samplers/random.js';
import { LabelledQueue } from '../queues/fifo-queue.js';
import { MomentumEncoder } from '../queues/momentum.js';
import { infoNCE } from '../losses/infonce.js';
import { queuePositives, supConQueueLoss } from '../losses/supcon.js';
import type { MethodContext, MethodRun, SliceMethodDefinition } from './method.js';
import { buildProjector, stackedViews, type Projector } from './common.js';
import { batchIds, globalBatchIds } from './multi-positive.js';
import { gatherStacked, shuffledKeys } from './distributed.js';
import { stepSeed } from '../util/step-seed.js';
import { Rng } from '../util/rng.js';

function mocoRun(ctx: MethodContext, patientPositives: boolean): MethodRun {
  const { dataset: ds, config: cfg } = ctx;
  const query = buildProjector(cfg);
  const momentum = new MomentumEncoder<Projector>(query, () => buildProjector(cfg), { momentum: cfg.ema });
  const queue = new LabelledQueue({ size: cfg.queueSize, dim: cfg.projectionDim, batchSize: cfg.batchSize });
  const patientIndex = new Map<string, number>();
  for (const s of ds.samples) if (!patientIndex.has(s.patient)) patientIndex.set(s.patient, patientIndex.size);
  let pending: { keys: Tensor; labels: number[] } | null = null;
  const sampler = new RandomSampler({ size: ds.length, batchSize: cfg.batchSize, seed: cfg.seed });
  return {
    modules: { encoder: query.encoder, head: query.head },
    frozen: { key: momentum.key },
    sampler,
    step(batch, rng) {
      const ids = batchIds(batch);
      const n = ids.length;
      const views = stackedViews(ds, ids, cfg, rng);
      let q = query.forward(views.slice(0, 0, n));
      let k: Tensor;
      if (ctx.group) {
        // data-parallel: queries and keys of the global batch; keys through shuffled BatchNorm (one permutation
        // per step, the same on every rank)
        const shared = new Rng(stepSeed(cfg.seed ^ 0x5b1e, batch.epoch, batch.index));
        k = shuffledKeys(ctx.group, views.slice(0, n, 2 * n), shared, (x) => momentum.key.forward(x));
        q = gatherStacked(ctx.group, q, 1);
      } else {
        k = momentum.forwardKey(views.slice(0, n, 2 * n));
      }
      const gids = globalBatchIds(batch);
      const labels = patientPositives ? gids.map((id) => patientIndex.get(ds.samples[id]!.patient)!) : gids;
      let loss: Tensor;
      let anchors: number | undefined;
      let skipped: number | undefined;
      if (patientPositives) {
        const keyPos = queuePositives(tensor(labels, { dtype: 'int64' }), queue.labels());
        const r = supConQueueLoss(q, { own: k, queue: queue.keys() }, keyPos, { tau: cfg.tau, valid: queue.valid() });
        loss = r.loss;
        anchors = r.anchors;
        skipped = r.skipped;
      } else {
        loss = infoNCE(q, k, queue.keys(), { tau: cfg.tau, valid: queue.valid() });
      }
      pending?.keys.dispose();
      pending = { keys: k.detach().clone(), labels };
      pending.keys.kept = true;
      return { loss, anchors, skipped, images: 2 * n };
    },
    afterStep() {
      momentum.update();
      if (pending) {
        queue.enqueue(pending.keys, pending.labels);
        pending.keys.dispose();
        pending = null;
      }
    },
    stateTensors() {
      return new Map([...queue.stateDict()].map(([k, t]) => [`queue.${k}`, t]));
    },
    loadStateTensors(tensors) {
      const sd = new Map<string, Tensor>();
      for (const [k, t] of tensors) if (k.startsWith('queue.')) sd.set(k.slice(6), t);
      if (sd.size) queue.loadStateDict(sd);
    },
    embed(images) {
      return noGrad(() => tidy(() => query.forward(images)));
    },
  };
}

export const moco: SliceMethodDefinition = {
  name: 'moco',
  encoder: 'backbone',
  backbones: ['unet', 'deeplabv3plus'],
  finetuneRecipe: 'cltci',
  summary: 'two augmentations of the same image, negatives from a momentum-encoded queue',
  paper: 'MoCo: He, Fan, Wu, Xie & Girshick, CVPR 2020; a baseline of CL-TCI (Zeng et al. 2021)',
  defaults: {
    batchSize: 16,
    lr: 0.1,
    tau: 0.1,
    queueSize: 4096,
    ema: 0.999,
    weightDecay: 1e-5,
    warmupEpochs: 10,
    augment: 'cltci',
  },
  create: (ctx) => mocoRun(ctx, false),
};

export const cltciMoco: SliceMethodDefinition = {
  name: 'cltci-moco',
  encoder: 'backbone',
  backbones: ['unet', 'deeplabv3plus'],
  finetuneRecipe: 'cltci',
  summary: 'same patient: own key + queued keys of the same patient are positives',
  paper:
    'CL-TCI: Zeng, Kheir, Zeng & Shi, "Contrastive Learning with Temporal Correlated Medical Images: A Case Study ' +
    'using Lung Segmentation in Chest X-Rays", 2021 (arXiv:2109.03233)',
  defaults: {
    batchSize: 16,
    lr: 0.1,
    tau: 0.1,
    queueSize: 4096,
    ema: 0.999,
    weightDecay: 1e-5,
    warmupEpochs: 10,
    augment: 'cltci',
  },
  create: (ctx) => mocoRun(ctx, true),
};
