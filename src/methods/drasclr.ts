/**
 * DrasCLR (Yu et al., Medical Image Analysis 2023; docs/methods.md §2.10): 3D patches at atlas landmarks, a
 * Loc-CondConv encoder conditioned on the landmark's location, MoCo with one key queue per landmark, and the local +
 * neighbouring losses. In the one vocabulary: relation = same patch (two augmentations) is positive; sampler = one
 * landmark per batch (LandmarkBatchSampler); negatives = the landmark's queue, keys of OTHER patients (LandmarkBanks);
 * loss = L_l + L_n (src/losses/drasclr.ts).
 *
 * A step at landmark j with scans S (the sampler's patients):
 * 1. scans of S without a patch at j (dropped for that scan) are replaced by other scans that have one, drawn
 *    from the step's Rng (`batchScansFor`), so the batch keeps its size (the queue needs B | K);
 * 2. two augmented views of each patch (drasClrAugment); q = normalize(f_q(view 1, p_j)), k+ = normalize(f_k(view 2,
 *    p_j)) from the momentum encoder;
 * 3. for each of the ℓ nearest landmarks l: the same scans' patches at l, augmented once, through the query encoder
 *    with p_l, in their own call (Loc-CondConv mixes its kernels once per landmark): r [B, ℓ, D];
 *    a scan without a patch at some l is left out of the neighbouring loss (its row of negatives is all invalid);
 * 4. L = L_l + L_n with the negatives of j's queue; after the optimiser step the key encoder's EMA update and the
 *    enqueueing of k+ (with the patient ids) into j's queue.
 * At the start every queue is empty: the first visits of a landmark have no negatives, their queries are left out of
 * the loss (counted in `withoutNegatives`, the loss is then 0).
 */
import { noGrad, type Tensor, type dist } from '../engine/index.js';
import { DrasclrEncoder, DRASCLR_LAYERS } from '../models/drasclr-encoder.js';
import { MomentumEncoder } from '../queues/momentum.js';
import { LandmarkBanks } from '../queues/landmark-banks.js';
import { LandmarkBatchSampler, type LandmarkBatch } from '../samplers/landmark-batches.js';
import { drasClrAugment } from '../transforms/presets.js';
import type { Transform } from '../transforms/batch.js';
import type { LandmarkPatchDataset } from '../data/landmark-patches.js';
import type { DrasclrConfig } from './drasclr-config.js';
import type { MethodDefinition, MethodRun } from './method.js';
import type { Rng } from '../util/rng.js';
import { drasclrStep, type DrasclrParts, type DrasclrStepOutput } from './drasclr-step.js';

export { batchScansFor, type DrasclrStepLog, type DrasclrStepOutput } from './drasclr-step.js';

export const drasclr: MethodDefinition<LandmarkPatchDataset, DrasclrConfig, DrasclrRun> = {
  name: 'drasclr',
  summary: 'same patch at the same atlas landmark is positive; negatives: that landmark’s queue of other patients',
  paper:
    'DrasCLR: Yu, Sun, Chen, Reynolds, Chaudhary & Batmanghelich, "DrasCLR: A Self-supervised Framework of Learning ' +
    'Disease-related and Anatomy-specific Representation for 3D Lung CT Images", Medical Image Analysis 2023',
  /** the paper's numbers (the config schema's defaults) */
  defaults: {
    epochs: 20,
    batchSize: 128,
    lr: 0.01,
    momentum: 0.9,
    weightDecay: 1e-4,
    tau: 0.2,
    ema: 0.999,
    queueSize: 4096,
    neighbours: 2,
    patchSize: 32,
    step: 26,
    experts: 8,
  },
  create: ({ dataset, config, group }) => createDrasclrRun(dataset, config, group ? { group } : {}),
};

/**
 * The modules are the query encoder f_q ("encoder": encoder + projection head, what fine-tuning and readouts load)
 * and, frozen, the momentum encoder's key copy ("key"), as in MoCo. `embed(patches, landmark)` gives the
 * representation y = e(x, p) of patches [B, 1, d, d, d] at `landmark` (eval mode, no gradient).
 */
export interface DrasclrRun extends MethodRun<LandmarkBatch, [patches: Tensor, landmark: number]> {
  encoder: DrasclrEncoder;
  momentum: MomentumEncoder<DrasclrEncoder>;
  banks: LandmarkBanks;
  sampler: LandmarkBatchSampler;
  augment: Transform;
  step(batch: LandmarkBatch, rng: Rng): DrasclrStepOutput;
  afterStep(): void;
  stateTensors(): Map<string, Tensor>;
  loadStateTensors(tensors: Map<string, Tensor>): void;
}

