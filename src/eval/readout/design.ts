/**
 * Feature matrices for the readouts: n samples × p features, float64, row-major. Callers pass either an array of
 * rows (`number[][]`, `Float64Array[]`, e.g. one image embedding per scan) or a flat row-major array with its column
 * count `{ data, cols }` (e.g. a tensor's `Float32Array`). Every value must be finite: a NaN or Infinity is refused,
 * naming the row and column, never propagated into a fit.
 */

export type Features = readonly ArrayLike<number>[] | { data: ArrayLike<number>; cols: number };

export interface Matrix {
  /** row-major rows × cols */
  data: Float64Array;
  rows: number;
  cols: number;
}

/** Copies and validates `x` into a float64 row-major matrix; `what` names the caller and argument in errors. */
export function toMatrix(x: Features, what: string): Matrix {
  if (Array.isArray(x)) {
    const rows = x as readonly ArrayLike<number>[];
    const n = rows.length;
    if (n === 0) throw new Error(`${what}: no samples (0 rows)`);
    const p = rows[0]!.length;
    const data = new Float64Array(n * p);
    for (let i = 0; i < n; i++) {
      const r = rows[i]!;
      if (r.length !== p) throw new Error(`${what}: row ${i} has ${r.length} features, row 0 has ${p}`);
      for (let j = 0; j < p; j++) data[i * p + j] = r[j]!;
    }
    checkFinite(data, p, what);
    return { data, rows: n, cols: p };
  }
  const flat = x as { data: ArrayLike<number>; cols: number };
  const p = flat.cols;
  if (!Number.isInteger(p) || p < 0) throw new Error(`${what}: cols must be a non-negative integer, got ${p}`);
  const len = flat.data.length;
  if (p === 0 ? len !== 0 : len % p !== 0) {
    throw new Error(`${what}: data length ${len} is not a multiple of cols = ${p}`);
  }
  const n = p === 0 ? 0 : len / p;
  if (n === 0) throw new Error(`${what}: no samples (0 rows)`);
  const data = Float64Array.from(flat.data);
  checkFinite(data, p, what);
  return { data, rows: n, cols: p };
}

function checkFinite(data: Float64Array, p: number, what: string): void {
  for (let k = 0; k < data.length; k++) {
    if (!Number.isFinite(data[k]!)) {
      throw new Error(`${what}: feature [row ${Math.floor(k / p)}, column ${k % p}] is ${data[k]}, must be finite`);
    }
  }
}

/** Validates a vector of n finite numbers (targets, times, ...) and copies it to float64. */
export function toVector(y: ArrayLike<number>, n: number, what: string): Float64Array {
  if (y.length !== n) throw new Error(`${what}: has ${y.length} entries but there are ${n} samples`);
  const out = Float64Array.from(y);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(out[i]!)) throw new Error(`${what}[${i}] is ${out[i]}, must be finite`);
  }
  return out;
}

/**
 * Column centring and scaling fitted on training features: z = (x - mean) / scale, scale = the population standard
 * deviation (ddof 0, as scikit-learn's StandardScaler); a constant column gets scale 1 (it is only centred).
 */
export interface Standardizer {
  mean: Float64Array;
  scale: Float64Array;
}

export function fitStandardizer(m: Matrix): Standardizer {
  const { data, rows: n, cols: p } = m;
  const mean = new Float64Array(p);
  const scale = new Float64Array(p);
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) mean[j]! += data[i * p + j]!;
  for (let j = 0; j < p; j++) mean[j]! /= n;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p; j++) scale[j]! += (data[i * p + j]! - mean[j]!) ** 2;
  }
  for (let j = 0; j < p; j++) {
    const s = Math.sqrt(scale[j]! / n);
    scale[j] = s > 1e-12 * Math.max(1, Math.abs(mean[j]!)) ? s : 1;
  }
  return { mean, scale };
}

/** the identity transform (mean 0, scale 1) */
export function identityStandardizer(p: number): Standardizer {
  return { mean: new Float64Array(p), scale: new Float64Array(p).fill(1) };
}

/** (x - mean) / scale, a new matrix */
export function applyStandardizer(m: Matrix, s: Standardizer): Matrix {
  const { rows: n, cols: p } = m;
  const data = new Float64Array(n * p);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p; j++) data[i * p + j] = (m.data[i * p + j]! - s.mean[j]!) / s.scale[j]!;
  }
  return { data, rows: n, cols: p };
}

/** Checks that prediction features have the training feature count. */
export function checkCols(m: Matrix, p: number, what: string): void {
  if (m.cols !== p) throw new Error(`${what}: features have ${m.cols} columns, the model was fitted on ${p}`);
}
