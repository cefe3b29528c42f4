import { Rng } from '../util/rng.js';

/**
 * Exact t-SNE (van der Maaten & Hinton 2008) in plain TypeScript on Float64Arrays, seeded. O(n²) time and memory
 * per iteration: fine up to about 2000 points (n = 2000 holds three n×n float64 matrices, ~100 MB), refused above
 * `maxPoints` (default 5000) — subsample first.
 *
 * 1. Conditional affinities p_{j|i} = exp(-beta_i d_ij²) / sum_k exp(-beta_i d_ik²) (squared Euclidean distances in
 *    the input space, no PCA), beta_i found by binary search so that the row's entropy H_i = -sum_j p_{j|i} ln p_{j|i}
 *    equals ln(perplexity) (perplexity measured in nats: Perp = e^H, equivalent to 2^H in bits).
 * 2. Joint P = (P_cond + P_condᵀ) / (2n), floored at 1e-12 (as tsne.m).
 * 3. Student-t kernel in the embedding, q_ij = (1 + |y_i - y_j|²)⁻¹ / sum_{k≠l} (1 + |y_k - y_l|²)⁻¹, gradient
 *    dC/dy_i = 4 sum_j (p_ij - q_ij)(1 + |y_i - y_j|²)⁻¹ (y_i - y_j).
 * 4. Gradient descent with momentum and per-coordinate gains (delta-bar-delta: +0.2 when the gradient's sign differs
 *    from the last update's, ×0.8 otherwise, floor 0.01), centring the embedding after each step.
 *
 * Defaults are those of the reference implementations (van der Maaten's bhtsne / sklearn): perplexity 30, 1000
 * iterations, learning rate 200, early exaggeration 12 for the first 250 iterations, momentum 0.5 then 0.8 from
 * iteration 250, initial Y ~ N(0, 1e-4²). (The 2008 paper's own numbers were exaggeration 4 for 50 iterations and
 * learning rate 100.) With the defaults the iterates match a transcription of van der Maaten's tsne.m to 1e-13 over
 * the first iterations; later they diverge from any other implementation as the early phase is chaotic (floating
 * point differences grow), so compare embeddings by their structure, not coordinates.
 */

export interface TsneOptions {
  /** embedding dimension (default 2) */
  dims?: number;
  /** default 30; must be < n - 1 */
  perplexity?: number;
  /** default 1000 */
  iterations?: number;
  /**
   * default 200; 'auto' = max(n / earlyExaggeration / 4, 50) (sklearn >= 1.2, after Belkina et al. 2019), better
   * for small n: with 200, a few hundred points or fewer make the early phase overshoot and the KL jump around
   */
  learningRate?: number | 'auto';
  /** default 12 */
  earlyExaggeration?: number;
  /** iterations with exaggerated P (default 250) */
  exaggerationIterations?: number;
  /** default 0.5 */
  initialMomentum?: number;
  /** default 0.8 */
  finalMomentum?: number;
  /** iteration at which the momentum switches (default 250) */
  momentumSwitchIteration?: number;
  /** default 0.01 */
  minGain?: number;
  /** default 0 */
  seed?: number;
  /** record the KL divergence every this many iterations (default 50) and after the last */
  klEvery?: number;
  /** default 5000 */
  maxPoints?: number;
  /** called after each KL record */
  onProgress?: (iteration: number, kl: number) => void;
}

export interface TsneResult {
  /** the learning rate used (resolves 'auto') */
  learningRate: number;
  /** n × dims, row-major */
  embedding: Float64Array;
  n: number;
  dims: number;
  /** KL(P‖Q) with the un-exaggerated P, at the recorded iterations (1-based iteration counts) */
  kl: { iteration: number; value: number }[];
  /** largest |H_i - ln(perplexity)| over rows after the binary search (0 when every row hit its target) */
  perplexityError: number;
}

/** pairwise squared Euclidean distances of n points of dimension d (row-major), n×n */
export function squaredDistances(x: ArrayLike<number>, n: number, d: number): Float64Array {
  const D = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) {
        const t = x[i * d + k]! - x[j * d + k]!;
        s += t * t;
      }
      D[i * n + j] = s;
      D[j * n + i] = s;
    }
  }
  return D;
}

export interface ConditionalP {
  /** n×n row-stochastic, zero diagonal */
  P: Float64Array;
  /** per-row precision beta_i = 1 / (2 sigma_i²) */
  betas: Float64Array;
  /** largest |H_i - ln(perplexity)| */
  maxEntropyError: number;
}

