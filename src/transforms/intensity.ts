/**
 * Intensity augmentations: each draws one value per sample (uniform in its range) and is applied to a sample with
 * probability p; the label is copied unchanged. All work on the whole batch at once with per-sample (N, 1, 1, ...)
 * parameter tensors.
 *
 * - RandomGaussianNoise: x + σ·ε, σ ~ U(std), ε ~ N(0, 1) per pixel from an engine `Generator` seeded by the Rng.
 * - RandomBrightness: 'additive' x + b (default), or 'multiplicative' x · b (torchvision's adjust_brightness, used by
 *   the CL-TCI reference code).
 * - RandomContrast: m + c·(x - m), m = the sample's mean per channel (over the spatial dims); c > 1 raises contrast.
 * - RandomGamma: x^γ on [0, 1] intensities. `domain: 'unit'` (default) expects [0, 1] images and CLAMPS them to
 *   [0, 1] first (x^γ of a negative value is NaN for non-integer γ); `domain: 'minmax'` maps each sample's own
 *   [min, max] to [0, 1], applies the power and maps back (MONAI RandAdjustContrast; any intensity range; a constant
 *   sample is left as it is).
 */
import { Generator, randn, tensor, tidy, where, type Tensor } from '../engine/index.js';
import type { Rng } from '../util/rng.js';
import {
  checkBatch,
  checkProbability,
  checkRange,
  drawPerSample,
  type Batch,
  type Range,
  type Transform,
} from './batch.js';
import { selectionMask } from './warp.js';

interface Common {
  /** probability that a sample is transformed (default 1) */
  p?: number;
}

export interface RandomGaussianNoiseOptions extends Common {
  /** range of the noise standard deviation, drawn per sample */
  std: Range;
}

export interface RandomBrightnessOptions extends Common {
  /** range of the shift ('additive') or factor ('multiplicative') */
  range: Range;
  mode?: 'additive' | 'multiplicative';
}

export interface RandomContrastOptions extends Common {
  /** range of the contrast factor c (> 0 keeps the ordering of intensities) */
  factor: Range;
}

export interface RandomGammaOptions extends Common {
  /** range of γ (> 0) */
  gamma: Range;
  domain?: 'unit' | 'minmax';
}

/** per-sample values as an (N, 1, 1, ...) tensor like `image` */
function perSample(values: readonly number[], image: Tensor): Tensor {
  const shape = [values.length, ...Array<number>(image.ndim - 1).fill(1)];
  return tensor([...values], { shape, dtype: image.dtype, device: image.device });
}

function copyLabel(batch: Batch): { label?: Tensor } {
  return batch.label ? { label: batch.label.clone() } : {};
}

function checkOptions(where: string, o: Common): number {
  const p = o.p ?? 1;
  checkProbability(where, 'p', p);
  return p;
}

export class RandomGaussianNoise implements Transform {
  readonly name = 'RandomGaussianNoise';
  private readonly p: number;
  constructor(private readonly o: RandomGaussianNoiseOptions) {
    this.p = checkOptions(this.name, o);
    checkRange(this.name, 'std', o.std, { value: 0, open: false });
  }
  apply(batch: Batch, rng: Rng): Batch {
    const { n } = checkBatch(this.name, batch);
    const { applied, values } = drawPerSample(rng, n, this.p, () => rng.uniform(this.o.std[0], this.o.std[1]));
    const seed = rng.nextU32();
    return tidy(() => {
      const { image } = batch;
      const sigma = perSample(
        values.map((v, i) => (applied[i] ? v : 0)),
        image,
      );
      const noise = randn(image.shape, {
        generator: new Generator(seed, image.device),
        dtype: image.dtype,
        device: image.device,
      });
      return { image: image.add(noise.mul(sigma)), ...copyLabel(batch) };
    });
  }
}

export class RandomBrightness implements Transform {
  readonly name = 'RandomBrightness';
  private readonly p: number;
  constructor(private readonly o: RandomBrightnessOptions) {
    this.p = checkOptions(this.name, o);
    checkRange(this.name, 'range', o.range);
    if (o.mode !== undefined && o.mode !== 'additive' && o.mode !== 'multiplicative')
      throw new Error(`${this.name}: mode: expected 'additive' or 'multiplicative', got ${String(o.mode)}`);
  }
  apply(batch: Batch, rng: Rng): Batch {
    const { n } = checkBatch(this.name, batch);
    const { applied, values } = drawPerSample(rng, n, this.p, () => rng.uniform(this.o.range[0], this.o.range[1]));
    const mult = this.o.mode === 'multiplicative';
    const neutral = mult ? 1 : 0;
    return tidy(() => {
      const { image } = batch;
      const b = perSample(
        values.map((v, i) => (applied[i] ? v : neutral)),
        image,
      );
      return { image: mult ? image.mul(b) : image.add(b), ...copyLabel(batch) };
    });
  }
}

export class RandomContrast implements Transform {
  readonly name = 'RandomContrast';
  private readonly p: number;
  constructor(private readonly o: RandomContrastOptions) {
    this.p = checkOptions(this.name, o);
    checkRange(this.name, 'factor', o.factor, { value: 0, open: false });
  }
  apply(batch: Batch, rng: Rng): Batch {
    const { n } = checkBatch(this.name, batch);
    const { applied, values } = drawPerSample(rng, n, this.p, () => rng.uniform(this.o.factor[0], this.o.factor[1]));
    return tidy(() => {
      const { image } = batch;
      const c = perSample(
        values.map((v, i) => (applied[i] ? v : 1)),
        image,
      );
      const spatialDims = Array.from({ length: image.ndim - 2 }, (_, i) => i + 2);
      const m = image.mean(spatialDims, true);
      const out = image.sub(m).mul(c).add(m);
      // unselected samples stay bit-identical (m + 1·(x - m) may differ from x in the last bit)
      const keep = selectionMask(applied, image);
      return { image: keep ? where(keep, out, image) : out, ...copyLabel(batch) };
    });
  }
}

export class RandomGamma implements Transform {
  readonly name = 'RandomGamma';
  private readonly p: number;
  constructor(private readonly o: RandomGammaOptions) {
    this.p = checkOptions(this.name, o);
    checkRange(this.name, 'gamma', o.gamma, { value: 0, open: true });
    if (o.domain !== undefined && o.domain !== 'unit' && o.domain !== 'minmax')
      throw new Error(`${this.name}: domain: expected 'unit' or 'minmax', got ${String(o.domain)}`);
  }
  apply(batch: Batch, rng: Rng): Batch {
    const { n } = checkBatch(this.name, batch);
    const { applied, values } = drawPerSample(rng, n, this.p, () => rng.uniform(this.o.gamma[0], this.o.gamma[1]));
    return tidy(() => {
      const { image } = batch;
      const g = perSample(
        values.map((v, i) => (applied[i] ? v : 1)),
        image,
      );
      let out: Tensor;
      if ((this.o.domain ?? 'unit') === 'unit') out = image.clamp(0, 1).pow(g);
      else {
        const dims = Array.from({ length: image.ndim - 1 }, (_, i) => i + 1);
        const lo = image.amin(dims, true);
        const range = image.amax(dims, true).sub(lo);
        // a constant sample has range 0: divide by 1 instead, (x - lo) = 0 maps to 0^γ = 0, i.e. back to lo
        const safe = where(range.gt(0), range, 1);
        out = image.sub(lo).div(safe).pow(g).mul(range).add(lo);
      }
      const keep = selectionMask(applied, image);
      return { image: keep ? where(keep, out, image) : out, ...copyLabel(batch) };
    });
  }
}
