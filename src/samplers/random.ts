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

export interface RandomSamplerOptions {
  /** number of samples in the data set; batches hold indices 0..size-1 */
  size: number;
  batchSize: number;
  seed: number;
  /** the last partial batch; default 'fill' (every batch full, see sampler.ts) */
  last?: LastBatchPolicy;
}

/** Plain shuffled batches (SimCLR, MoCo, fine-tuning): a fresh permutation of the data set every epoch. */
export class RandomSampler implements Sampler<number> {
  readonly name = 'random';
  readonly seed: number;
  readonly size: number;
  readonly batchSize: number;
  readonly last: LastBatchPolicy;

  constructor(options: RandomSamplerOptions) {
    const { size, batchSize, seed, last = 'fill' } = options;
    checkSeed(this.name, seed);
    checkPositiveInt(this.name, 'batchSize', batchSize);
    checkLastPolicy(this.name, last);
    if (!Number.isSafeInteger(size) || size < 0) throw new Error(`random: size: expected an integer >= 0, got ${size}`);
    if (size === 0) throw new Error('random: the data set is empty');
    if (last === 'fill' && size < batchSize)
      throw new Error(
        `random: needs at least batchSize=${batchSize} samples to fill a batch; data set has ${size} (use last: "keep" or a smaller batch)`,
      );
    if (last === 'drop' && size < batchSize)
      throw new Error(`random: batchSize=${batchSize} > ${size} samples with last: "drop" gives no batch at all`);
    this.size = size;
    this.batchSize = batchSize;
    this.seed = seed;
    this.last = last;
  }

  epoch(e: number): Batch<number>[] {
    checkEpoch(this.name, e);
    const rng = epochRng(this.seed, e);
    return toBatches(e, chunkOrder(rng.permutation(this.size), this.batchSize, this.last, rng));
  }
}
