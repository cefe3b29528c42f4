import { writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import sharp from 'sharp';
import { categoricalColour, type RGB } from './colours.js';
import { ensureDir } from '../engine/checkpoint/ensure-dir.js';

/**
 * Prediction overlays for the report: a grey 2D image with the reference and predicted label maps drawn on top, as
 * colour fills (blended with `alpha`) and/or contours (opaque), one colour per class (class c uses palette colour
 * c - 1, so class 1 is blue, 2 orange, …; 0 is background and never drawn).
 *
 * Defaults: prediction as a translucent fill, reference as a contour on top, so agreement reads as "fill inside
 * the outline". Grey levels: linear from `window` [lo, hi] to 0..255 (default the image's min..max), clamped.
 * Contours: a labelled pixel with a 4-neighbour of another label (outside the image counts as background), computed
 * AFTER the nearest-neighbour upscaling by `scale`, so outlines stay one output pixel thin.
 */

export interface OverlaySlice {
  /** H×W values, C order (row-major); any numeric array (Float32Array from the preprocessing) */
  data: ArrayLike<number>;
  /** [height, width] */
  shape: readonly number[];
}

export type OverlayStyle = 'fill' | 'contour' | 'both' | 'none';

export interface OverlayOptions {
  /** reference label map (same H×W, integer labels) */
  reference?: ArrayLike<number>;
  /** predicted label map (same H×W, integer labels) */
  prediction?: ArrayLike<number>;
  /** default 'contour' */
  referenceStyle?: OverlayStyle;
  /** default 'fill' */
  predictionStyle?: OverlayStyle;
  /** opacity of fills, 0..1 (default 0.4) */
  alpha?: number;
  /** grey window [lo, hi] (default the image's min and max) */
  window?: [number, number];
  /** class id → colour (overrides the palette for the listed classes) */
  colours?: Record<number, RGB>;
  /** integer nearest-neighbour upscaling (default 1) */
  scale?: number;
}

export interface RgbImage {
  /** interleaved RGB, H×W×3 */
  data: Uint8Array;
  width: number;
  height: number;
}

/** the colour of class c (c >= 1) */
export function classColour(c: number, colours?: Record<number, RGB>): RGB {
  return colours?.[c] ?? categoricalColour(c - 1);
}

/** The overlay as raw RGB (what overlayPng encodes). */
export function overlayRgb(image: OverlaySlice, options: OverlayOptions = {}): RgbImage {
  if (image.shape.length !== 2)
    throw new Error(`overlay: image must be 2D [height, width], got shape [${image.shape}]`);
  const [h, w] = image.shape as [number, number];
  if (!(Number.isInteger(h) && Number.isInteger(w) && h > 0 && w > 0))
    throw new Error(`overlay: bad shape [${h}, ${w}]`);
  if (image.data.length !== h * w) throw new Error(`overlay: image data has ${image.data.length} values for ${h}×${w}`);
  const scale = options.scale ?? 1;
  if (!(Number.isInteger(scale) && scale >= 1 && scale <= 16))
    throw new Error(`overlay: scale must be an integer 1..16`);
  const alpha = options.alpha ?? 0.4;
  if (!(alpha >= 0 && alpha <= 1)) throw new Error(`overlay: alpha must be in [0, 1], got ${alpha}`);
  const ref = options.reference ? checkLabels(options.reference, h * w, 'reference') : undefined;
  const pred = options.prediction ? checkLabels(options.prediction, h * w, 'prediction') : undefined;

  const [lo, hi] = greyWindow(image.data, h * w, options.window);
  const span = hi > lo ? hi - lo : 1;

  const W = w * scale;
  const H = h * scale;
  const src = (y: number, x: number) => Math.floor(y / scale) * w + Math.floor(x / scale);
  const out = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const v = image.data[src(y, x)]!;
      const g = Number.isFinite(v) ? Math.round(255 * Math.min(1, Math.max(0, (v - lo) / span))) : 0;
      const o = 3 * (y * W + x);
      out[o] = out[o + 1] = out[o + 2] = g;
    }
  }
  // drawing order: fills (prediction, then reference), then contours (prediction, then reference on top)
  const layers: [Int32Array | undefined, OverlayStyle, 'fill' | 'contour'][] = [
    [pred, options.predictionStyle ?? 'fill', 'fill'],
    [ref, options.referenceStyle ?? 'contour', 'fill'],
    [pred, options.predictionStyle ?? 'fill', 'contour'],
    [ref, options.referenceStyle ?? 'contour', 'contour'],
  ];
  const canvas: Canvas = { out, W, H, src };
  for (const [labels, style, pass] of layers) {
    if (!labels || style === 'none') continue;
    if (pass === 'fill' && (style === 'fill' || style === 'both')) drawFill(canvas, labels, alpha, options.colours);
    if (pass === 'contour' && (style === 'contour' || style === 'both')) drawContour(canvas, labels, options.colours);
  }
  return { data: out, width: W, height: H };
}

