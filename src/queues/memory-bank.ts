/**
 * `MemoryBank`: one stored embedding per training image (Wu et al. 2018; PIRL, Misra & van der Maaten 2020), used by
 * the PIRL baseline. Row I holds m_I, an exponential moving average of f(v_I) over the epochs; negatives are rows of
 * other images drawn uniformly with a seeded generator.
 *
 * ```ts
 * const bank = new MemoryBank({ size: dataset.length, dim: 128, seed: 1 });
 * const mI = bank.get(indices);                         // (B, D), no gradient
 * const negatives = bank.negatives(indices, 4096);      // (B, 4096, D), never the image itself
 * // ... loss ...
 * bank.update(indices, fvI);                            // m_I <- 0.5 m_I + 0.5 f(v_I), re-normalised
 * ```
 */
import {
  currentDevice,
  F,
  Generator,
  keep,
  noGrad,
  randint,
  randn,
  tensor,
  tidy,
  type DType,
  type Tensor,
} from '../engine/index.js';
import { StateReader } from './state.js';

/** PIRL's memory-bank EMA weight of the old entry ("m_I = 0.5 m_I + 0.5 f(v_I)") */
export const PIRL_BANK_MOMENTUM = 0.5;

export interface MemoryBankOptions {
  /** number of entries: one per training image */
  size: number;
  /** embedding dimension (PIRL: 128) */
  dim: number;
  /** weight of the old entry in the EMA update, in [0, 1): m <- momentum·m + (1 - momentum)·f (default 0.5, PIRL) */
  momentum?: number;
  /** seed of the bank's generator: random unit-vector initialisation and negative sampling */
  seed?: number;
  /** default "cpu" */
  device?: string;
  /** default float32 */
  dtype?: DType;
  /** L2-normalise each entry after an update (default true, as Wu et al.; the losses assume unit vectors) */
  normalize?: boolean;
}

function toIndex(owner: string, indices: Tensor | readonly number[], size: number, device: string): Tensor {
  const values = Array.isArray(indices) ? (indices as readonly number[]) : (indices as Tensor).toArray();
  if (!Array.isArray(indices) && (indices as Tensor).ndim !== 1)
    throw new RangeError(`${owner}: indices must be 1-D, got shape [${(indices as Tensor).shape.join(', ')}]`);
  for (const v of values)
    if (!Number.isInteger(v) || v < 0 || v >= size)
      throw new RangeError(`${owner}: index ${v} outside the bank's 0..${size - 1}`);
  return tensor([...values], { dtype: 'int64', device });
}

export class MemoryBank {
  readonly size: number;
  readonly dim: number;
  readonly momentum: number;
  readonly device: string;
  readonly normalize: boolean;
  /** (size, dim) the entries; kept (no scope disposes it), never requires grad */
  readonly features: Tensor;
  /** the stream used for negative sampling (save its state to resume exactly) */
  readonly generator: Generator;

  constructor(opts: MemoryBankOptions) {
    const { size, dim } = opts;
    if (!Number.isInteger(size) || size < 2)
      throw new RangeError(`MemoryBank: size must be an integer ≥ 2 (negatives are other entries), got ${size}`);
    if (!Number.isInteger(dim) || dim < 1)
      throw new RangeError(`MemoryBank: dim must be a positive integer, got ${dim}`);
    const momentum = opts.momentum ?? PIRL_BANK_MOMENTUM;
    if (!(momentum >= 0 && momentum < 1))
      throw new RangeError(`MemoryBank: momentum must be in [0, 1), got ${momentum}`);
    this.size = size;
    this.dim = dim;
    this.momentum = momentum;
    this.device = opts.device ?? currentDevice();
    this.normalize = opts.normalize ?? true;
    this.generator = new Generator(opts.seed ?? 0, this.device);
    const dtype = opts.dtype ?? 'float32';
    this.features = keep(
      tidy(() =>
        F.normalize(randn([size, dim], { generator: this.generator, dtype, device: this.device }), { dim: 1 }),
      ),
    );
  }

