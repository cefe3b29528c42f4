/**
 * The pre-training loop's window of batches loaded ahead (docs/data-loading.md): the sampler is a pure function of
 * (seed, epoch), so the batches of the coming steps are known; before each step the window asks the data set's
 * loader for the next `depth` batches (it starts their loads and never waits), then waits only for the step's own
 * batch, which was asked for `depth` steps earlier. After the step its data is released. What a step reads never
 * depends on the window, only whether it waits.
 */
import type { BatchLoader } from '../data/batch-loader.js';

/** batches loaded ahead of the running step by default */
export const DEFAULT_PREFETCH_DEPTH = 3;

/** `epochOf(e)` remembered for the current and the next epoch, so the loop and its window share the batch objects. */
export function epochBatches<B>(epochOf: (e: number) => B[]): (e: number) => B[] {
  const memo = new Map<number, B[]>();
  return (e) => {
    let b = memo.get(e);
    if (!b) {
      b = epochOf(e);
      memo.set(e, b);
      for (const k of memo.keys()) if (k < e - 1) memo.delete(k);
    }
    return b;
  };
}

export class PrefetchWindow<B> {
  /** asked for, not yet run */
  private readonly ahead: B[] = [];

  constructor(
    private readonly loader: BatchLoader<B>,
    private readonly depth: number,
    private readonly future: Iterator<B>,
  ) {
    if (!Number.isInteger(depth) || depth < 0)
      throw new RangeError(`prefetch depth must be an integer >= 0, got ${depth}`);
  }

  /** asks for batches until `n` are waiting */
  private fill(n: number): void {
    while (this.ahead.length < n) {
      const next = this.future.next();
      if (next.done) return;
      this.loader.prefetch(next.value);
      this.ahead.push(next.value);
    }
  }

  /** Resolves when `batch` (the next one of the sequence) can run without waiting; asks for the ones after it. */
  async ready(batch: B): Promise<void> {
    this.fill(1);
    if (this.ahead[0] !== batch) throw new Error('prefetch: the loop ran a batch out of the sampler order (a bug)');
    this.ahead.shift();
    // held: this batch and the next `depth`
    this.fill(this.depth);
    try {
      await this.loader.ready(batch);
    } catch (e) {
      this.loader.release(batch);
      throw e;
    }
  }

  /** the step of `batch` is done */
  done(batch: B): void {
    this.loader.release(batch);
  }

  /** releases the batches asked for and not run (the loop stopped early) */
  close(): void {
    for (const b of this.ahead.splice(0)) this.loader.release(b);
  }
}