/** the grey window [lo, hi]: the given one (checked), else the image's min and max (every value must be finite) */
function greyWindow(data: ArrayLike<number>, n: number, window?: [number, number]): [number, number] {
  if (window) {
    const [lo, hi] = window;
    if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi > lo))
      throw new Error('overlay: window must be [lo, hi], lo < hi');
    return [lo, hi];
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = data[i]!;
    if (!Number.isFinite(v)) throw new Error(`overlay: image value ${i} is not finite (${v})`);
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return [lo, hi];
}

/** the upscaled RGB canvas and its map from output pixel to source pixel */
interface Canvas {
  out: Uint8Array;
  W: number;
  H: number;
  src: (y: number, x: number) => number;
}

/** labelled pixels blended with their class colour */
function drawFill(cv: Canvas, labels: Int32Array, alpha: number, colours?: Record<number, RGB>): void {
  const { out, W, H, src } = cv;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const c = labels[src(y, x)]!;
      if (c === 0) continue;
      const col = classColour(c, colours);
      const o = 3 * (y * W + x);
      for (let k = 0; k < 3; k++) out[o + k] = Math.round((1 - alpha) * out[o + k]! + alpha * col[k]!);
    }
  }
}

/** labelled pixels with a 4-neighbour of another label (outside = background), opaque in their class colour */
function drawContour(cv: Canvas, labels: Int32Array, colours?: Record<number, RGB>): void {
  const { out, W, H, src } = cv;
  const at = (y: number, x: number) => (y < 0 || x < 0 || y >= H || x >= W ? 0 : labels[src(y, x)]!);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const c = at(y, x);
      if (c === 0) continue;
      if (at(y - 1, x) === c && at(y + 1, x) === c && at(y, x - 1) === c && at(y, x + 1) === c) continue;
      const col = classColour(c, colours);
      const o = 3 * (y * W + x);
      out[o] = col[0];
      out[o + 1] = col[1];
      out[o + 2] = col[2];
    }
  }
}

/** The overlay as PNG bytes; also written to `file` when given. */
export async function overlayPng(image: OverlaySlice, options: OverlayOptions = {}, file?: string): Promise<Buffer> {
  const rgb = overlayRgb(image, options);
  const png = await sharp(rgb.data, { raw: { width: rgb.width, height: rgb.height, channels: 3 } })
    .png()
    .toBuffer();
  if (file) {
    ensureDir(dirname(file));
    await writeFile(file, png);
  }
  return png;
}

function checkLabels(labels: ArrayLike<number>, n: number, what: string): Int32Array {
  if (labels.length !== n) throw new Error(`overlay: ${what} has ${labels.length} values, the image ${n}`);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = labels[i]!;
    if (!Number.isInteger(v) || v < 0) throw new Error(`overlay: ${what}[${i}] = ${v} is not a label (integer >= 0)`);
    out[i] = v;
  }
  return out;
}
