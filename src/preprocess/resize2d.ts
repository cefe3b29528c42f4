/**
 * Resize the last two axes to a fixed pixel size (CL-TCI: X-rays to 256×256 after `padToSquare`; PolyCL: CT slices
 * "reshaped to 256×256"). A volume is resized slice by slice; its depth axis is untouched.
 *
 * Pixel grid convention: half-pixel centres (the output covers exactly the input's extent, like
 * `torch.nn.functional.interpolate(align_corners=False)`, PIL and OpenCV). With scale = nIn / nOut, output pixel j
 * sits at input index x = (j + 0.5) * scale - 0.5.
 * - `linear` (images): bilinear; when shrinking and `antialias` is on (default), the triangle kernel widens by the
 *   shrink factor (PIL/torchvision `Resize`, `interpolate(antialias=True)`), so a 2048 → 256 X-ray averages every
 *   pixel instead of sampling 1 in 64. With `antialias: false` it is the plain 2-tap bilinear of
 *   `interpolate(mode='bilinear', align_corners=False)` (coordinates clamped to the border). Output Float32Array.
 * - `nearest` (labels): input index floor((j + 0.5) * scale), computed exactly as floor((2j + 1)·nIn / (2·nOut)); the
 *   PIL / `nearest-exact` rule. Keeps the input's array type and never creates a value that is not in the input.
 * Spacing becomes spacing × scale per axis; the origin moves to the new first pixel centre (the extent is unchanged).
 */
import type { Image } from '../io/image.js';
import { checkImage, derive, fail, shiftedOrigin, ctorOf } from './common.js';
import { applySeparable, linearTable, nearestTable, triangleTable, type AxisTable } from './separable.js';
import { CLTCI } from './presets.js';

export type Interpolation = 'linear' | 'nearest';

export interface Resize2dOptions {
  /** output [height, width]; default [256, 256] (CL-TCI §IV-A, PolyCL §3.1) */
  shape?: readonly [number, number];
  /** 'linear' for images (default), 'nearest' for label maps */
  interpolation?: Interpolation;
  /** widen the linear kernel when shrinking (default true); ignored for 'nearest' */
  antialias?: boolean;
}

export function resize2d(image: Image, options: Resize2dOptions = {}): Image {
  const step = 'resize2d';
  checkImage(step, image);
  const size = options.shape ?? [CLTCI.size, CLTCI.size];
  if (!Array.isArray(size) || size.length !== 2)
    fail(step, image, `shape must be [height, width], got ${JSON.stringify(size)}`);
  size.forEach((m, k) => {
    if (!Number.isInteger(m) || m < 1) fail(step, image, `shape[${k}] must be a positive integer, got ${String(m)}`);
  });
  const interpolation = options.interpolation ?? 'linear';
  if (interpolation !== 'linear' && interpolation !== 'nearest') {
    fail(step, image, `interpolation must be 'linear' or 'nearest', got ${String(interpolation)}`);
  }
  const antialias = options.antialias ?? true;
  const nd = image.shape.length;
  const tables: (AxisTable | null)[] = image.shape.map(() => null);
  const spacing = image.spacing.slice();
  const shiftMm = image.shape.map(() => 0);
  for (let q = 0; q < 2; q++) {
    const axis = nd - 2 + q;
    const nIn = image.shape[axis]!;
    const nOut = size[q]!;
    if (nIn === nOut) continue;
    const scale = nIn / nOut;
    const coord = (j: number): number => (j + 0.5) * scale - 0.5;
    tables[axis] =
      interpolation === 'nearest'
        ? nearestTable(nIn, nOut, (j) => Math.floor(((2 * j + 1) * nIn) / (2 * nOut)))
        : antialias
          ? triangleTable(nIn, nOut)
          : linearTable(nIn, nOut, coord);
    shiftMm[axis] = (0.5 * scale - 0.5) * image.spacing[axis]!;
    spacing[axis] = image.spacing[axis]! * scale;
  }
  const Out = interpolation === 'nearest' ? ctorOf(image.data) : Float32Array;
  const { data, shape } = applySeparable(image.data, image.shape, tables, Out);
  return derive(image, data, shape, spacing, shiftedOrigin(image, shiftMm));
}
