/**
 * Multinomial (softmax) logistic regression readout (DrasCLR §4.2: "multiclass logistic regression models to
 * predict four categorical outcomes ... accuracy ... 1-off", 5-fold cross-validation). For K classes, weights W
 * (K×p) and intercepts b (K), P(y = k | x) = softmax_k(W x + b), fitted by minimising the penalised negative
 * log-likelihood (scikit-learn's LogisticRegression(multi_class='multinomial', C = 1/l2), full K-row
 * parametrisation, intercepts not penalised):
 *
 *   f(W, b) = Σ_i [ logsumexp_k(w_k·x_i + b_k) - (w_{y_i}·x_i + b_{y_i}) ] + (λ/2) ||W||²_F
 *   ∂f/∂W = (P - Y)ᵀ X + λ W,   ∂f/∂b = Σ_i (p_i - y_i)                (Y one-hot, P the softmax probabilities)
 *
 * with L-BFGS (lbfgs.ts). The default λ = 1 is scikit-learn's default C = 1 (the paper does not give its own).
 * f is convex and, for λ > 0, strictly convex in W; the intercepts are determined up to a common shift, which does
 * not change P (L-BFGS is unaffected: the gradient has no component along it). With λ = 0 and separable classes the
 * likelihood has no maximum: the weights grow until the iteration limit and `converged` is false.
 *
 * Classes are the distinct labels of the training data (integers, sorted), as scikit-learn: a label absent from a
 * training fold cannot be predicted. With K = 2 the model equals binary logistic regression with penalty λ/2 on
 * w = w_1 - w_0 (the penalty's minimum over w_0 + w_1 is at w_1 = -w_0).
 */
import {
  applyStandardizer,
  checkCols,
  fitStandardizer,
  identityStandardizer,
  toMatrix,
  type Features,
  type Matrix,
} from './design.js';
import { minimizeLbfgs } from './lbfgs.js';

export interface LogisticRegressionOptions {
  /** L2 penalty λ ≥ 0 on the weights (default 1 = scikit-learn's C = 1) */
  l2?: number;
  /** fit unpenalised intercepts (default true) */
  intercept?: boolean;
  /** z-score the features before fitting, so λ treats all features alike (default false, as scikit-learn) */
  standardize?: boolean;
  /** L-BFGS iterations (default 1000) */
  maxIterations?: number;
  /** stop when ||∇f||∞ ≤ this (default 1e-7) */
  gradientTolerance?: number;
}

export interface LogisticRegressionModel {
  /** the class labels, ascending; row k of `weights` and `intercepts[k]` belong to classes[k] */
  classes: number[];
  /** K×p row-major, in the original feature units */
  weights: Float64Array;
  intercepts: Float64Array;
  l2: number;
  /** penalised negative log-likelihood at the solution (in the fitting space) */
  objective: number;
  converged: boolean;
  iterations: number;
  /** n×K row-major class probabilities, columns in `classes` order */
  predictProba(x: Features): Float64Array;
  /** the most probable class label of each row (ties: the lower label) */
  predict(x: Features): number[];
}

export function fitLogisticRegression(
  x: Features,
  labels: ArrayLike<number>,
  options: LogisticRegressionOptions = {},
): LogisticRegressionModel {
  const what = 'fitLogisticRegression';
  const l2 = options.l2 ?? 1;
  if (!(Number.isFinite(l2) && l2 >= 0)) throw new Error(`${what}: options.l2 must be a finite number >= 0, got ${l2}`);
  const useIntercept = options.intercept ?? true;
  const raw = toMatrix(x, `${what}: x`);
  const n = raw.rows;
  const p = raw.cols;
  const y = labelIndices(labels, n, what);
  const { classes, index } = y;
  const K = classes.length;
  if (K < 2) throw new Error(`${what}: the labels hold a single class (${classes[0]}); need at least 2`);
  const std = options.standardize ? fitStandardizer(raw) : identityStandardizer(p);
  if (!useIntercept) std.mean.fill(0);
  const z = applyStandardizer(raw, std);
  const nW = K * p;
  const objective = (theta: Float64Array, grad: Float64Array): number =>
    softmaxObjective(z, index, K, theta, l2, useIntercept, grad);
  const result = minimizeLbfgs(objective, new Float64Array(nW + (useIntercept ? K : 0)), {
    maxIterations: options.maxIterations ?? 1000,
    gradientTolerance: options.gradientTolerance ?? 1e-7,
  });
  // back to original units: w·(x - μ)/s + b = (w/s)·x + b - Σ w μ / s
  const weights = new Float64Array(nW);
  const intercepts = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    let b = useIntercept ? result.x[nW + k]! : 0;
    for (let j = 0; j < p; j++) {
      const w = result.x[k * p + j]! / std.scale[j]!;
      weights[k * p + j] = w;
      b -= w * std.mean[j]!;
    }
    intercepts[k] = b;
  }
  const predictProba = (xs: Features): Float64Array => {
    const m = toMatrix(xs, 'LogisticRegressionModel.predict: x');
    checkCols(m, p, 'LogisticRegressionModel.predict');
    return softmaxProbabilities(m, weights, intercepts, K);
  };
  return {
    classes,
    weights,
    intercepts,
    l2,
    objective: result.f,
    converged: result.converged,
    iterations: result.iterations,
    predictProba,
    predict(xs: Features): number[] {
      const prob = predictProba(xs);
      const rows = prob.length / K;
      const out: number[] = [];
      for (let i = 0; i < rows; i++) {
        let best = 0;
        for (let k = 1; k < K; k++) if (prob[i * K + k]! > prob[i * K + best]!) best = k;
        out.push(classes[best]!);
      }
      return out;
    },
  };
}

