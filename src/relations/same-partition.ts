import type { RelationMask } from './mask.js';
import { maskFromPredicate } from './mask.js';
import type { SampleMeta } from './meta.js';
import { sliceGeometry } from './slice-geometry.js';

import { GCL_PARTITIONS } from '../preprocess/presets.js';

/** GCL splits every volume into GCL_PARTITIONS (4) partitions along z */
export { GCL_PARTITIONS };

export interface SamePartitionRelationOptions {
  /** number of equal z-partitions per volume; default 4 */
  partitions?: number;
}

/**
 * The partition of slice m (0-based) of n slices: floor(m * P / n). When n is not a multiple of P the partitions
 * differ in size by at most one slice (e.g. n = 10, P = 4: sizes 3, 2, 3, 2).
 */
export function slicePartition(
  sliceIndex: number,
  slicesInVolume: number,
  partitions: number = GCL_PARTITIONS,
): number {
  return Math.floor((sliceIndex * partitions) / slicesInVolume);
}

/** GCL (baseline in PCL): slices are positives when their partition ids are equal, across volumes. */
export function samePartitionRelation(
  samples: readonly SampleMeta[],
  options: SamePartitionRelationOptions = {},
): RelationMask {
  const parts = options.partitions ?? GCL_PARTITIONS;
  if (!Number.isInteger(parts) || parts < 1)
    throw new Error(`samePartitionRelation: partitions: expected an integer >= 1, got ${parts}`);
  const pid = samples.map((_, i) => {
    const { m, n } = sliceGeometry('samePartitionRelation', samples, i);
    return slicePartition(m, n, parts);
  });
  return maskFromPredicate(samples.length, (i, j) => pid[i] === pid[j]);
}
