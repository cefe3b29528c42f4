/**
 * Separable resampling: a grid change is applied one axis at a time, each axis by a precomputed table that says,
 * for every output index, which input indices contribute and with which weights. Linear interpolation on a
 * tensor-product grid is exactly the product of 1D linear interpolations, so x-then-y-then-z passes give the same
 * numbers as per-voxel trilinear interpolation (up to float rounding), with 2 taps per output voxel per pass instead
 * of 8 gathers per voxel.
 */
import type { PixelArray } from '../io/image.js';
import { numel } from '../io/image.js';
import type { PixelArrayConstructor } from './common.js';

/** CSR table: output j takes sum over t in [start[j], start[j+1]) of weight[t] * input[index[t]] */
export interface AxisTable {
  nIn: number;
  nOut: number;
  start: Int32Array;
  index: Int32Array;
  weight: Float64Array;
}

function build(nIn: number, nOut: number, taps: (j: number, push: (i: number, w: number) => void) => void): AxisTable {
  const start = new Int32Array(nOut + 1);
  const index: number[] = [];
  const weight: number[] = [];
  const push = (i: number, w: number): void => {
    index.push(i);
    weight.push(w);
  };
  for (let j = 0; j < nOut; j++) {
    taps(j, push);
    start[j + 1] = index.length;
  }
  return { nIn, nOut, start, index: Int32Array.from(index), weight: Float64Array.from(weight) };
}

/**
 * Linear interpolation at continuous input index `coord(j)` (0 = centre of the first input voxel). Coordinates are
 * clamped to [0, nIn - 1], i.e. the border voxel is replicated. Every output gets exactly two taps (the fast path
 * of `applyAxis`).
 */
export function linearTable(nIn: number, nOut: number, coord: (j: number) => number): AxisTable {
  return build(nIn, nOut, (j, push) => {
    if (nIn === 1) {
      push(0, 1);
      push(0, 0);
      return;
    }
    const x = Math.min(Math.max(coord(j), 0), nIn - 1);
    const i0 = Math.min(Math.floor(x), nIn - 2); // always two taps (i0, i0 + 1); at the last voxel f = 1
    const f = x - i0;
    push(i0, 1 - f);
    push(i0 + 1, f);
  });
}

/** nearest neighbour: output j copies input `pick(j)` (an integer index; clamped to [0, nIn - 1]) */
export function nearestTable(nIn: number, nOut: number, pick: (j: number) => number): AxisTable {
  return build(nIn, nOut, (j, push) => {
    const i = Math.min(Math.max(pick(j), 0), nIn - 1);
    push(i, 1);
  });
}

/**
 * Antialiased linear ("triangle") resize with half-pixel centres, as PIL's BILINEAR resize and
 * `torch.nn.functional.interpolate(mode='bilinear', antialias=True)`: with scale = nIn / nOut, output j is centred at
 * input edge coordinate c = (j + 0.5) * scale; input i (centre i + 0.5) gets weight tri((i + 0.5 - c) / s),
 * s = max(scale, 1), tri(t) = max(0, 1 - |t|), and the weights are normalised to sum to 1. When enlarging (s = 1) this
 * is plain linear interpolation with the border replicated; when shrinking, the kernel widens to cover every input.
 */
export function triangleTable(nIn: number, nOut: number): AxisTable {
  const scale = nIn / nOut;
  const s = Math.max(scale, 1);
  return build(nIn, nOut, (j, push) => {
    const c = (j + 0.5) * scale;
    const lo = Math.max(Math.floor(c - s - 0.5), 0);
    const hi = Math.min(Math.ceil(c + s - 0.5), nIn - 1);
    let total = 0;
    const taps: [number, number][] = [];
    for (let i = lo; i <= hi; i++) {
      const w = 1 - Math.abs((i + 0.5 - c) / s);
      if (w > 0) {
        taps.push([i, w]);
        total += w;
      }
    }
    for (const [i, w] of taps) push(i, w / total);
  });
}

