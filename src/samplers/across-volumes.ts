import {
  checkEpoch,
  checkLastPolicy,
  checkPositiveInt,
  checkSeed,
  chunkOrder,
  epochRng,
  toBatches,
  type Batch,
  type LastBatchPolicy,
  type Sampler,
} from './sampler.js';
import { SliceIndex, type SliceRef, type VolumeInfo } from './slices.js';

export interface AcrossVolumesSamplerOptions {
  volumes: readonly VolumeInfo[];
  batchSize: number;
  seed: number;
  /** the last partial batch; default 'fill' (see sampler.ts) */
  last?: LastBatchPolicy;
}

/**
 * PCL / GCL batches: 2D slices drawn at random across all volumes. Each epoch is a fresh permutation of every slice
 * of every volume (every slice appears once, plus the fill of the last batch), so a batch mixes volumes and
 * positions. Each item carries its volume, slice index and slices in volume for positionRelation /
 * samePartitionRelation.
 */
export class AcrossVolumesSampler implements Sampler<SliceRef> {
  readonly name = 'acrossVolumes';
  readonly seed: number;
  readonly batchSize: number;
  readonly last: LastBatchPolicy;
  readonly slices: SliceIndex;

  constructor(options: AcrossVolumesSamplerOptions) {
    const { volumes, batchSize, seed, last = 'fill' } = options;
    checkSeed(this.name, seed);
    checkPositiveInt(this.name, 'batchSize', batchSize);
    checkLastPolicy(this.name, last);
    this.slices = new SliceIndex(this.name, volumes);
    if (last !== 'keep' && this.slices.total < batchSize)
      throw new Error(
        `acrossVolumes: needs at least batchSize=${batchSize} slices for a full batch; ${volumes.length} volumes hold ${this.slices.total} (use last: "keep" or a smaller batch)`,
      );
    this.seed = seed;
    this.batchSize = batchSize;
    this.last = last;
  }

  epoch(e: number): Batch<SliceRef>[] {
    checkEpoch(this.name, e);
    const rng = epochRng(this.seed, e);
    const groups = chunkOrder(rng.permutation(this.slices.total), this.batchSize, this.last, rng);
    return toBatches(
      e,
      groups.map((g) => g.map((id) => this.slices.ref(id))),
    );
  }
}
