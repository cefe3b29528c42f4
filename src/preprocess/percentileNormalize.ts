/**
 * Per-volume percentile clipping and normalisation (PCL §3.1, following GCL: "normalize the intensity of each 3D
 * volume x to [x_1, x_99], where x_p is the p-th intensity percentile in x").
 *
 * 1. lo, hi = the `low`-th and `high`-th percentiles of ALL voxels of the image (numpy 'linear', see percentile.ts);
 * 2. c = clamp(x, lo, hi);
 * 3. normalise c:
 *    - 'minmax' (default, PCL): y = (c - lo) / (hi - lo), in [0, 1]; the background (lo) maps to 0;
 *    - 'zscore': y = (c - mean(c)) / std(c), mean and population std (ddof 0) of the CLIPPED values.
 *    A constant image (hi = lo, or std = 0) gives all zeros rather than NaN.
 * Returns the Float32Array image with the percentile values and `background`, the normalised value of lo: the
 * value to pad with afterwards (`padCrop({value: background})`), as the papers pad with the background, not the mean.
 */
import type { Image } from '../io/image.js';
import { checkFinite, checkImage, derive, fail } from './common.js';
import { percentiles } from './percentile.js';
import { PCL_PERCENTILES } from './presets.js';

export type Normalization = 'minmax' | 'zscore';

export interface PercentileNormalizeOptions {
  /** lower percentile in [0, 100); default 1 (PCL §3.1) */
  low?: number;
  /** upper percentile in (low, 100]; default 99 (PCL §3.1) */
  high?: number;
  /** what to do after clipping; default 'minmax' to [0, 1] (PCL) */
  normalization?: Normalization;
}

export interface PercentileNormalizeResult {
  image: Image;
  /** the clip bounds: the low-th and high-th percentile values of the input */
  clip: [number, number];
  /** the normalised value of the lower clip bound (0 for 'minmax') */
  background: number;
}

export function percentileNormalize(image: Image, options: PercentileNormalizeOptions = {}): PercentileNormalizeResult {
  const step = 'percentileNormalize';
  checkImage(step, image, [1, 2, 3, 4]);
  const low = checkFinite(step, image, 'low', options.low ?? PCL_PERCENTILES.low);
  const high = checkFinite(step, image, 'high', options.high ?? PCL_PERCENTILES.high);
  if (!(low >= 0 && low < high && high <= 100))
    fail(step, image, `need 0 <= low < high <= 100, got low ${low}, high ${high}`);
  const normalization = options.normalization ?? 'minmax';
  if (normalization !== 'minmax' && normalization !== 'zscore') {
    fail(step, image, `normalization must be 'minmax' or 'zscore', got ${String(normalization)}`);
  }
  const [lo, hi] = percentiles(image.data, [low, high], image.source ? `${step}: ${image.source}` : step) as [
    number,
    number,
  ];
  const src = image.data;
  const n = src.length;
  const out = new Float32Array(n);
  let shift: number;
  let scale: number;
  if (normalization === 'minmax') {
    shift = lo;
    scale = hi > lo ? 1 / (hi - lo) : 0;
  } else {
    // two passes in float64 over the clipped values: mean, then the centred sum of squares
    let sum = 0;
    for (let i = 0; i < n; i++) sum += clamp(src[i]!, lo, hi);
    const mean = sum / n;
    let ss = 0;
    for (let i = 0; i < n; i++) {
      const d = clamp(src[i]!, lo, hi) - mean;
      ss += d * d;
    }
    const std = Math.sqrt(ss / n);
    shift = mean;
    scale = std > 0 ? 1 / std : 0;
  }
  for (let i = 0; i < n; i++) out[i] = (clamp(src[i]!, lo, hi) - shift) * scale;
  return {
    image: derive(image, out, image.shape, image.spacing, image.origin),
    clip: [lo, hi],
    background: (lo - shift) * scale,
  };
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}
