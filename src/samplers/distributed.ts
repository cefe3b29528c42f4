/**
 * Data-parallel sharding of any sampler: every rank computes the same global batches (a pure function of
 * (seed, epoch), so the ranks agree without talking) and takes its own contiguous slice of each, so the shards of a
 * step are disjoint and together they are exactly the batch one process would draw. A batch whose size is not a
 * multiple of the world size is first padded by repeating its first items (torch's DistributedSampler pads the same
 * way), so every rank gets the same number of items. Contiguous slices keep sampler groups (CL-TCI's images of one
 * patient, PolyCL's triplets) together when the per-rank size is a multiple of the group.
 */
import type { Batch, Sampler } from './sampler.js';

export interface ShardedBatch<T> extends Batch<T> {
  /** the global batch (padded to a multiple of the world size): what all ranks see together this step */
  global: T[];
  rank: number;
  worldSize: number;
}

/** rank `rank`'s contiguous share of `items` padded to a multiple of `worldSize`, and the padded list */
export function shardItems<T>(items: readonly T[], rank: number, worldSize: number): { local: T[]; global: T[] } {
  if (items.length === 0) return { local: [], global: [] };
  const global = [...items];
  for (let i = 0; global.length % worldSize !== 0; i++) global.push(items[i % items.length]!);
  const n = global.length / worldSize;
  return { local: global.slice(rank * n, (rank + 1) * n), global };
}

export class DistributedSampler<T, B extends Batch<T> = Batch<T>> implements Sampler<T> {
  readonly name: string;
  readonly seed: number;

  constructor(
    readonly inner: Sampler<T> & { epoch(e: number): B[] },
    readonly rank: number,
    readonly worldSize: number,
  ) {
    if (!Number.isInteger(worldSize) || worldSize < 1)
      throw new Error(`distributed sampler: worldSize: expected an integer >= 1, got ${worldSize}`);
    if (!Number.isInteger(rank) || rank < 0 || rank >= worldSize)
      throw new Error(`distributed sampler: rank: expected an integer in 0..${worldSize - 1}, got ${rank}`);
    this.name = inner.name;
    this.seed = inner.seed;
  }

  epoch(e: number): (B & ShardedBatch<T>)[] {
    return this.inner.epoch(e).map((b) => {
      const { local, global } = shardItems(b.items, this.rank, this.worldSize);
      // other fields of the inner batch (a landmark, its neighbours) are the step's, the same on every rank
      return { ...b, items: local, global, rank: this.rank, worldSize: this.worldSize } as B & ShardedBatch<T>;
    });
  }
}

/** the batch's global items when it is a shard of a data-parallel step, else its own items */
export function globalItems<T>(batch: Batch<T>): T[] {
  return (batch as Partial<ShardedBatch<T>>).global ?? batch.items;
}
