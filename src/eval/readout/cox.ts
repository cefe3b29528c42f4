/**
 * Cox proportional hazards readout (DrasCLR §4.3: survival from the image-level representation plus confounders,
 * reported as a time-dependent concordance index, see concordance.ts). Hazard h(t | x) = h₀(t) exp(x·β); β maximises
 * the Breslow partial log-likelihood minus an L2 penalty:
 *
 *   ℓ(β) = Σ_{i: event} [ x_i·β - log Σ_{j ∈ R(t_i)} exp(x_j·β) ],   R(t) = { j : t_j ≥ t }
 *   ℓ_pen(β) = ℓ(β) - (λ/2) ||β||²
 *
 * Breslow's handling of tied event times: every event at time t uses the same full risk set R(t) (survival::coxph's
 * default is Efron's; lifelines and statsmodels default to Efron / Breslow respectively — the two agree without
 * ties). Gradient and information (negative Hessian), with S0 = Σ_R e^{η}, S1 = Σ_R e^{η} x, S2 = Σ_R e^{η} x xᵀ:
 *
 *   ∇ℓ = Σ_events (x_i - S1/S0),   I = Σ_events (S2/S0 - (S1/S0)(S1/S0)ᵀ),   plus -λβ and +λI for the penalty.
 *
 * Fitted by Newton-Raphson from β = 0 with step halving whenever ℓ_pen decreases (as survival::coxph), until the
 * relative change of ℓ_pen is ≤ tolerance (coxph's eps = 1e-9) and the Newton step is small, at most maxIterations
 * (default 50). λ = 0 by default (survival::coxph and lifelines fit unpenalised); with many features (a 128-d
 * embedding plus confounders) use λ > 0 and `standardize`. The baseline cumulative hazard is Breslow's estimator
 * H₀(t) = Σ_{event times s ≤ t} d(s) / Σ_{j ∈ R(s)} exp(η_j - c), relative to the offset c (the mean training linear
 * predictor, like R's centred `basehaz`), so S(t | x) = exp(-H₀(t) exp(x·β - c)).
 */
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
import { infNorm } from './linalg.js';
import { newtonAscent } from './newton.js';

export interface CoxOptions {
  /** L2 penalty λ ≥ 0 (default 0) */
  l2?: number;
  /** z-score the features before fitting (default false); coefficients are reported in original units */
  standardize?: boolean;
  /** Newton iterations (default 50) */
  maxIterations?: number;
  /** relative change of the penalised log-likelihood that counts as converged (default 1e-9) */
  tolerance?: number;
}

export interface CoxModel {
  /** p coefficients (log hazard ratios per unit of each original feature) */
  coef: Float64Array;
  l2: number;
  /** unpenalised partial log-likelihood at coef, and the penalised one that was maximised (in the fitting space) */
  logLikelihood: number;
  penalizedLogLikelihood: number;
  iterations: number;
  converged: boolean;
  /** c in S(t|x) = exp(-H₀(t) exp(x·coef - c)): the mean training linear predictor */
  offset: number;
  /** the distinct event times, ascending, and Breslow's H₀ just after each */
  baselineTimes: Float64Array;
  baselineCumulativeHazard: Float64Array;
  /** linear predictor x·coef of each row (higher = higher hazard = shorter expected survival) */
  predictRisk(x: Features): Float64Array;
  /** n×m row-major S(t_k | x_i) for the given times */
  predictSurvival(x: Features, times: ArrayLike<number>): Float64Array;
}

export interface SurvivalData {
  time: Float64Array;
  /** 1 = event observed, 0 = censored */
  event: Uint8Array;
}

/** Validates follow-up times (finite, ≥ 0) and event indicators (0/1 or booleans). */
export function toSurvival(
  time: ArrayLike<number>,
  event: ArrayLike<number | boolean>,
  n: number,
  what: string,
): SurvivalData {
  const t = toVector(time, n, `${what}: time`);
  for (let i = 0; i < n; i++) if (t[i]! < 0) throw new Error(`${what}: time[${i}] = ${t[i]} is negative`);
  if (event.length !== n) throw new Error(`${what}: event has ${event.length} entries but there are ${n} samples`);
  const e = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = event[i]!;
    if (v === 1 || v === true) e[i] = 1;
    else if (!(v === 0 || v === false)) throw new Error(`${what}: event[${i}] = ${String(v)} must be 0/1 or a boolean`);
  }
  return { time: t, event: e };
}

