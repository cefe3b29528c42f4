/**
 * Test helpers for the engine: a float64 closeness check, seeded random inputs, and C-order index arithmetic
 * (ravel/unravel, broadcasting, reductions) so tests can compute references with plain loops.
 */
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Rng } from '../../src/util/rng.js';

/**
 * A full garbage collection, now. The flag is set at run time, so node's --expose-gc is not needed; `gc` is then
 * defined in contexts created after it (a new vm context), not in this module's.
 */
export function fullGc(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

export interface CloseOptions {
  /** relative tolerance (default 1e-5, fits float32 results) */
  rtol?: number;
  /** absolute tolerance (default 1e-6) */
  atol?: number;
  /** prefix of the failure message */
  msg?: string;
}

/**
 * Asserts |actual[i] - expected[i]| <= atol + rtol * |expected[i]| for every i (NaN matches NaN, infinities must
 * be equal). Fails with the first offending index and both values.
 */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, opts: CloseOptions = {}): void {
  const rtol = opts.rtol ?? 1e-5;
  const atol = opts.atol ?? 1e-6;
  const msg = opts.msg ? `${opts.msg}: ` : '';
  assert.equal(actual.length, expected.length, `${msg}length ${actual.length}, expected ${expected.length}`);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = Number(actual[i]);
    const e = Number(expected[i]);
    if (Number.isNaN(e) || Number.isNaN(a)) {
      if (Number.isNaN(e) && Number.isNaN(a)) continue;
      assert.fail(`${msg}element ${i}: got ${a}, expected ${e}`);
    }
    if (!Number.isFinite(e) || !Number.isFinite(a)) {
      if (a === e) continue;
      assert.fail(`${msg}element ${i}: got ${a}, expected ${e}`);
    }
    const excess = Math.abs(a - e) - (atol + rtol * Math.abs(e));
    if (excess > worstExcess) {
      worstExcess = excess;
      worst = i;
    }
  }
  if (worst >= 0) {
    assert.fail(
      `${msg}element ${worst} of ${expected.length}: got ${Number(actual[worst])}, expected ${Number(expected[worst])} ` +
        `(rtol ${rtol}, atol ${atol})`,
    );
  }
}

/** n uniform values in [low, high) from the seeded Rng, rounded to float32 so float32 tensors hold them exactly. */
export function randomArray(rng: Rng, n: number, low = -1, high = 1): number[] {
  return Array.from({ length: n }, () => Math.fround(rng.uniform(low, high)));
}

// ---- C-order index arithmetic ----

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** the multi-index of flat position i in a C-order array of `shape` */
export function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d]!;
    i = Math.floor(i / shape[d]!);
  }
  return idx;
}

/** the flat position of a multi-index in a C-order array of `shape` */
export function ravel(idx: readonly number[], shape: readonly number[]): number {
  let i = 0;
  for (let d = 0; d < shape.length; d++) i = i * shape[d]! + idx[d]!;
  return i;
}

/** NumPy broadcasting of shapes (right-aligned; size 1 stretches) */
export function broadcastShapes(...shapes: (readonly number[])[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let k = 0; k < rank; k++) {
    let size = 1;
    for (const s of shapes) {
      const d = s.length - rank + k;
      const v = d >= 0 ? s[d]! : 1;
      if (v !== 1) {
        if (size !== 1 && size !== v) throw new Error(`shapes [${shapes.map((x) => x.join(','))}] do not broadcast`);
        size = v;
      }
    }
    out.push(size);
  }
  return out;
}

/** the element of a C-order array of `shape` that broadcasts to output index `idx` (idx may have a higher rank) */
export function atBroadcast(data: ArrayLike<number>, shape: readonly number[], idx: readonly number[]): number {
  const off = idx.length - shape.length;
  let i = 0;
  for (let d = 0; d < shape.length; d++) i = i * shape[d]! + (shape[d] === 1 ? 0 : idx[d + off]!);
  return data[i]!;
}

export interface NdRef {
  data: Float64Array;
  shape: number[];
}

/** elementwise f over broadcast inputs, with plain loops */
export function broadcastRef(
  inputs: { data: ArrayLike<number>; shape: readonly number[] }[],
  f: (...v: number[]) => number,
): NdRef {
  const shape = broadcastShapes(...inputs.map((x) => x.shape));
  const n = numel(shape);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const idx = unravel(i, shape);
    data[i] = f(...inputs.map((x) => atBroadcast(x.data, x.shape, idx)));
  }
  return { data, shape };
}

/**
 * Reduces over `dims` (negative allowed; empty = all dims) with `f` applied to the list of reduced values,
 * in C order of the reduced positions.
 */
export function reduceRef(
  data: ArrayLike<number>,
  shape: readonly number[],
  dims: readonly number[],
  keepdim: boolean,
  f: (values: number[]) => number,
): NdRef {
  const rank = shape.length;
  const red = new Set(dims.length === 0 ? shape.map((_, d) => d) : dims.map((d) => (d < 0 ? d + rank : d)));
  const outKeep = shape.map((s, d) => (red.has(d) ? 1 : s));
  const groups = new Map<number, number[]>();
  for (let i = 0; i < data.length; i++) {
    const idx = unravel(i, shape);
    const o = ravel(
      idx.map((v, d) => (red.has(d) ? 0 : v)),
      outKeep,
    );
    let g = groups.get(o);
    if (!g) groups.set(o, (g = []));
    g.push(data[i]!);
  }
  const n = numel(outKeep);
  const out = new Float64Array(n);
  for (let o = 0; o < n; o++) out[o] = f(groups.get(o) ?? []);
  return {
    data: out,
    shape: keepdim ? outKeep : shape.filter((_, d) => !red.has(d)),
  };
}
