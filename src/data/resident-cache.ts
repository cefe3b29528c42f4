/**
 * The in-memory side of loading off the main thread: values by integer key (a volume, a patch), loaded on request
 * (in worker threads or by asynchronous reads), held while pinned, and kept afterwards while their bytes fit under
 * `capBytes`, least recently used evicted first.
 *
 * - `prefetch(keys)` pins the keys and starts loading those not resident; it never waits.
 * - `ready(keys)` resolves once all of them are resident (a key nobody prefetched is loaded then); the first failed
 *   load rejects it with that load's error.
 * - `get(key)` is the synchronous lookup of the step: the resident value, else `loadSync` where the source has one
 *   (the patch store's read), else an error saying the key was not made ready.
 * - `release(keys)` unpins them (one pin per prefetch); unpinned values are evicted down to the cap.
 * Pinned values are never evicted, so the cap is exceeded while more than it is pinned (the window of batches
 * ahead). Values never depend on when a load finishes: only whether a lookup waits does.
 */
export interface ResidentSource<V> {
  load(key: number): Promise<V>;
  /** bytes a value holds (for the cap) */
  bytes(value: V): number;
  /** a synchronous load for keys nobody prefetched (absent: such a lookup is an error) */
  loadSync?(key: number): V;
  /** names a key in messages */
  describe(key: number): string;
}

interface Entry<V> {
  value?: V;
  error?: Error;
  promise: Promise<void>;
  pins: number;
  bytes: number;
}

export class ResidentCache<V> {
  /** insertion order = recency order (a use moves the entry to the end) */
  private readonly entries = new Map<number, Entry<V>>();
  private residentBytes = 0;
  /** loads started (for tests and benches: how much was read) */
  loads = 0;

  constructor(
    private readonly source: ResidentSource<V>,
    readonly capBytes: number,
  ) {
    if (!(capBytes >= 0)) throw new RangeError(`ResidentCache: capBytes must be >= 0, got ${capBytes}`);
  }

  private start(key: number): Entry<V> {
    const e: Entry<V> = { pins: 0, bytes: 0, promise: Promise.resolve() };
    this.loads++;
    e.promise = this.source.load(key).then(
      (v) => {
        e.value = v;
        e.bytes = this.source.bytes(v);
        this.residentBytes += e.bytes;
      },
      (err: unknown) => {
        e.error = err instanceof Error ? err : new Error(String(err));
      },
    );
    this.entries.set(key, e);
    return e;
  }

  private touch(key: number): Entry<V> {
    const e = this.entries.get(key) ?? this.start(key);
    this.entries.delete(key);
    this.entries.set(key, e);
    return e;
  }

  /** Holds `value` (loaded elsewhere, e.g. by a data set's first pass) unpinned, as if loaded. */
  put(key: number, value: V): void {
    if (this.entries.has(key)) return;
    const bytes = this.source.bytes(value);
    this.entries.set(key, { value, bytes, pins: 0, promise: Promise.resolve() });
    this.residentBytes += bytes;
    this.evict();
  }

  prefetch(keys: Iterable<number>): void {
    for (const k of keys) this.touch(k).pins++;
  }

  async ready(keys: Iterable<number>): Promise<void> {
    const list = [...keys].map((k) => this.touch(k));
    await Promise.all(list.map((e) => e.promise));
    const failed = list.find((e) => e.error);
    if (failed) throw failed.error!;
  }

  get(key: number): V {
    const e = this.entries.get(key);
    if (e?.value !== undefined) return e.value;
    if (e?.error) throw e.error;
    if (!this.source.loadSync)
      throw new Error(`loader: ${this.source.describe(key)} was read before it was made ready (a bug: report it)`);
    return this.source.loadSync(key);
  }

  release(keys: Iterable<number>): void {
    for (const k of keys) {
      const e = this.entries.get(k);
      if (e && e.pins > 0) e.pins--;
    }
    this.evict();
  }

  private evict(): void {
    for (const [k, e] of this.entries) {
      if (this.residentBytes <= this.capBytes) return;
      if (e.pins > 0 || e.value === undefined) continue;
      this.entries.delete(k);
      this.residentBytes -= e.bytes;
    }
  }

  /** bytes of the values held now */
  get bytes(): number {
    return this.residentBytes;
  }

  /** loads in flight, awaited (after a close of the source they have all settled) */
  async settle(): Promise<void> {
    await Promise.all([...this.entries.values()].map((e) => e.promise));
  }
}
