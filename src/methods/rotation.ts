/**
 * Rotation prediction (Gidaris et al. 2018), CL-TCI's baseline: the encoder learns to tell which of 0/90/180/270°
 * an image was rotated by; head = global average pool + a linear layer to 4 classes.
 */
import { noGrad, tidy, type Tensor } from '../engine/index.js';
import { RandomSampler } from '../samplers/random.js';
import { rotationBatch, rotationLoss, ROTATION_CLASSES } from '../losses/rotation.js';
import type { SliceMethodDefinition } from './method.js';
import { buildEncoder } from './common.js';
import { LinearHead } from '../models/heads.js';
import { contrastiveViews } from '../transforms/augment.js';
import { batchIds } from './multi-positive.js';
import { normalizeEmbeddings } from '../losses/float32.js';

export const rotation: SliceMethodDefinition = {
  name: 'rotation',
  encoder: 'backbone',
  backbones: ['unet', 'deeplabv3plus'],
  finetuneRecipe: 'cltci',
  summary: 'predict the rotation (0/90/180/270°) of an image',
  paper: 'Rotation prediction: Gidaris, Singh & Komodakis, ICLR 2018; a baseline of CL-TCI (Zeng et al. 2021)',
  defaults: { batchSize: 32, lr: 0.1, weightDecay: 1e-5, warmupEpochs: 10, augment: 'cltci' },
  create(ctx) {
    const { dataset: ds, config: cfg } = ctx;
    const encoder = buildEncoder(cfg);
    const head = new LinearHead(encoder.outChannels, ROTATION_CLASSES);
    const sampler = new RandomSampler({ size: ds.length, batchSize: cfg.batchSize, seed: cfg.seed });
    const logitsOf = (x: Tensor): Tensor => {
      const f = encoder.forward(x);
      const l = head.forward(f);
      f.dispose();
      return l;
    };
    return {
      modules: { encoder, head },
      sampler,
      step(batch, rng) {
        const ids = batchIds(batch);
        const [view] = contrastiveViews(ds.imageBatch(ids), rng, cfg.augment, 1);
        const rb = rotationBatch(view!);
        const loss = rotationLoss(logitsOf(rb.images), rb.labels);
        return { loss, images: rb.images.shape[0]! };
      },
      embed(images) {
        return noGrad(() =>
          tidy(() => {
            const f = encoder.forward(images);
            return normalizeEmbeddings(f.mean([2, 3]));
          }),
        );
      },
    };
  },
};