/**
 * Row i: p_{j|i} ∝ exp(-beta_i D_ij), beta_i by bisection (doubling/halving while unbounded) until the entropy is
 * within `tol` nats of ln(perplexity), at most 200 steps. Rows whose entropy cannot reach the target (e.g. many
 * duplicate points) keep the closest beta found; see maxEntropyError.
 */
export function conditionalProbabilities(D: Float64Array, n: number, perplexity: number, tol = 1e-5): ConditionalP {
  if (D.length !== n * n) throw new Error(`conditionalProbabilities: D has ${D.length} entries for n = ${n}`);
  if (!(perplexity > 0 && perplexity < n - 1)) {
    throw new Error(`t-SNE: perplexity must be in (0, n - 1) = (0, ${n - 1}), got ${perplexity}`);
  }
  const target = Math.log(perplexity);
  const P = new Float64Array(n * n);
  const betas = new Float64Array(n);
  const row = new Float64Array(n);
  let maxErr = 0;
  for (let i = 0; i < n; i++) {
    let dmin = Infinity;
    for (let j = 0; j < n; j++) if (j !== i) dmin = Math.min(dmin, D[i * n + j]!);
    // entropy of the row for a given beta (distances shifted by dmin: the same probabilities, no underflow)
    const entropy = (beta: number): number => {
      let sum = 0;
      let dot = 0;
      for (let j = 0; j < n; j++) {
        if (j === i) {
          row[j] = 0;
          continue;
        }
        const dd = D[i * n + j]! - dmin;
        const p = Math.exp(-beta * dd);
        row[j] = p;
        sum += p;
        dot += dd * p;
      }
      return Math.log(sum) + (beta * dot) / sum;
    };
    let beta = 1;
    let lo = 0;
    let hi = Infinity;
    let H = entropy(beta);
    let bestBeta = beta;
    let bestErr = Math.abs(H - target);
    for (let t = 0; t < 200 && Math.abs(H - target) > tol; t++) {
      if (H > target) {
        lo = beta; // too flat: sharpen
        beta = hi === Infinity ? beta * 2 : (beta + hi) / 2;
      } else {
        hi = beta;
        beta = (beta + lo) / 2;
      }
      H = entropy(beta);
      if (Math.abs(H - target) < bestErr) {
        bestErr = Math.abs(H - target);
        bestBeta = beta;
      }
    }
    if (beta !== bestBeta) entropy((beta = bestBeta));
    let sum = 0;
    for (let j = 0; j < n; j++) sum += row[j]!;
    for (let j = 0; j < n; j++) P[i * n + j] = row[j]! / sum;
    betas[i] = beta;
    maxErr = Math.max(maxErr, bestErr);
  }
  return { P, betas, maxEntropyError: maxErr };
}

/** symmetric joint P = (P + Pᵀ) / (2n), floored at 1e-12 off the diagonal; sums to 1 (up to the floor) */
export function jointProbabilities(Pcond: Float64Array, n: number): Float64Array {
  const P = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      P[i * n + j] = Math.max((Pcond[i * n + j]! + Pcond[j * n + i]!) / (2 * n), 1e-12);
    }
  }
  return P;
}

/**
 * KL(P‖Q) = sum_{i≠j} p_ij ln(p_ij / q_ij) of an embedding Y (n × dims) for a joint P; an independent, direct
 * evaluation (used for the progress records and by tests).
 */
export function klDivergence(P: Float64Array, Y: Float64Array, n: number, dims: number): number {
  let Z = 0;
  const num = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let k = 0; k < dims; k++) {
        const t = Y[i * dims + k]! - Y[j * dims + k]!;
        s += t * t;
      }
      const q = 1 / (1 + s);
      num[i * n + j] = q;
      num[j * n + i] = q;
      Z += 2 * q;
    }
  }
  let kl = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      const p = P[i * n + j]!;
      if (p > 0) kl += p * Math.log(p / Math.max(num[i * n + j]! / Z, 1e-12));
    }
  }
  return kl;
}

/**
 * The gradient of KL(P‖Q) with respect to Y (n × dims) into `grad`: dC/dy_i = 4 sum_j (a p_ij - q_ij) w_ij (y_i - y_j)
 * with w_ij = (1 + |y_i - y_j|²)⁻¹ and a the exaggeration factor (1 = the true gradient). `work` (n×n) is scratch.
 */