/** true when the table is one tap of weight 1 per output (a pure gather: values are copied, never mixed) */
function isGather(t: AxisTable): boolean {
  if (t.index.length !== t.nOut) return false;
  for (let k = 0; k < t.weight.length; k++) if (t.weight[k] !== 1) return false;
  return true;
}

function isTwoTap(t: AxisTable): boolean {
  for (let j = 0; j < t.nOut; j++) if (t.start[j + 1]! - t.start[j]! !== 2) return false;
  return true;
}

/** applies `table` along `axis` of C-order `src` with `shape`; returns a new array of type `Out` */
export function applyAxis(
  src: PixelArray,
  shape: readonly number[],
  axis: number,
  table: AxisTable,
  Out: PixelArrayConstructor,
): PixelArray {
  const n = shape[axis]!;
  if (table.nIn !== n) throw new RangeError(`applyAxis: table is for ${table.nIn} inputs, axis ${axis} has ${n}`);
  const outer = numel(shape.slice(0, axis));
  const inner = numel(shape.slice(axis + 1));
  const nOut = table.nOut;
  const out = new Out(outer * nOut * inner);
  const { start, index, weight } = table;
  const gather = isGather(table);
  if (inner === 1) {
    for (let o = 0; o < outer; o++) {
      const sb = o * n;
      const ob = o * nOut;
      for (let j = 0; j < nOut; j++) {
        let acc = 0;
        for (let t = start[j]!; t < start[j + 1]!; t++) acc += weight[t]! * src[sb + index[t]!]!;
        out[ob + j] = acc;
      }
    }
    return out;
  }
  if (gather && Out === src.constructor) {
    // row copies; same element type, so `set` copies bits
    const dst = out as unknown as { set(a: ArrayLike<number>, offset: number): void };
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < nOut; j++) {
        const s0 = (o * n + index[j]!) * inner;
        dst.set(src.subarray(s0, s0 + inner), (o * nOut + j) * inner);
      }
    }
    return out;
  }
  if (isTwoTap(table)) {
    // linear interpolation: exactly two taps per output row, no accumulator needed
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < nOut; j++) {
        const t = start[j]!;
        const w0 = weight[t]!;
        const w1 = weight[t + 1]!;
        const s0 = (o * n + index[t]!) * inner;
        const s1 = (o * n + index[t + 1]!) * inner;
        const d0 = (o * nOut + j) * inner;
        for (let i = 0; i < inner; i++) out[d0 + i] = w0 * src[s0 + i]! + w1 * src[s1 + i]!;
      }
    }
    return out;
  }
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < nOut; j++) {
      acc.fill(0);
      for (let t = start[j]!; t < start[j + 1]!; t++) {
        const w = weight[t]!;
        const s0 = (o * n + index[t]!) * inner;
        for (let i = 0; i < inner; i++) acc[i] = acc[i]! + w * src[s0 + i]!;
      }
      const d0 = (o * nOut + j) * inner;
      for (let i = 0; i < inner; i++) out[d0 + i] = acc[i]!;
    }
  }
  return out;
}

/**
 * Applies one table per axis (null = axis unchanged). Axes that shrink the most go first so later passes touch
 * fewer values. Intermediates and the result have type `Out` (use the input's type for gathers so values stay exact).
 */
export function applySeparable(
  src: PixelArray,
  shape: readonly number[],
  tables: readonly (AxisTable | null)[],
  Out: PixelArrayConstructor,
): { data: PixelArray; shape: number[] } {
  const order = tables
    .map((t, axis) => ({ t, axis }))
    .filter((e): e is { t: AxisTable; axis: number } => e.t !== null)
    .sort((a, b) => a.t.nOut / a.t.nIn - b.t.nOut / b.t.nIn || a.axis - b.axis);
  let data = src;
  const cur = shape.slice();
  for (const { t, axis } of order) {
    data = applyAxis(data, cur, axis, t, Out);
    cur[axis] = t.nOut;
  }
  if (data === src) {
    const copy = new Out(src.length);
    (copy as unknown as { set(a: ArrayLike<number>): void }).set(src);
    data = copy;
  }
  return { data, shape: cur };
}
