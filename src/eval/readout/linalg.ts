/**
 * Small dense linear algebra on row-major Float64Arrays for the readouts: Householder QR least squares and
 * Cholesky factorisation/solve. Sizes are those of readouts (hundreds of features at most), so plain loops suffice.
 */

/**
 * Solves min_x ||A x - b||₂ for A m×n (m ≥ n, row-major) by Householder QR (Golub & Van Loan, alg. 5.3.2), which
 * works on A itself rather than AᵀA and so keeps the condition number κ(A) instead of κ(A)². Throws, naming the
 * column, when A is rank deficient: |R_kk| ≤ max(m, n)·ε·max_j |R_jj| means column k lies (numerically) in the span
 * of columns 0..k-1.
 */
export function leastSquaresQR(a: Float64Array, m: number, n: number, b: Float64Array, what: string): Float64Array {
  if (m < n) throw new Error(`${what}: least squares needs at least as many rows (${m}) as unknowns (${n})`);
  // column-major copy: Householder reflections then touch contiguous memory
  const r = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) r[j * m + i] = a[i * n + j]!;
  const qtb = Float64Array.from(b);
  const diag = new Float64Array(n);
  const v = new Float64Array(m);
  for (let k = 0; k < n; k++) {
    const ck = k * m;
    let norm = 0;
    for (let i = k; i < m; i++) norm = Math.hypot(norm, r[ck + i]!);
    if (norm === 0) {
      diag[k] = 0;
      continue;
    }
    const alpha = r[ck + k]! > 0 ? -norm : norm; // sign chosen to avoid cancellation in v = x - alpha e1
    for (let i = k; i < m; i++) v[i] = r[ck + i]!;
    v[k] = v[k]! - alpha;
    let vv = 0;
    for (let i = k; i < m; i++) vv += v[i]! * v[i]!;
    diag[k] = alpha;
    r[ck + k] = alpha;
    for (let i = k + 1; i < m; i++) r[ck + i] = 0;
    if (vv === 0) continue;
    // apply H = I - 2 v vᵀ / (vᵀv) to the remaining columns and to b
    for (let j = k + 1; j < n; j++) {
      const cj = j * m;
      let s = 0;
      for (let i = k; i < m; i++) s += v[i]! * r[cj + i]!;
      s = (2 * s) / vv;
      for (let i = k; i < m; i++) r[cj + i] = r[cj + i]! - s * v[i]!;
    }
    let s = 0;
    for (let i = k; i < m; i++) s += v[i]! * qtb[i]!;
    s = (2 * s) / vv;
    for (let i = k; i < m; i++) qtb[i] = qtb[i]! - s * v[i]!;
  }
  let maxDiag = 0;
  for (let k = 0; k < n; k++) maxDiag = Math.max(maxDiag, Math.abs(diag[k]!));
  const tol = Math.max(m, n) * Number.EPSILON * maxDiag;
  for (let k = 0; k < n; k++) {
    if (!(Math.abs(diag[k]!) > tol)) {
      throw new Error(
        `${what}: the design matrix is rank deficient (column ${k} is a linear combination of the columns before it` +
          `, or constant when an intercept is fitted); drop it or use a ridge penalty > 0`,
      );
    }
  }
  // back substitution R x = (Qᵀb)[0..n)
  const x = new Float64Array(n);
  for (let k = n - 1; k >= 0; k--) {
    let s = qtb[k]!;
    for (let j = k + 1; j < n; j++) s -= r[j * m + k]! * x[j]!;
    x[k] = s / r[k * m + k]!;
  }
  return x;
}

/**
 * Cholesky factor L (lower triangular, A = L Lᵀ) of a symmetric n×n row-major matrix, or null when A is not
 * (numerically) positive definite.
 */
export function cholesky(a: Float64Array, n: number): Float64Array | null {
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j]!;
    for (let k = 0; k < j; k++) d -= l[j * n + k]! * l[j * n + k]!;
    if (!(d > 0) || !Number.isFinite(d)) return null;
    const ljj = Math.sqrt(d);
    l[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      l[i * n + j] = s / ljj;
    }
  }
  return l;
}

/** Solves L Lᵀ x = b given the Cholesky factor L. */
export function choleskySolve(l: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i * n + k]! * y[k]!;
    y[i] = s / l[i * n + i]!;
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * x[k]!;
    x[i] = s / l[i * n + i]!;
  }
  return x;
}

/** ||a||∞, the largest absolute value (0 for an empty vector) */
export function infNorm(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s = Math.max(s, Math.abs(a[i]!));
  return s;
}
