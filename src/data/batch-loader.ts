/**
 * What the pre-training loop needs to load a method's batches ahead (src/train/pretrain-loop.ts): the data a step
 * reads, made resident before the step and released after it, with a bounded window of batches loaded ahead.
 * Data sets that stream (a SliceDataset built with loaderWorkers > 0, the DrasCLR patch store) give one.
 */
import type { ResidentCache } from './resident-cache.js';

export interface BatchLoader<B> {
  /** starts loading what step(batch) reads; never waits */
  prefetch(batch: B): void;
  /** resolves when step(batch) reads everything without waiting (loading what was not prefetched) */
  ready(batch: B): Promise<void>;
  /** step(batch) is done: its data may be evicted */
  release(batch: B): void;
}

/** A batch loader over a resident cache: a batch's keys are `keysOf(batch)` (duplicates counted once). */
export function cacheBatchLoader<B, V>(
  cache: ResidentCache<V>,
  keysOf: (batch: B) => Iterable<number>,
): BatchLoader<B> {
  const keys = (b: B): number[] => [...new Set(keysOf(b))];
  return {
    prefetch: (b) => cache.prefetch(keys(b)),
    ready: (b) => cache.ready(keys(b)),
    release: (b) => cache.release(keys(b)),
  };
}
