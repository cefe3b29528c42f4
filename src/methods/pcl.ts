import { AcrossVolumesSampler } from '../samplers/across-volumes.js';
import { positionRelation, samePartitionRelation } from '../relations/index.js';
import type { SliceMethodDefinition } from './method.js';
import { multiPositiveRun } from './multi-positive.js';
import { GCL_PARTITIONS, PCL_POSITION_THRESHOLD } from '../preprocess/presets.js';

/**
 * PCL's pre-training recipe (Zeng et al., MICCAI 2021, §4.1): "200 epochs. SGD is used as the optimizer and the
 * learning rate is set to 0.1. We use cosine learning rate scheduler, batch size is set to 32. Temperature τ is set
 * to 0.1"; no warm-up is stated, so none (CL-TCI's 10 warm-up epochs are CL-TCI's). GCL, PCL's baseline, is trained
 * the same way ("all of which use the same ... pre-training", §4.1 Baselines).
 */
const pclRecipe = {
  epochs: 200,
  batchSize: 32,
  optimizer: 'sgd' as const,
  lr: 0.1,
  schedule: 'cosine-warmup' as const,
  warmupEpochs: 0,
  tau: 0.1,
  preset: 'ct-pcl' as const,
  augment: 'pcl' as const,
};

/**
 * PCL (Zeng et al., MICCAI 2021; docs/methods.md §2.5): 2D slices drawn across volumes; two slices are positives when
 * their relative positions (index + 1) / n differ by less than t (0.1 for CT, 0.35 for MRI), whatever the volume.
 */
export const pcl: SliceMethodDefinition = {
  name: 'pcl',
  encoder: 'backbone',
  backbones: ['unet', 'deeplabv3plus'],
  finetuneRecipe: 'pcl',
  summary: 'slices at nearby relative positions, across volumes',
  paper:
    'PCL: Zeng, Wu, Hu, Xu, Yuan, Huang, Zhuang, Hu & Shi, "Positional Contrastive Learning for Volumetric ' +
    'Medical Image Segmentation", MICCAI 2021',
  defaults: { ...pclRecipe, positionThreshold: PCL_POSITION_THRESHOLD.ct },
  create(ctx) {
    const { config: cfg, dataset: ds } = ctx;
    const sampler = new AcrossVolumesSampler({ volumes: ds.volumes, batchSize: cfg.batchSize, seed: cfg.seed });
    return multiPositiveRun(ctx, sampler, (meta) => positionRelation(meta, { threshold: cfg.positionThreshold }));
  },
};

/** GCL, PCL's baseline: each volume split into 4 equal z-partitions; same partition id (across volumes) = positive. */
export const gcl: SliceMethodDefinition = {
  name: 'gcl',
  encoder: 'backbone',
  backbones: ['unet', 'deeplabv3plus'],
  finetuneRecipe: 'pcl',
  summary: 'slices in the same z-partition (of 4), across volumes',
  paper:
    'GCL (global contrastive loss): Chaitanya, Erdil, Karani & Konukoglu, NeurIPS 2020; a baseline of PCL ' +
    '(Zeng et al., MICCAI 2021)',
  defaults: { ...pclRecipe, partitions: GCL_PARTITIONS },
  create(ctx) {
    const { config: cfg, dataset: ds } = ctx;
    const sampler = new AcrossVolumesSampler({ volumes: ds.volumes, batchSize: cfg.batchSize, seed: cfg.seed });
    return multiPositiveRun(ctx, sampler, (meta) => samePartitionRelation(meta, { partitions: cfg.partitions }));
  },
};