export interface PartialLikelihood {
  /** ℓ(β), unpenalised */
  logLikelihood: number;
  /** ∇ℓ(β) */
  gradient: Float64Array;
  /** information matrix -∇²ℓ(β), p×p row-major */
  information: Float64Array;
}

/**
 * Breslow partial log-likelihood, its gradient and information at β (no penalty). One sweep over the samples sorted
 * by descending time, adding each tie group to the risk sums before its events are scored: O(n p²). Linear
 * predictors are shifted by their maximum before exp (the shift cancels); throws if a risk set's sum still
 * underflows.
 */
export function coxPartialLikelihood(x: Matrix, surv: SurvivalData, beta: ArrayLike<number>): PartialLikelihood {
  const { data, rows: n, cols: p } = x;
  const eta = new Float64Array(n);
  let c = -Infinity;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < p; j++) s += data[i * p + j]! * beta[j]!;
    eta[i] = s;
    if (s > c) c = s;
  }
  const order = descendingTimeOrder(surv.time);
  const s1 = new Float64Array(p);
  const s2 = new Float64Array(p * p);
  const gradient = new Float64Array(p);
  const information = new Float64Array(p * p);
  const mean = new Float64Array(p);
  let s0 = 0;
  let ll = 0;
  let g = 0;
  while (g < n) {
    const t = surv.time[order[g]!]!;
    let end = g;
    while (end < n && surv.time[order[end]!] === t) {
      const i = order[end]!;
      const w = Math.exp(eta[i]! - c);
      s0 += w;
      for (let a = 0; a < p; a++) {
        const xa = data[i * p + a]!;
        s1[a]! += w * xa;
        for (let b = 0; b <= a; b++) s2[a * p + b]! += w * xa * data[i * p + b]!;
      }
      end++;
    }
    let d = 0;
    for (let r = g; r < end; r++) {
      const i = order[r]!;
      if (!surv.event[i]) continue;
      d++;
      ll += eta[i]!;
      for (let a = 0; a < p; a++) gradient[a]! += data[i * p + a]!;
    }
    if (d > 0) {
      if (!(s0 > 0) || !Number.isFinite(s0)) {
        throw new Error(
          `coxPartialLikelihood: the risk set at time ${t} has a sum of exp(x·β) that under/overflows; ` +
            'the linear predictors span too wide a range (standardize the features or use an l2 penalty)',
        );
      }
      ll -= d * (c + Math.log(s0));
      for (let a = 0; a < p; a++) {
        mean[a] = s1[a]! / s0;
        gradient[a]! -= d * mean[a]!;
      }
      for (let a = 0; a < p; a++) {
        for (let b = 0; b <= a; b++) information[a * p + b]! += d * (s2[a * p + b]! / s0 - mean[a]! * mean[b]!);
      }
    }
    g = end;
  }
  for (let a = 0; a < p; a++) for (let b = 0; b < a; b++) information[b * p + a] = information[a * p + b]!;
  return { logLikelihood: ll, gradient, information };
}

/** sample indices sorted by descending time (stable) */
function descendingTimeOrder(time: Float64Array): Int32Array {
  const idx = Array.from({ length: time.length }, (_, i) => i);
  idx.sort((a, b) => time[b]! - time[a]! || a - b);
  return Int32Array.from(idx);
}

type Penalised = PartialLikelihood & { value: number };

