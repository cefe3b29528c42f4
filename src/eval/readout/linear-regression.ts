/**
 * Linear regression readout (DrasCLR §4.2: "linear regression models to predict two pulmonary function measures on
 * the log scale ... R² scores", 5-fold cross-validation). Ordinary least squares with an intercept and an optional
 * ridge penalty, the scikit-learn objective (LinearRegression / Ridge(alpha = ridge)):
 *
 *   minimise  ||y - b·1 - X β||² + λ ||β||²      (the intercept b is not penalised)
 *
 * Solved without forming XᵀX: centre X and y (which removes b; b = ȳ - x̄ᵀβ afterwards), then Householder QR of the
 * augmented system [X_c; √λ I] β ≈ [y_c; 0], whose normal equations are exactly (X_cᵀX_c + λI) β = X_cᵀ y_c.
 * `standardize` z-scores the features first (so λ penalises every feature on the same scale); the coefficients are
 * always reported in the original feature units, so `predict` takes raw features. (Without an intercept the
 * features are only scaled, not centred.)
 */
import { Rng } from '../../util/rng.js';
import {
  applyStandardizer,
  checkCols,
  fitStandardizer,
  identityStandardizer,
  toMatrix,
  toVector,
  type Features,
  type Matrix,
} from './design.js';
import { leastSquaresQR } from './linalg.js';

export interface LinearRegressionOptions {
  /** ridge penalty λ ≥ 0 (default 0: ordinary least squares) */
  ridge?: number;
  /** fit an unpenalised intercept (default true) */
  intercept?: boolean;
  /** z-score the features before fitting (default false, as scikit-learn) */
  standardize?: boolean;
}

export interface LinearRegressionModel {
  /** p coefficients in the original feature units */
  coef: Float64Array;
  intercept: number;
  ridge: number;
  /** ŷ = intercept + x·coef for each row */
  predict(x: Features): Float64Array;
}

export function fitLinearRegression(
  x: Features,
  y: ArrayLike<number>,
  options: LinearRegressionOptions = {},
): LinearRegressionModel {
  const ridge = options.ridge ?? 0;
  if (!(Number.isFinite(ridge) && ridge >= 0)) {
    throw new Error(`fitLinearRegression: options.ridge must be a finite number >= 0, got ${ridge}`);
  }
  const useIntercept = options.intercept ?? true;
  const raw = toMatrix(x, 'fitLinearRegression: x');
  const n = raw.rows;
  const p = raw.cols;
  const target = toVector(y, n, 'fitLinearRegression: y');
  if (ridge === 0 && n - (useIntercept ? 1 : 0) < p) {
    throw new Error(
      `fitLinearRegression: ${n} samples cannot determine ${p} coefficients${useIntercept ? ' and an intercept' : ''}` +
        ' by least squares; use a ridge penalty > 0',
    );
  }
  const std = options.standardize ? fitStandardizer(raw) : identityStandardizer(p);
  if (!useIntercept) std.mean.fill(0); // without an intercept only scale: centring would add one implicitly
  const z = applyStandardizer(raw, std);
  // centre (when fitting an intercept) in the standardised space
  const colMean = new Float64Array(p);
  let yMean = 0;
  if (useIntercept) {
    for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) colMean[j]! += z.data[i * p + j]!;
    for (let j = 0; j < p; j++) colMean[j]! /= n;
    for (let i = 0; i < n; i++) yMean += target[i]!;
    yMean /= n;
  }
  const extra = ridge > 0 ? p : 0;
  const m = n + extra;
  const a = new Float64Array(m * p);
  const b = new Float64Array(m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p; j++) a[i * p + j] = z.data[i * p + j]! - colMean[j]!;
    b[i] = target[i]! - yMean;
  }
  const sq = Math.sqrt(ridge);
  for (let j = 0; j < extra; j++) a[(n + j) * p + j] = sq;
  const betaStd = p > 0 ? leastSquaresQR(a, m, p, b, 'fitLinearRegression') : new Float64Array(0);
  // back to original units: x_std = (x - μ)/s, so coef = β/s and the intercept absorbs -Σ β μ / s
  const coef = new Float64Array(p);
  let intercept = yMean;
  for (let j = 0; j < p; j++) {
    coef[j] = betaStd[j]! / std.scale[j]!;
    intercept -= betaStd[j]! * colMean[j]!;
    intercept -= coef[j]! * std.mean[j]!;
  }
  return {
    coef,
    intercept,
    ridge,
    predict(xs: Features): Float64Array {
      const mat = toMatrix(xs, 'LinearRegressionModel.predict: x');
      checkCols(mat, p, 'LinearRegressionModel.predict');
      return linearPredict(mat, coef, intercept);
    },
  };
}

function linearPredict(m: Matrix, coef: Float64Array, intercept: number): Float64Array {
  const out = new Float64Array(m.rows);
  for (let i = 0; i < m.rows; i++) {
    let s = intercept;
    for (let j = 0; j < m.cols; j++) s += m.data[i * m.cols + j]! * coef[j]!;
    out[i] = s;
  }
  return out;
}

/**
 * Coefficient of determination R² = 1 - Σ(y - ŷ)² / Σ(y - ȳ)² (scikit-learn's r2_score; negative when the
 * predictions are worse than the mean). Throws when y is constant (the ratio is 0/0 or undefined).
 */
