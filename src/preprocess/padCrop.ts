/**
 * Centred pad/crop to a fixed size (PCL: slices "padded to a fixed image size f_s with 0", no resizing).
 *
 * Per axis with input size n and output size m:
 * - pad (m > n): `floor((m - n) / 2)` voxels of `value` before, the rest (one more when m - n is odd) after;
 * - crop (m < n): keep input indices [floor((n - m) / 2), floor((n - m) / 2) + m); the odd voxel is cut at the end.
 * So the extra voxel of an odd difference is always at the end, and cropping a padded image back to its original
 * size returns it exactly. The origin moves so that every kept voxel keeps its world position.
 */
import type { Image } from '../io/image.js';
import { numel } from '../io/image.js';
import { checkImage, ctorOf, derive, fail, representable, shiftedOrigin } from './common.js';

export interface PadCropOptions {
  /** output size per axis (shape order); `null` keeps that axis. PCL: 512 (CHD), 256 (MMWHS), 352 (ACDC, HVSMR) in-plane */
  shape: readonly (number | null)[];
  /**
   * value written in padded voxels; default 0 (PCL §3.1 pads with 0 = the background after min-max normalisation).
   * After a z-score normalisation pass `percentileNormalize(...).background` instead, never the mean.
   */
  value?: number;
}

/** offset of output index 0 in input index space, per axis: negative = padding before, positive = crop start */
export function padCropOffsets(inShape: readonly number[], outShape: readonly number[]): number[] {
  return inShape.map((n, k) => {
    const m = outShape[k]!;
    return m >= n ? 0 - Math.floor((m - n) / 2) : Math.floor((n - m) / 2); // 0 - x, not -x: no -0
  });
}

export function padCrop(image: Image, options: PadCropOptions): Image {
  const step = 'padCrop';
  checkImage(step, image);
  const nd = image.shape.length;
  const want = options?.shape;
  if (!Array.isArray(want) || want.length !== nd) {
    fail(
      step,
      image,
      `shape must list ${nd} sizes (null keeps an axis) for a ${nd}D image, got ${JSON.stringify(want)}`,
    );
  }
  const outShape = want.map((m, k) => {
    if (m === null) return image.shape[k]!;
    if (!Number.isInteger(m) || m < 1) fail(step, image, `shape[${k}] must be a positive integer, got ${String(m)}`);
    return m;
  });
  const value = options.value ?? 0;
  const Ctor = ctorOf(image.data);
  if (!representable(Ctor, value)) {
    fail(step, image, `value ${String(value)} cannot be stored in a ${Ctor.name} image`);
  }
  const offsets = padCropOffsets(image.shape, outShape);
  const origin = shiftedOrigin(
    image,
    offsets.map((o, k) => o * image.spacing[k]!),
  );
  return derive(image, padCropData(image, outShape, offsets, value), outShape, image.spacing, origin);
}

/** copies the overlap of input and output grids (output index p <- input index p + offset) into a filled array */
function padCropData(image: Image, outShape: readonly number[], offsets: readonly number[], value: number) {
  const src = image.data;
  const inShape = image.shape;
  const nd = inShape.length;
  const out = new (ctorOf(src))(numel(outShape));
  if (value !== 0) out.fill(value);
  // overlap in output coordinates, per axis
  const lo = offsets.map((o) => Math.max(0, -o));
  const hi = offsets.map((o, k) => Math.min(outShape[k]!, inShape[k]! - o));
  if (lo.some((l, k) => l >= hi[k]!)) return out;
  const inStride = new Array<number>(nd).fill(1);
  const outStride = new Array<number>(nd).fill(1);
  for (let k = nd - 2; k >= 0; k--) {
    inStride[k] = inStride[k + 1]! * inShape[k + 1]!;
    outStride[k] = outStride[k + 1]! * outShape[k + 1]!;
  }
  const last = nd - 1;
  const rowLen = hi[last]! - lo[last]!;
  const dst = out as unknown as { set(a: ArrayLike<number>, offset: number): void };
  // iterate over all rows of the overlap (every axis but the last)
  const idx = lo.slice(0, last);
  for (;;) {
    let sOff = lo[last]! + offsets[last]!;
    let dOff = lo[last]!;
    for (let k = 0; k < last; k++) {
      sOff += (idx[k]! + offsets[k]!) * inStride[k]!;
      dOff += idx[k]! * outStride[k]!;
    }
    dst.set(src.subarray(sOff, sOff + rowLen), dOff);
    let k = last - 1;
    while (k >= 0) {
      idx[k] = idx[k]! + 1;
      if (idx[k]! < hi[k]!) break;
      idx[k] = lo[k]!;
      k--;
    }
    if (k < 0) break;
  }
  return out;
}
