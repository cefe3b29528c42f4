/**
 * CT windowing to [0, 1] (PolyCL §3.1: "window-leveling with a width of 400 HU and a center of 40 HU", images
 * "0–1 normalized"):
 *
 *     y = clamp((x - (level - width / 2)) / width, 0, 1)
 *
 * so level - width/2 maps to 0 and level + width/2 to 1, and values outside the window are clipped. The authors'
 * code squeezed the window into a narrow sub-band of [0, 1]; this does not (docs/methods.md §6). Works on any
 * dimensionality; returns a Float32Array image on the same grid. NaN stays NaN.
 */
import type { Image } from '../io/image.js';
import { checkFinite, checkImage, derive, fail } from './common.js';
import { POLYCL } from './presets.js';

export interface CtWindowOptions {
  /** window centre in HU; default 40 (PolyCL §3.1) */
  level?: number;
  /** window width in HU, > 0; default 400 (PolyCL §3.1) */
  width?: number;
}

export function ctWindow(image: Image, options: CtWindowOptions = {}): Image {
  const step = 'ctWindow';
  checkImage(step, image, [1, 2, 3, 4]);
  const level = checkFinite(step, image, 'level', options.level ?? POLYCL.level);
  const width = checkFinite(step, image, 'width', options.width ?? POLYCL.width);
  if (!(width > 0)) fail(step, image, `width must be > 0, got ${width}`);
  const lo = level - width / 2;
  const src = image.data;
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const y = (src[i]! - lo) / width;
    out[i] = y < 0 ? 0 : y > 1 ? 1 : y;
  }
  return derive(image, out, image.shape, image.spacing, image.origin);
}