  /** (B, D) copies of the entries at `indices` (no gradient) */
  get(indices: Tensor | readonly number[]): Tensor {
    return tidy(() => this.features.indexSelect(0, toIndex('MemoryBank.get', indices, this.size, this.device)));
  }

  /** overwrites the entries at `indices` with `values` (B, D) (e.g. a first pass of f(v_I) over the data) */
  set(indices: Tensor | readonly number[], values: Tensor): void {
    this.write('MemoryBank.set', indices, values, false);
  }

  /** the EMA update after a step: m_I <- momentum·m_I + (1 - momentum)·f(v_I), then re-normalised */
  update(indices: Tensor | readonly number[], values: Tensor): void {
    this.write('MemoryBank.update', indices, values, true);
  }

  private write(owner: string, indices: Tensor | readonly number[], values: Tensor, ema: boolean): void {
    if (values.ndim !== 2 || values.shape[1] !== this.dim)
      throw new RangeError(`${owner}: values must have shape [batch, ${this.dim}], got [${values.shape.join(', ')}]`);
    tidy(() =>
      noGrad(() => {
        const idx = toIndex(owner, indices, this.size, this.device);
        const ids = idx.toArray();
        if (ids.length !== values.shape[0])
          throw new RangeError(`${owner}: ${ids.length} indices for ${values.shape[0]} rows of values`);
        if (new Set(ids).size !== ids.length) throw new RangeError(`${owner}: indices repeat an entry`);
        let rows = values.detach().to({ dtype: this.features.dtype, device: this.device });
        if (ema)
          rows = this.features
            .indexSelect(0, idx)
            .mul(this.momentum)
            .add(rows, 1 - this.momentum);
        if (this.normalize) rows = F.normalize(rows, { dim: 1 });
        this.features.indexCopy_(0, idx, rows);
      }),
    );
  }

  /**
   * (B, count) int64 rows drawn uniformly with replacement from the entries OTHER than each query's own index:
   * a draw r in [0, size - 1) maps to r + (r ≥ own), which is uniform over the size - 1 others.
   */
  sampleNegatives(indices: Tensor | readonly number[], count: number): Tensor {
    if (!Number.isInteger(count) || count < 1)
      throw new RangeError(`MemoryBank.sampleNegatives: count must be a positive integer, got ${count}`);
    return tidy(() => {
      const own = toIndex('MemoryBank.sampleNegatives', indices, this.size, this.device).reshape(-1, 1);
      const b = own.shape[0]!;
      const r = randint(0, this.size - 1, [b, count], {
        generator: this.generator,
        dtype: 'int64',
        device: this.device,
      });
      return r.add(r.ge(own).to({ dtype: 'int64' }));
    });
  }

  /** (B, count, D) entries of sampled negatives (see `sampleNegatives`), no gradient */
  negatives(indices: Tensor | readonly number[], count: number): Tensor {
    return tidy(() => {
      const rows = this.sampleNegatives(indices, count);
      const [b] = rows.shape as [number, number];
      return this.features.indexSelect(0, rows.reshape(-1)).reshape(b, count, this.dim);
    });
  }

  /** the tensors to checkpoint: the entries and the generator state */
  state(): Map<string, Tensor> {
    return new Map([
      ['features', this.features],
      ['generator', this.generator.getState()],
    ]);
  }

  /** restores `state()` */
  loadState(state: Map<string, Tensor>): void {
    const reader = new StateReader('MemoryBank.loadState', 'the bank', state);
    const f = reader.get('features', [this.size, this.dim]);
    const g = reader.get('generator');
    noGrad(() => this.features.copy_(f));
    this.generator.setState(g);
  }

  /** frees the entries */
  dispose(): void {
    this.features.dispose();
  }
}
