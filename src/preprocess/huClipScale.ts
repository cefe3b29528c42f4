/**
 * HU clipping and linear scaling to [-1, 1] (DrasCLR §4.1: "threshold the Hounsfield Units (HU) to the intensity
 * window of [-1024, 240] and normalize the intensity range to [-1, 1] by linear scaling"):
 *
 *     y = 2 * (clamp(x, min, max) - min) / (max - min) - 1
 *
 * Works on any dimensionality; returns a Float32Array image on the same grid. NaN stays NaN.
 */
import type { Image } from '../io/image.js';
import { checkFinite, checkImage, derive, fail } from './common.js';
import { DRASCLR } from './presets.js';

export interface HuClipScaleOptions {
  /** lower HU bound, mapped to -1; default -1024 (DrasCLR §4.1) */
  min?: number;
  /** upper HU bound, mapped to +1; default 240 (DrasCLR §4.1) */
  max?: number;
}

export function huClipScale(image: Image, options: HuClipScaleOptions = {}): Image {
  const step = 'huClipScale';
  checkImage(step, image, [1, 2, 3, 4]);
  const min = checkFinite(step, image, 'min', options.min ?? DRASCLR.min);
  const max = checkFinite(step, image, 'max', options.max ?? DRASCLR.max);
  if (!(max > min)) fail(step, image, `max must be > min, got min ${min}, max ${max}`);
  const scale = 2 / (max - min);
  const src = image.data;
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const x = src[i]!;
    const c = x < min ? min : x > max ? max : x;
    out[i] = (c - min) * scale - 1;
  }
  return derive(image, out, image.shape, image.spacing, image.origin);
}
