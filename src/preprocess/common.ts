/**
 * Small helpers shared by the preprocessing steps: input validation with errors that name the step, the
 * parameter and the image's `source`, and the bookkeeping of geometry (origin shifts) when a step changes the grid.
 */
import type { Image, PixelArray } from '../io/image.js';
import { numel } from '../io/image.js';

export type PixelArrayConstructor = {
  new (length: number): PixelArray;
  readonly BYTES_PER_ELEMENT: number;
  readonly name: string;
};

/** throw a RangeError `step: source: message` (the source only when the image has one) */
export function fail(step: string, image: Pick<Image, 'source'> | undefined, message: string): never {
  const where = image?.source ? `${image.source}: ` : '';
  throw new RangeError(`${step}: ${where}${message}`);
}

/**
 * Checks that `image` is self-consistent (data length, positive integer shape, positive finite spacing, origin and
 * direction sizes) and, when `dims` is given, that it has one of those dimensionalities.
 */
export function checkImage(step: string, image: Image, dims: readonly number[] = [2, 3]): void {
  if (image === null || typeof image !== 'object' || !Array.isArray(image.shape)) {
    throw new TypeError(`${step}: expected an Image, got ${image === null ? 'null' : typeof image}`);
  }
  const nd = image.shape.length;
  if (!dims.includes(nd)) {
    const want = dims.map((d) => `${d}D`).join(' or ');
    fail(step, image, `expected a ${want} image, got shape [${image.shape.join(', ')}] (${nd}D)`);
  }
  for (const n of image.shape) {
    if (!Number.isInteger(n) || n < 1) fail(step, image, `shape [${image.shape.join(', ')}] has an invalid size ${n}`);
  }
  if (!ArrayBuffer.isView(image.data)) fail(step, image, 'data is not a typed array');
  const count = numel(image.shape);
  if (image.data.length !== count) {
    fail(step, image, `data has ${image.data.length} values but shape [${image.shape.join(', ')}] needs ${count}`);
  }
  if (!Array.isArray(image.spacing) || image.spacing.length !== nd) {
    fail(step, image, `spacing must have ${nd} entries (one per axis), got ${JSON.stringify(image.spacing)}`);
  }
  for (const s of image.spacing) {
    if (!(Number.isFinite(s) && s > 0))
      fail(step, image, `spacing [${image.spacing.join(', ')}] must be finite and > 0`);
  }
  if (!Array.isArray(image.origin) || image.origin.length !== nd) {
    fail(step, image, `origin must have ${nd} entries, got ${JSON.stringify(image.origin)}`);
  }
  if (!Array.isArray(image.direction) || image.direction.length !== nd * nd) {
    fail(step, image, `direction must have ${nd * nd} entries, got ${JSON.stringify(image.direction)}`);
  }
}

/** throws unless `value` is a finite number; `name` is the option's name */
export function checkFinite(step: string, image: Image | undefined, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    fail(step, image, `${name} must be a finite number, got ${String(value)}`);
  return value;
}

/**
 * The origin after the grid's first voxel centre moved by `shiftMm[i]` millimetres along array axis i (shape
 * order). Uses the direction columns: column j is the world direction of array axis (nd - 1 - j), see Image.
 */
export function shiftedOrigin(image: Image, shiftMm: readonly number[]): number[] {
  const nd = image.shape.length;
  const origin = image.origin.slice();
  for (let axis = 0; axis < nd; axis++) {
    const d = shiftMm[axis] ?? 0;
    if (d === 0) continue;
    const col = nd - 1 - axis;
    for (let w = 0; w < nd; w++) origin[w] = origin[w]! + d * image.direction[w * nd + col]!;
  }
  return origin;
}

/** a new image on a new grid, keeping direction and source */
export function derive(
  image: Image,
  data: PixelArray,
  shape: readonly number[],
  spacing: readonly number[],
  origin: readonly number[],
): Image {
  const out: Image = {
    data,
    shape: shape.slice(),
    spacing: spacing.slice(),
    origin: origin.slice(),
    direction: image.direction.slice(),
  };
  if (image.source !== undefined) out.source = image.source;
  return out;
}

export function ctorOf(data: PixelArray): PixelArrayConstructor {
  return data.constructor as PixelArrayConstructor;
}

export function isFloatArray(data: PixelArray): boolean {
  return data instanceof Float32Array || data instanceof Float64Array;
}

/** true when `value` is stored exactly by an array of this type (floats accept any finite value) */
export function representable(ctor: PixelArrayConstructor, value: number): boolean {
  if (ctor === Float32Array || ctor === Float64Array) return Number.isFinite(value);
  const probe = new ctor(1);
  probe[0] = value;
  return probe[0] === value;
}