export function klGradient(
  P: Float64Array,
  Y: Float64Array,
  n: number,
  dims: number,
  exaggeration: number,
  grad: Float64Array,
  work: Float64Array = new Float64Array(n * n),
): Float64Array {
  const num = work;
  let Z = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let k = 0; k < dims; k++) {
        const t = Y[i * dims + k]! - Y[j * dims + k]!;
        s += t * t;
      }
      const q = 1 / (1 + s);
      num[i * n + j] = q;
      num[j * n + i] = q;
      Z += 2 * q;
    }
  }
  grad.fill(0);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      const w = num[i * n + j]!;
      const mult = 4 * (exaggeration * P[i * n + j]! - w / Z) * w;
      for (let k = 0; k < dims; k++) grad[i * dims + k] += mult * (Y[i * dims + k]! - Y[j * dims + k]!);
    }
  }
  return grad;
}

/** Embeds n = data.length / dim points of dimension `dim` (row-major). */
export function tsne(data: ArrayLike<number>, dim: number, options: TsneOptions = {}): TsneResult {
  if (!(Number.isInteger(dim) && dim >= 1)) throw new Error(`tsne: dim must be a positive integer, got ${dim}`);
  if (data.length % dim !== 0) throw new Error(`tsne: data length ${data.length} is not a multiple of dim ${dim}`);
  const n = data.length / dim;
  const dims = options.dims ?? 2;
  const perplexity = options.perplexity ?? 30;
  const iterations = options.iterations ?? 1000;
  const exaggeration = options.earlyExaggeration ?? 12;
  const lr = options.learningRate ?? 200;
  const eta = lr === 'auto' ? Math.max(n / exaggeration / 4, 50) : lr;
  const stopLying = options.exaggerationIterations ?? 250;
  const mom0 = options.initialMomentum ?? 0.5;
  const mom1 = options.finalMomentum ?? 0.8;
  const momSwitch = options.momentumSwitchIteration ?? 250;
  const minGain = options.minGain ?? 0.01;
  const klEvery = options.klEvery ?? 50;
  const maxPoints = options.maxPoints ?? 5000;
  if (n < 3) throw new Error(`tsne: need at least 3 points, got ${n}`);
  if (n > maxPoints)
    throw new Error(`tsne: exact t-SNE is O(n²); ${n} points exceed maxPoints = ${maxPoints}, subsample`);
  if (!(Number.isInteger(dims) && dims >= 1)) throw new Error(`tsne: dims must be a positive integer`);
  if (!(Number.isInteger(iterations) && iterations >= 1))
    throw new Error(`tsne: iterations must be a positive integer`);
  if (!(eta > 0)) throw new Error(`tsne: learningRate must be > 0 or 'auto', got ${lr}`);
  if (!(exaggeration >= 1)) throw new Error(`tsne: earlyExaggeration must be >= 1`);
  if (!(Number.isInteger(klEvery) && klEvery >= 1)) throw new Error(`tsne: klEvery must be a positive integer`);
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) throw new Error(`tsne: data[${i}] (point ${Math.floor(i / dim)}) is not finite`);
  }

  const D = squaredDistances(data, n, dim);
  const cond = conditionalProbabilities(D, n, perplexity);
  const P = jointProbabilities(cond.P, n);

  const rng = new Rng(options.seed ?? 0);
  const Y = new Float64Array(n * dims);
  for (let i = 0; i < Y.length; i++) Y[i] = rng.normal(0, 1e-4);
  const inc = new Float64Array(n * dims);
  const gains = new Float64Array(n * dims).fill(1);
  const grad = new Float64Array(n * dims);
  const num = new Float64Array(n * n);
  const kl: { iteration: number; value: number }[] = [];

  for (let it = 0; it < iterations; it++) {
    const ex = it < stopLying ? exaggeration : 1;
    klGradient(P, Y, n, dims, ex, grad, num);
    const momentum = it < momSwitch ? mom0 : mom1;
    for (let a = 0; a < Y.length; a++) {
      const g = grad[a]!;
      gains[a] = Math.max(minGain, g > 0 !== inc[a]! > 0 ? gains[a]! + 0.2 : gains[a]! * 0.8);
      inc[a] = momentum * inc[a]! - eta * gains[a]! * g;
      Y[a] += inc[a]!;
    }
    for (let k = 0; k < dims; k++) {
      let mean = 0;
      for (let i = 0; i < n; i++) mean += Y[i * dims + k]!;
      mean /= n;
      for (let i = 0; i < n; i++) Y[i * dims + k] -= mean;
    }
    if ((it + 1) % klEvery === 0 || it === iterations - 1) {
      const value = klDivergence(P, Y, n, dims);
      if (!Number.isFinite(value)) throw new Error(`tsne: the KL divergence became ${value} at iteration ${it + 1}`);
      kl.push({ iteration: it + 1, value });
      options.onProgress?.(it + 1, value);
    }
  }
  return { embedding: Y, n, dims, kl, perplexityError: cond.maxEntropyError, learningRate: eta };
}
