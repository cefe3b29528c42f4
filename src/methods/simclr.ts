import { RandomSampler } from '../samplers/random.js';
import { identityRelation } from '../relations/index.js';
import type { SliceMethodDefinition } from './method.js';
import { multiPositiveRun } from './multi-positive.js';

/** SimCLR (Chen et al. 2020): positives are the two views of the same image only. CL-TCI's baseline settings. */
export const simclr: SliceMethodDefinition = {
  name: 'simclr',
  encoder: 'backbone',
  backbones: ['unet', 'deeplabv3plus'],
  finetuneRecipe: 'cltci',
  summary: 'two augmentations of the same image',
  paper: 'SimCLR: Chen, Kornblith, Norouzi & Hinton, ICML 2020; a baseline of CL-TCI (Zeng et al. 2021)',
  defaults: { batchSize: 32, lr: 0.1, tau: 0.1, weightDecay: 1e-5, warmupEpochs: 10, augment: 'cltci' },
  create(ctx) {
    const sampler = new RandomSampler({
      size: ctx.dataset.length,
      batchSize: ctx.config.batchSize,
      seed: ctx.config.seed,
    });
    return multiPositiveRun(ctx, sampler, (meta) => identityRelation(meta));
  },
};
