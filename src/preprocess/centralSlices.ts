/**
 * Keep the central fraction of a volume's slices (PolyCL §3.1: "we extracted only the middle 30% slices to avoid
 * class imbalance").
 *
 * Rule, for n slices along the depth (first) axis: k = max(1, round(fraction · n)) slices are kept (round half up,
 * with a 1e-9 tolerance for float noise), starting at floor((n - k) / 2); when n - k is odd the extra dropped slice
 * is at the end. The origin moves to the first kept slice.
 */
import type { Image } from '../io/image.js';
import { checkImage, derive, fail, shiftedOrigin } from './common.js';
import { POLYCL } from './presets.js';

export interface CentralSlicesOptions {
  /** fraction of slices to keep, in (0, 1]; default 0.3 (PolyCL §3.1) */
  fraction?: number;
}

export interface CentralSlicesResult {
  image: Image;
  /** first kept slice index of the input (inclusive) */
  start: number;
  /** one past the last kept slice index (exclusive) */
  end: number;
}

/** the kept slice range [start, end) for n slices, without touching any data */
export function centralSliceRange(n: number, fraction: number = POLYCL.fraction): { start: number; end: number } {
  if (!Number.isInteger(n) || n < 1)
    throw new RangeError(`centralSliceRange: n must be a positive integer, got ${String(n)}`);
  if (!(typeof fraction === 'number' && fraction > 0 && fraction <= 1)) {
    throw new RangeError(`centralSliceRange: fraction must be in (0, 1], got ${String(fraction)}`);
  }
  const k = Math.min(n, Math.max(1, Math.floor(fraction * n + 0.5 + 1e-9)));
  const start = Math.floor((n - k) / 2);
  return { start, end: start + k };
}

export function centralSlices(volume: Image, options: CentralSlicesOptions = {}): CentralSlicesResult {
  const step = 'centralSlices';
  checkImage(step, volume, [3]);
  const fraction = options.fraction ?? POLYCL.fraction;
  if (!(typeof fraction === 'number' && fraction > 0 && fraction <= 1))
    fail(step, volume, `fraction must be in (0, 1], got ${String(fraction)}`);
  const { start, end } = centralSliceRange(volume.shape[0]!, fraction);
  const sliceSize = volume.shape[1]! * volume.shape[2]!;
  const data = volume.data.slice(start * sliceSize, end * sliceSize);
  const shape = [end - start, volume.shape[1]!, volume.shape[2]!];
  const origin = shiftedOrigin(volume, [start * volume.spacing[0]!, 0, 0]);
  return { image: derive(volume, data, shape, volume.spacing, origin), start, end };
}
