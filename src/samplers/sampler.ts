import { Rng } from '../util/rng.js';

/**
 * The sampler contract.
 *
 * A sampler decides what goes into each batch. `epoch(e)` is a PURE function of (seed, e): the same seed and epoch
 * give the same batches, in any call order, so the only state needed to resume exactly is the position
 * (epoch, batch) — see SamplerCursor.
 *
 * Coverage: within one epoch every sample of the data set (every eligible sample, where a sampler excludes some:
 * each documents which) appears in at least one batch. Samplers with full batches complete the last batch with
 * samples already drawn this epoch, so a few samples appear twice; `last: 'keep'` instead leaves a smaller last
 * batch (every sample exactly once) and `last: 'drop'` drops it (coverage then NOT guaranteed).
 */
export interface Batch<T> {
  /** the epoch this batch belongs to */
  epoch: number;
  /** 0-based position of the batch in its epoch */
  index: number;
  items: T[];
}

export interface Sampler<T> {
  readonly name: string;
  readonly seed: number;
  /** the batches of epoch e (e >= 0 integer), deterministic given (seed, e) */
  epoch(e: number): Batch<T>[];
}

/** how the last, partial batch of an epoch is handled */
export type LastBatchPolicy = 'fill' | 'keep' | 'drop';

export const LAST_BATCH_POLICIES: readonly LastBatchPolicy[] = ['fill', 'keep', 'drop'];

/** the stream of epoch e: a fresh generator keyed by (seed, e), independent of how many epochs ran before */
export function epochRng(seed: number, epoch: number): Rng {
  // multiplying by an odd 64-bit constant is a bijection on seeds; Rng's splitmix64 seeding then mixes the bits.
  return new Rng(BigInt.asUintN(64, BigInt(seed) * 0x9e3779b97f4a7c15n + BigInt(epoch)));
}

export function checkSeed(sampler: string, seed: number): void {
  if (!Number.isSafeInteger(seed)) throw new Error(`${sampler}: seed: expected an integer, got ${seed}`);
}

export function checkEpoch(sampler: string, e: number): void {
  if (!Number.isSafeInteger(e) || e < 0) throw new Error(`${sampler}: epoch: expected an integer >= 0, got ${e}`);
}

export function checkPositiveInt(sampler: string, field: string, v: number): void {
  if (!Number.isSafeInteger(v) || v < 1) throw new Error(`${sampler}: ${field}: expected an integer >= 1, got ${v}`);
}

export function checkLastPolicy(sampler: string, last: string): void {
  if (!LAST_BATCH_POLICIES.includes(last as LastBatchPolicy))
    throw new Error(`${sampler}: last: expected "fill" | "keep" | "drop", got ${JSON.stringify(last)}`);
}

/**
 * Cuts a shuffled epoch order into batches of `batchSize`. The last partial batch is
 * - `fill`: completed with distinct entries drawn at random (from `rng`) among those earlier in the order,
 * - `keep`: kept smaller,
 * - `drop`: dropped.
 * With `fill`, the order must hold at least batchSize entries (checked by the callers' validation).
 */
export function chunkOrder(order: readonly number[], batchSize: number, last: LastBatchPolicy, rng: Rng): number[][] {
  const batches: number[][] = [];
  const full = Math.floor(order.length / batchSize);
  for (let b = 0; b < full; b++) batches.push(order.slice(b * batchSize, (b + 1) * batchSize));
  const rest = order.slice(full * batchSize);
  if (rest.length > 0) {
    if (last === 'keep') batches.push(rest);
    else if (last === 'fill') {
      const earlier = order.slice(0, full * batchSize);
      batches.push(rest.concat(rng.sample(earlier, batchSize - rest.length)));
    }
  }
  return batches;
}

export function toBatches<T>(epoch: number, groups: readonly T[][]): Batch<T>[] {
  return groups.map((items, index) => ({ epoch, index, items }));
}

/** where a SamplerCursor stands: a plain JSON object to store in checkpoints */
export interface SamplerState {
  sampler: string;
  seed: number;
  /** the epoch of the next batch */
  epoch: number;
  /** the index, within that epoch, of the next batch */
  batch: number;
}

/**
 * Walks a sampler batch after batch across epochs, and saves/restores its position for exact resume.
 * Because `epoch(e)` is pure, restoring {epoch, batch} reproduces exactly the batches an uninterrupted run sees.
 */
export class SamplerCursor<T> {
  private epochNo = 0;
  private batchNo = 0;
  private cache: { epoch: number; batches: Batch<T>[] } | undefined;

  constructor(readonly sampler: Sampler<T>) {}

  /** the next batch (moving to the next epoch after the last batch of this one) */
  next(): Batch<T> {
    for (;;) {
      const batches = this.batchesOf(this.epochNo);
      if (batches.length === 0) throw new Error(`${this.sampler.name}: epoch ${this.epochNo} has no batches`);
      if (this.batchNo < batches.length) return batches[this.batchNo++]!;
      this.epochNo++;
      this.batchNo = 0;
    }
  }

  /** the remaining batches of the current epoch, then moves to the start of the next one */
  restOfEpoch(): Batch<T>[] {
    const out = this.batchesOf(this.epochNo).slice(this.batchNo);
    this.epochNo++;
    this.batchNo = 0;
    return out;
  }

  getState(): SamplerState {
    return { sampler: this.sampler.name, seed: this.sampler.seed, epoch: this.epochNo, batch: this.batchNo };
  }

  setState(state: SamplerState): void {
    if (state.sampler !== this.sampler.name || state.seed !== this.sampler.seed)
      throw new Error(
        `SamplerCursor.setState: state is for sampler ${state.sampler} seed ${state.seed}, this cursor is ${this.sampler.name} seed ${this.sampler.seed}`,
      );
    checkEpoch('SamplerCursor.setState', state.epoch);
    if (!Number.isSafeInteger(state.batch) || state.batch < 0)
      throw new Error(`SamplerCursor.setState: batch: expected an integer >= 0, got ${state.batch}`);
    this.epochNo = state.epoch;
    this.batchNo = state.batch;
  }

  private batchesOf(e: number): Batch<T>[] {
    if (this.cache?.epoch !== e) this.cache = { epoch: e, batches: this.sampler.epoch(e) };
    return this.cache.batches;
  }
}