export function rSquared(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  const n = yTrue.length;
  if (n === 0) throw new Error('rSquared: no samples');
  const t = toVector(yTrue, n, 'rSquared: yTrue');
  const p = toVector(yPred, n, 'rSquared: yPred');
  let mean = 0;
  for (let i = 0; i < n; i++) mean += t[i]!;
  mean /= n;
  let ssRes = 0;
  let ssTot = 0;
  for (let i = 0; i < n; i++) {
    ssRes += (t[i]! - p[i]!) ** 2;
    ssTot += (t[i]! - mean) ** 2;
  }
  if (!(ssTot > 0)) throw new Error('rSquared: the true values are constant, R² is undefined');
  return 1 - ssRes / ssTot;
}

export interface CrossValidatedR2Options extends LinearRegressionOptions {
  /** number of folds (default 5, as the paper) */
  folds?: number;
  /** seed of the fold assignment (default 0) */
  seed?: number;
  /**
   * explicit fold of each sample (integers 0..folds-1), e.g. from the patient-level splits file; overrides
   * folds/seed. Samples of one patient must share a fold.
   */
  foldOf?: ArrayLike<number>;
}

export interface CrossValidatedR2Result {
  /** R² on each test fold (each fold's own mean in the denominator) */
  foldR2: number[];
  /** mean and population standard deviation of foldR2 */
  mean: number;
  std: number;
  /** R² of all out-of-fold predictions together */
  pooledR2: number;
  /** out-of-fold prediction of every sample */
  predictions: Float64Array;
  foldOf: Int32Array;
}

/** k-fold cross-validated R² of the linear readout: fit on k-1 folds, predict the held-out one. */
export function crossValidatedR2(
  x: Features,
  y: ArrayLike<number>,
  options: CrossValidatedR2Options = {},
): CrossValidatedR2Result {
  const mat = toMatrix(x, 'crossValidatedR2: x');
  const n = mat.rows;
  const target = toVector(y, n, 'crossValidatedR2: y');
  const foldOf = assignFolds(n, options, 'crossValidatedR2');
  let k = 0;
  for (let i = 0; i < n; i++) k = Math.max(k, foldOf[i]! + 1);
  const predictions = new Float64Array(n);
  const foldR2: number[] = [];
  for (let f = 0; f < k; f++) {
    const train: number[] = [];
    const test: number[] = [];
    for (let i = 0; i < n; i++) (foldOf[i] === f ? test : train).push(i);
    if (test.length === 0) throw new Error(`crossValidatedR2: fold ${f} has no samples`);
    if (train.length === 0) throw new Error(`crossValidatedR2: fold ${f} leaves no training samples`);
    const model = fitLinearRegression(
      { data: pickRows(mat, train), cols: mat.cols },
      train.map((i) => target[i]!),
      options,
    );
    const pred = model.predict({ data: pickRows(mat, test), cols: mat.cols });
    test.forEach((i, t) => (predictions[i] = pred[t]!));
    const yt = test.map((i) => target[i]!);
    try {
      foldR2.push(rSquared(yt, pred));
    } catch (e) {
      throw new Error(`crossValidatedR2: fold ${f}: ${(e as Error).message}`);
    }
  }
  const mean = foldR2.reduce((s, v) => s + v, 0) / k;
  const std = Math.sqrt(foldR2.reduce((s, v) => s + (v - mean) ** 2, 0) / k);
  return { foldR2, mean, std, pooledR2: rSquared(target, predictions), predictions, foldOf };
}

/** rows `idx` of m, row-major */
export function pickRows(m: Matrix, idx: readonly number[]): Float64Array {
  const out = new Float64Array(idx.length * m.cols);
  idx.forEach((i, r) => out.set(m.data.subarray(i * m.cols, (i + 1) * m.cols), r * m.cols));
  return out;
}

/**
 * Fold of each of n samples: `options.foldOf` validated, or a seeded permutation dealt round-robin into `folds`
 * folds (sizes differ by at most one).
 */
export function assignFolds(
  n: number,
  options: { folds?: number; seed?: number; foldOf?: ArrayLike<number> },
  what: string,
): Int32Array {
  if (options.foldOf) {
    if (options.foldOf.length !== n) {
      throw new Error(`${what}: options.foldOf has ${options.foldOf.length} entries but there are ${n} samples`);
    }
    const out = new Int32Array(n);
    let k = 0;
    for (let i = 0; i < n; i++) {
      const f = options.foldOf[i]!;
      if (!(Number.isInteger(f) && f >= 0)) throw new Error(`${what}: options.foldOf[${i}] = ${f} is not a fold index`);
      out[i] = f;
      k = Math.max(k, f + 1);
    }
    if (k < 2) throw new Error(`${what}: options.foldOf names a single fold; need at least 2`);
    return out;
  }
  const k = options.folds ?? 5;
  if (!(Number.isInteger(k) && k >= 2)) throw new Error(`${what}: options.folds must be an integer >= 2, got ${k}`);
  if (k > n) throw new Error(`${what}: ${k} folds need at least ${k} samples, got ${n}`);
  const perm = new Rng(options.seed ?? 0).permutation(n);
  const out = new Int32Array(n);
  perm.forEach((i, r) => (out[i] = r % k));
  return out;
}
