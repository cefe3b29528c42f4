import { AcrossVolumesSampler } from '../samplers/across-volumes.js';
import { positionRelation, samePartitionRelation } from '../relations/index.js';
import type { MethodDefinition } from './method.js';
import { multiPositiveRun } from './multi-positive.js';

/**
 * PCL (004_9b43151e17369690.txt): 2D slices drawn across volumes; two slices are positives when their relative
 * positions (index + 1) / n differ by less than t (0.1 for CT, 0.35 for MRI), whatever the volume.
 */
export const pcl: MethodDefinition = {
  name: 'pcl',
  summary: 'slices at nearby relative positions, across volumes',
  paper: 'PCL (shared/seeds/004_9b43151e17369690.txt)',
  defaults: {
    batchSize: 32,
    lr: 0.1,
    tau: 0.1,
    positionThreshold: 0.1,
    preset: 'ct-pcl',
    augment: 'pcl',
    warmupEpochs: 10,
  },
  create(ctx) {
    const { config: cfg, dataset: ds } = ctx;
    const sampler = new AcrossVolumesSampler({ volumes: ds.volumes, batchSize: cfg.batchSize, seed: cfg.seed });
    return multiPositiveRun(ctx, sampler, (meta) => positionRelation(meta, { threshold: cfg.positionThreshold }));
  },
};

/** GCL, PCL's baseline: each volume split into 4 equal z-partitions; same partition id (across volumes) = positive. */
export const gcl: MethodDefinition = {
  name: 'gcl',
  summary: 'slices in the same z-partition (of 4), across volumes',
  paper: 'GCL, baseline in PCL (shared/seeds/004_9b43151e17369690.txt)',
  defaults: { batchSize: 32, lr: 0.1, tau: 0.1, partitions: 4, preset: 'ct-pcl', augment: 'pcl', warmupEpochs: 10 },
  create(ctx) {
    const { config: cfg, dataset: ds } = ctx;
    const sampler = new AcrossVolumesSampler({ volumes: ds.volumes, batchSize: cfg.batchSize, seed: cfg.seed });
    return multiPositiveRun(ctx, sampler, (meta) => samePartitionRelation(meta, { partitions: cfg.partitions }));
  },
};