/** distinct integer labels (sorted) and each sample's index into them */
function labelIndices(labels: ArrayLike<number>, n: number, what: string): { classes: number[]; index: Int32Array } {
  if (labels.length !== n) throw new Error(`${what}: labels has ${labels.length} entries but there are ${n} samples`);
  const set = new Set<number>();
  for (let i = 0; i < n; i++) {
    const v = labels[i]!;
    if (!Number.isInteger(v)) throw new Error(`${what}: labels[${i}] = ${v} is not an integer class label`);
    set.add(v);
  }
  const classes = [...set].sort((a, b) => a - b);
  const pos = new Map(classes.map((c, k) => [c, k]));
  const index = new Int32Array(n);
  for (let i = 0; i < n; i++) index[i] = pos.get(labels[i]!)!;
  return { classes, index };
}

/** f and ∇f of the penalised softmax negative log-likelihood; θ = [W (K×p row-major), b (K, if intercept)] */
function softmaxObjective(
  z: Matrix,
  y: Int32Array,
  K: number,
  theta: Float64Array,
  l2: number,
  useIntercept: boolean,
  grad: Float64Array,
): number {
  const { data, rows: n, cols: p } = z;
  const nW = K * p;
  grad.fill(0);
  let f = 0;
  const logits = new Float64Array(K);
  for (let i = 0; i < n; i++) {
    const row = i * p;
    let max = -Infinity;
    for (let k = 0; k < K; k++) {
      let s = useIntercept ? theta[nW + k]! : 0;
      for (let j = 0; j < p; j++) s += theta[k * p + j]! * data[row + j]!;
      logits[k] = s;
      if (s > max) max = s;
    }
    let sum = 0;
    for (let k = 0; k < K; k++) {
      logits[k] = Math.exp(logits[k]! - max);
      sum += logits[k]!;
    }
    const yi = y[i]!;
    // -log p_y = logsumexp - logit_y = log(sum) - (logit_y - max)
    f += Math.log(sum) - Math.log(logits[yi]!);
    for (let k = 0; k < K; k++) {
      const r = logits[k]! / sum - (k === yi ? 1 : 0);
      if (r === 0) continue;
      for (let j = 0; j < p; j++) grad[k * p + j]! += r * data[row + j]!;
      if (useIntercept) grad[nW + k]! += r;
    }
  }
  if (l2 > 0) {
    let sq = 0;
    for (let q = 0; q < nW; q++) {
      sq += theta[q]! * theta[q]!;
      grad[q]! += l2 * theta[q]!;
    }
    f += 0.5 * l2 * sq;
  }
  return f;
}

function softmaxProbabilities(m: Matrix, w: Float64Array, b: Float64Array, K: number): Float64Array {
  const { data, rows: n, cols: p } = m;
  const out = new Float64Array(n * K);
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let k = 0; k < K; k++) {
      let s = b[k]!;
      for (let j = 0; j < p; j++) s += w[k * p + j]! * data[i * p + j]!;
      out[i * K + k] = s;
      if (s > max) max = s;
    }
    let sum = 0;
    for (let k = 0; k < K; k++) {
      const e = Math.exp(out[i * K + k]! - max);
      out[i * K + k] = e;
      sum += e;
    }
    for (let k = 0; k < K; k++) out[i * K + k] = out[i * K + k]! / sum;
  }
  return out;
}

/** fraction of predictions equal to the truth */
export function accuracy(pred: ArrayLike<number>, truth: ArrayLike<number>): number {
  return withinAccuracy(pred, truth, 0, 'accuracy');
}

/**
 * "1-off" accuracy of ordinal grades (DrasCLR Table 2 for GOLD, CLE and paraseptal scores): the fraction of
 * predictions with |pred - truth| ≤ tolerance (default 1). Labels are the grades' integer codes, so codes must be
 * consecutive grades for "one class off" to mean one grade.
 */
export function oneOffAccuracy(pred: ArrayLike<number>, truth: ArrayLike<number>, tolerance = 1): number {
  return withinAccuracy(pred, truth, tolerance, 'oneOffAccuracy');
}

function withinAccuracy(pred: ArrayLike<number>, truth: ArrayLike<number>, tol: number, what: string): number {
  if (pred.length !== truth.length) {
    throw new Error(`${what}: pred has ${pred.length} entries but truth has ${truth.length}`);
  }
  if (pred.length === 0) throw new Error(`${what}: no samples`);
  if (!(tol >= 0)) throw new Error(`${what}: tolerance must be >= 0, got ${tol}`);
  let hit = 0;
  for (let i = 0; i < pred.length; i++) {
    const a = pred[i]!;
    const b = truth[i]!;
    if (!Number.isFinite(a) || !Number.isFinite(b)) {
      throw new Error(`${what}: pred[${i}] = ${a}, truth[${i}] = ${b}: labels must be finite numbers`);
    }
    if (Math.abs(a - b) <= tol) hit++;
  }
  return hit / pred.length;
}