export function buildDrasclrEncoder(cfg: DrasclrConfig): DrasclrEncoder {
  return new DrasclrEncoder({
    conditioning: cfg.conditioning,
    experts: cfg.experts,
    layers: cfg.layers ?? DRASCLR_LAYERS,
    headHidden: cfg.headHidden,
    projectionDim: cfg.projectionDim,
  });
}

export interface DrasclrRunOptions {
  /** the augmentation of every patch (default: drasClrAugment(), the paper's) */
  augment?: Transform;
  /**
   * data-parallel training: this rank's group. Batches are shards (DistributedSampler); the scans of the global batch
   * are chosen (and missing patches substituted) with one stream shared by the ranks, queries and neighbour queries
   * are gathered with gradient, keys go through shuffled BatchNorm, and every rank's banks enqueue the global keys.
   */
  group?: dist.ProcessGroup;
}

function drasclrParts(dataset: LandmarkPatchDataset, cfg: DrasclrConfig, options: DrasclrRunOptions): DrasclrParts {
  if (cfg.neighbours > dataset.landmarkCount - 1)
    throw new Error(
      `drasclr: neighbours = ${cfg.neighbours} but there are only ${dataset.landmarkCount} landmarks (at most ${dataset.landmarkCount - 1})`,
    );
  if (dataset.length < cfg.batchSize)
    throw new Error(
      `drasclr: batchSize ${cfg.batchSize} needs at least that many usable scans; there are ${dataset.length} ` +
        '(lower --batch-size; the preparation report lists skipped scans)',
    );
  const encoder = buildDrasclrEncoder(cfg);
  const momentum = new MomentumEncoder<DrasclrEncoder>(encoder, () => buildDrasclrEncoder(cfg), { momentum: cfg.ema });
  const banks = new LandmarkBanks({
    landmarks: dataset.landmarkCount,
    size: cfg.queueSize,
    dim: cfg.projectionDim,
    batchSize: cfg.batchSize,
    dtype: cfg.bankDtype,
  });
  const sampler = new LandmarkBatchSampler({
    landmarks: dataset.landmarks.map((l) => l.world),
    patients: dataset.length,
    batchSize: cfg.batchSize,
    seed: cfg.seed,
    neighbours: cfg.neighbours,
    order: cfg.order,
  });
  const augment = options.augment ?? drasClrAugment();
  const loc = (l: number): number[] => [...dataset.landmarks[l]!.location];
  return { dataset, cfg, group: options.group, encoder, momentum, banks, sampler, augment, loc };
}

export function createDrasclrRun(
  dataset: LandmarkPatchDataset,
  cfg: DrasclrConfig,
  options: DrasclrRunOptions = {},
): DrasclrRun {
  const parts = drasclrParts(dataset, cfg, options);
  const { encoder, momentum, banks, sampler, augment, loc } = parts;
  let pending: { landmark: number; keys: Tensor; ids: number[] } | null = null;
  return {
    modules: { encoder },
    frozen: { key: momentum.key },
    encoder,
    momentum,
    banks,
    sampler,
    augment,
    step(batch, rng) {
      const { output, keys } = drasclrStep(parts, batch, rng);
      pending?.keys.dispose();
      pending = keys;
      return output;
    },
    afterStep() {
      momentum.update();
      if (pending) {
        banks.enqueue(pending.landmark, pending.keys, pending.ids);
        pending.keys.dispose();
        pending = null;
      }
    },
    stateTensors() {
      return new Map([...banks.stateDict()].map(([name, t]) => [`banks.${name}`, t]));
    },
    loadStateTensors(tensors) {
      const sd = new Map<string, Tensor>();
      for (const [name, t] of tensors) if (name.startsWith('banks.')) sd.set(name.slice(6), t);
      if (sd.size === 0) throw new Error('drasclr: the checkpoint holds no landmark banks');
      banks.loadStateDict(sd);
    },
    embed(patches, landmark) {
      const was = encoder.training;
      encoder.eval();
      try {
        return noGrad(() => encoder.encode(patches, loc(landmark)));
      } finally {
        encoder.train(was);
      }
    },
  };
}
