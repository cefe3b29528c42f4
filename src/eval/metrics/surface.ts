/**
 * Mask surfaces and surface-to-surface distances, the ingredients of the Hausdorff family.
 *
 * Surface of a mask = its foreground voxels that have at least one background FACE-neighbour (4-neighbourhood in
 * 2D, 6 in 3D), where voxels outside the image count as background, so foreground on the image border is surface.
 * This is `mask XOR binary_erosion(mask)` with the cross-shaped structuring element and border_value 0, the
 * definition of MONAI's get_mask_edges and medpy's __surface_distances (connectivity 1). Distances are between
 * surface voxel CENTRES, in mm, with the voxel spacing (DeepMind's surface-distance instead weights surface
 * elements by area; we do not).
 */
import { squaredEdt } from './edt.js';

/** 1 on the surface voxels of `mask` (nonzero = foreground), 0 elsewhere. */
export function surfaceMask(mask: ArrayLike<number>, shape: readonly number[]): Uint8Array {
  const nd = shape.length;
  const n = mask.length;
  const w = shape[nd - 1]!;
  const strides = stridesOf(shape);
  const coord = new Int32Array(nd); // outer coordinates of the current row (the last entry stays 0)
  const out = new Uint8Array(n);
  for (let base = 0; base < n; base += w) {
    for (let x = 0; x < w; x++) {
      const i = base + x;
      if (!mask[i]) continue;
      let edge = x === 0 || x === w - 1 || !mask[i - 1] || !mask[i + 1];
      for (let k = 0; k < nd - 1 && !edge; k++) {
        const st = strides[k]!;
        const ck = coord[k]!;
        edge = ck === 0 || ck === shape[k]! - 1 || !mask[i - st] || !mask[i + st];
      }
      if (edge) out[i] = 1;
    }
    nextRow(coord, shape);
  }
  return out;
}

/** advances the outer coordinates (all axes but the last) to the next row, C order */
function nextRow(coord: Int32Array, shape: readonly number[]): void {
  for (let k = shape.length - 2; k >= 0; k--) {
    if (++coord[k]! < shape[k]!) return;
    coord[k] = 0;
  }
}

/**
 * For every voxel of `from` (nonzero, in C order) the distance in mm from its centre to the nearest nonzero voxel
 * of `to`, by the exact EDT of `to`. `to` must have a nonzero voxel.
 */
export function directedDistances(
  from: Uint8Array,
  to: Uint8Array,
  shape: readonly number[],
  spacing: readonly number[],
): Float64Array {
  const d2 = squaredEdt(to, shape, spacing);
  let m = 0;
  for (let i = 0; i < from.length; i++) if (from[i]) m++;
  const out = new Float64Array(m);
  let j = 0;
  for (let i = 0; i < from.length; i++) if (from[i]) out[j++] = Math.sqrt(d2[i]!);
  return out;
}

export function stridesOf(shape: readonly number[]): number[] {
  const st = new Array<number>(shape.length);
  let s = 1;
  for (let k = shape.length - 1; k >= 0; k--) {
    st[k] = s;
    s *= shape[k]!;
  }
  return st;
}

/** Per label, the bounding box (inclusive min/max per axis) of the voxels carrying it in `a` or `b`. */
export interface LabelBoxes {
  numLabels: number;
  /** [label * rank + axis]; min > max for a label found nowhere */
  min: Int32Array;
  max: Int32Array;
}

export function unionBoxes(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  shape: readonly number[],
  numLabels: number,
): LabelBoxes {
  const nd = shape.length;
  const w = shape[nd - 1]!;
  const min = new Int32Array(numLabels * nd).fill(0x7fffffff);
  const max = new Int32Array(numLabels * nd).fill(-1);
  const coord = new Int32Array(nd);
  const seenInRow = new Int32Array(numLabels).fill(-1);
  const rowLabels: number[] = [];
  let row = 0;
  const see = (label: number, x: number): void => {
    const j = label * nd + nd - 1;
    if (x < min[j]!) min[j] = x;
    if (x > max[j]!) max[j] = x;
    if (seenInRow[label] !== row) {
      seenInRow[label] = row;
      rowLabels.push(label);
    }
  };
  for (let base = 0; base < a.length; base += w, row++) {
    rowLabels.length = 0;
    for (let x = 0; x < w; x++) {
      const la = a[base + x]!;
      const lb = b[base + x]!;
      see(la, x);
      if (lb !== la) see(lb, x);
    }
    for (const label of rowLabels) {
      for (let k = 0; k < nd - 1; k++) {
        const j = label * nd + k;
        const c = coord[k]!;
        if (c < min[j]!) min[j] = c;
        if (c > max[j]!) max[j] = c;
      }
    }
    nextRow(coord, shape);
  }
  return { numLabels, min, max };
}

/**
 * The binary masks (a === label) and (b === label) cropped to [start, start + cropShape). Cropping to the bounding
 * box of the label in a or b (unionBoxes) is exact for surface distances: a voxel just outside the box carries
 * another label in both maps, i.e. is background like the image outside, so surfaces are unchanged; and the
 * distance between two voxel centres inside the box does not depend on anything outside it.
 */
export function cropMasks(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  shape: readonly number[],
  label: number,
  start: readonly number[],
  cropShape: readonly number[],
): { a: Uint8Array; b: Uint8Array } {
  const nd = shape.length;
  const strides = stridesOf(shape);
  const m = cropShape.reduce((x, y) => x * y, 1);
  const w = cropShape[nd - 1]!;
  const ma = new Uint8Array(m);
  const mb = new Uint8Array(m);
  const coord = new Int32Array(nd); // outer coordinates inside the crop
  for (let j0 = 0; j0 < m; j0 += w) {
    let i0 = start[nd - 1]!;
    for (let k = 0; k < nd - 1; k++) i0 += (start[k]! + coord[k]!) * strides[k]!;
    for (let x = 0; x < w; x++) {
      if (a[i0 + x] === label) ma[j0 + x] = 1;
      if (b[i0 + x] === label) mb[j0 + x] = 1;
    }
    nextRow(coord, cropShape);
  }
  return { a: ma, b: mb };
}
