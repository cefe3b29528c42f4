/** Test helpers for the preprocessing tests: image builders and random data from the seeded Rng. */
import type { Image, PixelArray } from '../../src/io/image.js';
import { Rng } from '../../src/util/rng.js';

export function identity(nd: number): number[] {
  const d = new Array<number>(nd * nd).fill(0);
  for (let i = 0; i < nd; i++) d[i * nd + i] = 1;
  return d;
}

export function makeImage<T extends PixelArray>(data: T, shape: number[], extra: Partial<Image> = {}): Image<T> {
  const nd = shape.length;
  return {
    data,
    shape,
    spacing: extra.spacing ?? new Array<number>(nd).fill(1),
    origin: extra.origin ?? new Array<number>(nd).fill(0),
    direction: extra.direction ?? identity(nd),
    ...(extra.source !== undefined ? { source: extra.source } : {}),
  };
}

export function randomFloats(n: number, seed: number, low = -1000, high = 1000): Float32Array {
  const rng = new Rng(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform(low, high);
  return a;
}

/** C-order value at multi-index idx */
export function at(image: Image, idx: readonly number[]): number {
  let off = 0;
  for (let k = 0; k < idx.length; k++) off = off * image.shape[k]! + idx[k]!;
  return image.data[off]!;
}

/** maximum absolute difference */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** a 3x3 rotation (row-major) about z by angle a then about x by angle b: a non-trivial orthonormal direction */
export function rotation3(a: number, b: number): number[] {
  const ca = Math.cos(a),
    sa = Math.sin(a),
    cb = Math.cos(b),
    sb = Math.sin(b);
  const rz = [ca, -sa, 0, sa, ca, 0, 0, 0, 1];
  const rx = [1, 0, 0, 0, cb, -sb, 0, sb, cb];
  const m = new Array<number>(9).fill(0);
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) m[i * 3 + j]! += rz[i * 3 + k]! * rx[k * 3 + j]!;
  return m;
}

/**
 * World position (x, y, z) of voxel index idx (shape order) of `image`, computed straight from the Image
 * definition: origin + sum over array axes of idx[axis] * spacing[axis] * (direction column nd-1-axis).
 */
export function worldOf(image: Image, idx: readonly number[]): number[] {
  const nd = image.shape.length;
  const p = image.origin.slice();
  for (let axis = 0; axis < nd; axis++) {
    const col = nd - 1 - axis;
    for (let w = 0; w < nd; w++) p[w]! += idx[axis]! * image.spacing[axis]! * image.direction[w * nd + col]!;
  }
  return p;
}

/** continuous index (shape order) of world point p, for an orthonormal direction (inverse = transpose) */
export function indexOf(image: Image, p: readonly number[]): number[] {
  const nd = image.shape.length;
  const idx: number[] = [];
  for (let axis = 0; axis < nd; axis++) {
    const col = nd - 1 - axis;
    let dot = 0;
    for (let w = 0; w < nd; w++) dot += (p[w]! - image.origin[w]!) * image.direction[w * nd + col]!;
    idx.push(dot / image.spacing[axis]!);
  }
  return idx;
}