export function fitCox(
  x: Features,
  time: ArrayLike<number>,
  event: ArrayLike<number | boolean>,
  options: CoxOptions = {},
): CoxModel {
  const what = 'fitCox';
  const l2 = options.l2 ?? 0;
  if (!(Number.isFinite(l2) && l2 >= 0)) throw new Error(`${what}: options.l2 must be a finite number >= 0, got ${l2}`);
  const maxIter = options.maxIterations ?? 50;
  const tol = options.tolerance ?? 1e-9;
  const raw = toMatrix(x, `${what}: x`);
  const n = raw.rows;
  const p = raw.cols;
  const surv = toSurvival(time, event, n, what);
  let events = 0;
  for (let i = 0; i < n; i++) events += surv.event[i]!;
  if (events === 0) throw new Error(`${what}: no events (every sample is censored); the model is not identifiable`);
  const std = options.standardize ? fitStandardizer(raw) : identityStandardizer(p);
  const z = applyStandardizer(raw, std);
  const penalised = (beta: Float64Array): Penalised => {
    const pl = coxPartialLikelihood(z, surv, beta);
    let sq = 0;
    for (let a = 0; a < p; a++) {
      sq += beta[a]! * beta[a]!;
      pl.gradient[a]! -= l2 * beta[a]!;
      pl.information[a * p + a]! += l2;
    }
    return { ...pl, value: pl.logLikelihood - 0.5 * l2 * sq };
  };
  const fit = newtonAscent(penalised, p, maxIter, tol, what);
  const { beta, cur, iterations } = fit;
  // a final check: the gradient may already vanish (e.g. the last halving loop found no ascent)
  const converged = fit.converged || infNorm(cur.gradient) <= 1e-6 * Math.max(1, events);
  // coefficients in original units; the linear predictor then differs by a constant, absorbed by the offset
  const coef = new Float64Array(p);
  for (let a = 0; a < p; a++) coef[a] = beta[a]! / std.scale[a]!;
  const etaTrain = linear(raw, coef);
  let offset = 0;
  for (let i = 0; i < n; i++) offset += etaTrain[i]!;
  offset /= n;
  const { times: baselineTimes, cumulativeHazard: baselineCumulativeHazard } = breslowBaseline(surv, etaTrain, offset);
  let sq = 0;
  for (let a = 0; a < p; a++) sq += beta[a]! * beta[a]!;
  const predictRisk = (xs: Features): Float64Array => {
    const m = toMatrix(xs, 'CoxModel.predictRisk: x');
    checkCols(m, p, 'CoxModel.predictRisk');
    return linear(m, coef);
  };
  return {
    coef,
    l2,
    logLikelihood: cur.value + 0.5 * l2 * sq,
    penalizedLogLikelihood: cur.value,
    iterations,
    converged,
    offset,
    baselineTimes,
    baselineCumulativeHazard,
    predictRisk,
    predictSurvival(xs: Features, times: ArrayLike<number>): Float64Array {
      const eta = predictRisk(xs);
      const tq = toVector(times, times.length, 'CoxModel.predictSurvival: times');
      const m = tq.length;
      const out = new Float64Array(eta.length * m);
      for (let k = 0; k < m; k++) {
        const h = stepAt(baselineTimes, baselineCumulativeHazard, tq[k]!);
        for (let i = 0; i < eta.length; i++) out[i * m + k] = h === 0 ? 1 : Math.exp(-h * Math.exp(eta[i]! - offset));
      }
      return out;
    },
  };
}

function linear(m: Matrix, coef: Float64Array): Float64Array {
  const out = new Float64Array(m.rows);
  for (let i = 0; i < m.rows; i++) {
    let s = 0;
    for (let j = 0; j < m.cols; j++) s += m.data[i * m.cols + j]! * coef[j]!;
    out[i] = s;
  }
  return out;
}

/** Breslow's H₀ at each distinct event time (ascending), relative to exp(η - offset) */
function breslowBaseline(
  surv: SurvivalData,
  eta: Float64Array,
  offset: number,
): { times: Float64Array; cumulativeHazard: Float64Array } {
  const n = eta.length;
  const order = descendingTimeOrder(surv.time);
  const times: number[] = [];
  const jumps: number[] = [];
  let s0 = 0;
  let g = 0;
  while (g < n) {
    const t = surv.time[order[g]!]!;
    let d = 0;
    let end = g;
    while (end < n && surv.time[order[end]!] === t) {
      const i = order[end]!;
      s0 += Math.exp(eta[i]! - offset);
      d += surv.event[i]!;
      end++;
    }
    if (d > 0) {
      times.push(t);
      jumps.push(d / s0);
    }
    g = end;
  }
  times.reverse();
  jumps.reverse();
  const cumulativeHazard = new Float64Array(jumps.length);
  let h = 0;
  jumps.forEach((j, k) => (cumulativeHazard[k] = h += j));
  return { times: Float64Array.from(times), cumulativeHazard };
}

/** value of the right-continuous step function (0 before the first knot) at t */
function stepAt(knots: Float64Array, values: Float64Array, t: number): number {
  let lo = 0;
  let hi = knots.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (knots[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? 0 : values[lo - 1]!;
}
