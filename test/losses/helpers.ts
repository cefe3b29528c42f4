/**
 * Test helpers for the losses: float64 matrices as nested arrays, dot products and a stable log-sum-exp written
 * with plain loops, central finite differences, and conversions to engine tensors.
 */
import { tensor, type Tensor } from '../../src/engine/index.js';
import { Rng } from '../../src/util/rng.js';

export type Mat = number[][];

export function dot(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** log Σ exp(v) with the max subtracted (plain loop; -Infinity entries contribute 0) */
export function logSumExp(v: readonly number[]): number {
  let mx = -Infinity;
  for (const x of v) if (x > mx) mx = x;
  let s = 0;
  for (const x of v) s += Math.exp(x - mx);
  return mx + Math.log(s);
}

/** m rows of d normal values, each scaled to unit length */
export function randomUnitRows(rng: Rng, m: number, d: number): Mat {
  const out: Mat = [];
  for (let i = 0; i < m; i++) {
    const row = Array.from({ length: d }, () => rng.normal());
    const n = Math.sqrt(dot(row, row));
    out.push(row.map((v) => v / n));
  }
  return out;
}

/** m rows of d normal values, not normalised */
export function randomRows(rng: Rng, m: number, d: number): Mat {
  return Array.from({ length: m }, () => Array.from({ length: d }, () => rng.normal()));
}

export function unit(row: readonly number[]): number[] {
  const n = Math.sqrt(dot(row, row));
  return row.map((v) => v / n);
}

/** a float64 tensor (or float32 with dtype) holding the rows */
export function t64(rows: Mat, opts: { requiresGrad?: boolean; dtype?: 'float32' | 'float64' } = {}): Tensor {
  const shape = [rows.length, rows[0]?.length ?? 0];
  return tensor(Float64Array.from(rows.flat()), {
    shape,
    dtype: opts.dtype ?? 'float64',
    requiresGrad: opts.requiresGrad ?? false,
  });
}

/** the flat float64 values of a tensor as rows of `cols` */
export function rowsOf(values: ArrayLike<number>, cols: number): Mat {
  const out: Mat = [];
  for (let i = 0; i < values.length; i += cols) out.push(Array.from({ length: cols }, (_, j) => Number(values[i + j])));
  return out;
}

/**
 * Central differences of a scalar function of a matrix: d f / d x[i][j] ≈ (f(x + h e_ij) - f(x - h e_ij)) / 2h,
 * flattened in row-major order.
 */
export function numericGrad(f: (x: Mat) => number, x: Mat, h = 1e-6): number[] {
  const out: number[] = [];
  for (let i = 0; i < x.length; i++) {
    for (let j = 0; j < x[i]!.length; j++) {
      const plus = x.map((r) => [...r]);
      const minus = x.map((r) => [...r]);
      plus[i]![j]! += h;
      minus[i]![j]! -= h;
      out.push((f(plus) - f(minus)) / (2 * h));
    }
  }
  return out;
}

/** true when every value is finite */
export function allFinite(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(Number(values[i]))) return false;
  return true;
}
