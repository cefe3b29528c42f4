/**
 * `MomentumEncoder`: MoCo's key encoder, a copy of the query encoder whose weights follow an exponential moving
 * average of the query's, `θ_k ← m θ_k + (1 − m) θ_q` with m = 0.999 (MoCo, DrasCLR), applied by `update()` after
 * EVERY optimiser step. The key copy never requires gradients and runs under `noGrad`. Buffers (BatchNorm running
 * statistics) are copied from the query at each update.
 *
 * ```ts
 * const enc = new MomentumEncoder(new Net(), () => new Net());   // key = a copy loaded with the query's state
 * const opt = new optim.SGD(enc.query.parameters(), { lr: 0.03, momentum: 0.9 });
 * // each step: q = enc.forwardQuery(x1); k = enc.forwardKey(x2); loss...; opt.step(); enc.update();
 * ```
 */
import { full, noGrad, nn, type Tensor } from '../engine/index.js';

/** m as a function of the number of updates done so far (0, 1, 2, ...). */
export type MomentumSchedule = (update: number) => number;

export interface MomentumEncoderOptions {
  /** m in θ_k ← m θ_k + (1 − m) θ_q: a constant (default 0.999, MoCo) or a schedule of the update count */
  momentum?: number | MomentumSchedule;
  /** copy the query's buffers (e.g. BatchNorm running statistics) into the key encoder at each update (default true) */
  copyBuffers?: boolean;
}

/** MoCo's key-encoder momentum. */
export const MOCO_MOMENTUM = 0.999;

type Pair = { name: string; key: Tensor; query: Tensor };

function pairUp(kind: string, key: [string, Tensor][], query: [string, Tensor][]): Pair[] {
  const q = new Map(query);
  if (key.length !== query.length) {
    throw new Error(`MomentumEncoder: the key copy has ${key.length} ${kind}, the query ${query.length}`);
  }
  return key.map(([name, k]) => {
    const qt = q.get(name);
    if (!qt) throw new Error(`MomentumEncoder: the key copy has ${kind.slice(0, -1)} "${name}" that the query lacks`);
    if (k.shape.join(',') !== qt.shape.join(',') || k.dtype !== qt.dtype || k.device !== qt.device) {
      throw new Error(
        `MomentumEncoder: "${name}" is [${k.shape.join(', ')}] ${k.dtype} on ${k.device} in the key copy, ` +
          `[${qt.shape.join(', ')}] ${qt.dtype} on ${qt.device} in the query`,
      );
    }
    if (k.sameData(qt)) {
      throw new Error(`MomentumEncoder: "${name}" shares memory with the query; the factory must build a new module`);
    }
    return { name, key: k, query: qt };
  });
}

function checkMomentum(m: number, update: number): number {
  if (!Number.isFinite(m) || m < 0 || m > 1) {
    throw new RangeError(`MomentumEncoder: momentum must be in [0, 1], got ${m} at update ${update}`);
  }
  return m;
}

export class MomentumEncoder<M extends nn.Module> extends nn.Module {
  /** the trained encoder (give its parameters to the optimiser) */
  readonly query: M;
  /** the EMA copy; its parameters never require grad */
  readonly key: M;
  readonly copyBuffers: boolean;
  private schedule: MomentumSchedule;
  private readonly paramPairs: Pair[];
  private readonly bufferPairs: Pair[];
  private readonly numUpdates: Tensor;
  private updatesDone = 0;

  /**
   * @param query the encoder to train
   * @param makeKey builds a fresh module of the same architecture; the query's state is loaded into it (its own
   *   initialisation is irrelevant), then it is moved to the query's device and frozen.
   */
  constructor(query: M, makeKey: () => M, opts: MomentumEncoderOptions = {}) {
    super();
    const m = opts.momentum ?? MOCO_MOMENTUM;
    if (typeof m === 'number') checkMomentum(m, 0);
    else if (typeof m !== 'function') throw new TypeError('MomentumEncoder: momentum must be a number or a function');
    this.schedule = typeof m === 'number' ? () => m : m;
    this.copyBuffers = opts.copyBuffers ?? true;
    const key = makeKey();
    if (!(key instanceof nn.Module)) throw new TypeError('MomentumEncoder: makeKey must return an nn.Module');
    if (key === query)
      throw new Error('MomentumEncoder: makeKey returned the query itself; it must build a new module');
    const first = query.parameters()[0] ?? query.buffers()[0];
    if (first) key.to({ device: first.device });
    key.loadStateDict(query.stateDict());
    this.paramPairs = pairUp('parameters', key.namedParameters(), query.namedParameters());
    this.bufferPairs = pairUp('buffers', key.namedBuffers(), query.namedBuffers());
    for (const { key: k } of this.paramPairs) k.requiresGrad = false;
    key.train(query.training);
    this.training = query.training;
    this.query = this.registerModule('query', query);
    this.key = this.registerModule('key', key);
    this.numUpdates = this.registerBuffer('num_updates', full([], 0, { dtype: 'int64', device: first?.device }));
  }

  /** How many updates were applied (restored by `loadStateDict`). */
  get updates(): number {
    return this.updatesDone;
  }

  /** The m the next `update()` will use. */
  get momentum(): number {
    return checkMomentum(this.schedule(this.updatesDone), this.updatesDone);
  }

  /** Replaces the momentum: a constant or a schedule of the update count. */
  setMomentum(m: number | MomentumSchedule): void {
    if (typeof m === 'number') checkMomentum(m, this.updatesDone);
    this.schedule = typeof m === 'number' ? () => m : m;
  }

  /**
   * θ_k ← m θ_k + (1 − m) θ_q for every parameter, in place (lerp: θ_k + (1 − m)(θ_q − θ_k); exact copies at m = 0,
   * untouched at m = 1), then copies the buffers. Call after every optimiser step. Returns the m used.
   */
  update(): number {
    const m = this.momentum;
    noGrad(() => {
      for (const { key, query } of this.paramPairs) {
        if (m === 0) key.copy_(query);
        else if (m !== 1) key.lerp_(query, 1 - m);
      }
      if (this.copyBuffers) for (const { key, query } of this.bufferPairs) key.copy_(query);
      this.numUpdates.add_(1);
    });
    this.updatesDone++;
    return m;
  }

  /** The query encoder's forward (with gradients). */
  forwardQuery(...args: Parameters<M['forward']>): ReturnType<M['forward']> {
    return this.query.forward(...args) as ReturnType<M['forward']>;
  }

  /** The key encoder's forward, under `noGrad`: its outputs never carry gradients. */
  forwardKey(...args: Parameters<M['forward']>): ReturnType<M['forward']> {
    return noGrad(() => this.key.forward(...args)) as ReturnType<M['forward']>;
  }

  /** Same as `forwardQuery`: the wrapper trains like the encoder it wraps. */
  forward(...args: Parameters<M['forward']>): ReturnType<M['forward']> {
    return this.forwardQuery(...args);
  }

  /** Loads "query.*", "key.*" and "num_updates" (a checkpoint of both encoders), and restores the update count. */
  override loadStateDict(
    sd: Map<string, Tensor> | Record<string, Tensor>,
    opts: { strict?: boolean } = {},
  ): nn.LoadStateDictResult {
    const r = super.loadStateDict(sd, opts);
    this.updatesDone = this.numUpdates.item();
    for (const { key: k } of this.paramPairs) k.requiresGrad = false;
    return r;
  }
}
