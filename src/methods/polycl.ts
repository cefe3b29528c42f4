/**
 * PolyCL (Moseley & Imran; docs/methods.md §2.7): one positive and one negative per anchor slice and the triplet
 * contrastive loss (tau = 1 / batch, from the run's batch size unless the config sets tau). PolyCL-S: positive =
 * another slice of the same scan, negative = a slice of another scan (no labels). PolyCL-O: positive = a slice with the
 * same "contains the organ" flag (any scan), negative = the other flag. Triplets are re-drawn every epoch with a seeded
 * RNG (the reference code sampled them once, offline). Encoder: 16..256, InstanceNorm + LeakyReLU(0.2), dropout 0.25;
 * head: GAP + one linear layer to 256-d.
 */
import { noGrad, tidy } from '../engine/index.js';
import { PolyclTripletSampler, type PolyclMode, type Triplet } from '../samplers/polycl-triplets.js';
import { tripletContrastiveLoss } from '../losses/triplet.js';
import { LinearHead } from '../models/heads.js';
import { contrastiveViews } from '../transforms/augment.js';
import type { MethodContext, MethodRun, SliceMethodDefinition } from './method.js';
import { methodEncoder, Projector } from './common.js';
import { gatherStacked } from './distributed.js';

function polyclRun(ctx: MethodContext, def: SliceMethodDefinition, mode: PolyclMode): MethodRun {
  const { dataset: ds, config: cfg } = ctx;
  const encoder = methodEncoder(def, cfg);
  if (mode === 'organ' && ds.volumes.some((v) => !v.organFlags)) {
    throw new Error(
      'polycl-o: every scan needs a label map (per-slice organ flags); some manifest items have no label',
    );
  }
  const projector = new Projector(encoder, new LinearHead(encoder.outChannels, cfg.projectionDim));
  const sampler = new PolyclTripletSampler({ volumes: ds.volumes, mode, batchSize: cfg.batchSize, seed: cfg.seed });
  return {
    modules: { encoder, head: projector.head },
    sampler,
    step(batch, rng) {
      const triplets = batch.items as Triplet[];
      const m = triplets.length;
      const ids = [
        ...triplets.map((t) => t.anchor.id),
        ...triplets.map((t) => t.positive.id),
        ...triplets.map((t) => t.negative.id),
      ];
      const [view] = contrastiveViews(ds.imageBatch(ids), rng, cfg.augment, 1);
      const local = projector.forward(view!);
      // data-parallel: every rank's triplets, [anchors, positives, negatives] of the global batch
      const z = ctx.group ? gatherStacked(ctx.group, local, 3) : local;
      const g = z.size(0) / 3;
      const [za, zp, zn] = [z.slice(0, 0, g), z.slice(0, g, 2 * g), z.slice(0, 2 * g, 3 * g)];
      const loss = tripletContrastiveLoss(za, zp, zn, { tau: cfg.tau });
      return { loss, images: 3 * m };
    },
    embed(images) {
      return noGrad(() => tidy(() => projector.forward(images)));
    },
  };
}

/** PolyCL §2.1: "the temperature parameter τ is set to 1/M", M the mini-batch size */
export function polyclTau(batchSize: number): number {
  return 1 / batchSize;
}

/** PolyCL §3.1 "Training" and "Hyperparameters" (Moseley & Imran) */
const polyclDefaults = {
  // "for pre-training, we used a learning rate of 0.0001 and a batch size of 20"
  batchSize: 20,
  optimizer: 'adam' as const,
  lr: 1e-4,
  weightDecay: 0,
  // "trained for 100 epochs with cosine-annealing learn rate scheduler with warm restarts after every 10 epochs"
  schedule: 'cosine-restarts' as const,
  restartEpochs: 10,
  epochs: 100,
  // tau is not here: it is 1 / batch size of the run (derivedDefaults), unless the config sets it
  projectionDim: 256,
  preset: 'ct-polycl' as const,
  augment: 'polycl' as const,
  encoder: { widths: [16, 32, 64, 128, 256], norm: 'instance' as const, slope: 0.2, dropout: 0.25 },
};

export const polyclS: SliceMethodDefinition = {
  name: 'polycl-s',
  encoder: 'polycl-unet',
  backbones: ['unet'],
  finetuneRecipe: 'polycl',
  summary: 'another slice of the same scan (positive) vs a slice of another scan (negative)',
  paper: 'PolyCL: Moseley & Imran, "PolyCL: Context-Aware Contrastive Learning for Image Segmentation"',
  defaults: polyclDefaults,
  derivedDefaults: (input) => ({ tau: polyclTau(input.batchSize ?? polyclDefaults.batchSize) }),
  create: (ctx) => polyclRun(ctx, polyclS, 'scan'),
};

export const polyclO: SliceMethodDefinition = {
  name: 'polycl-o',
  encoder: 'polycl-unet',
  backbones: ['unet'],
  finetuneRecipe: 'polycl',
  summary: 'a slice with the same organ-present flag (positive) vs the other flag (negative)',
  paper: 'PolyCL: Moseley & Imran, "PolyCL: Context-Aware Contrastive Learning for Image Segmentation"',
  defaults: polyclDefaults,
  derivedDefaults: (input) => ({ tau: polyclTau(input.batchSize ?? polyclDefaults.batchSize) }),
  create: (ctx) => polyclRun(ctx, polyclO, 'organ'),
};
