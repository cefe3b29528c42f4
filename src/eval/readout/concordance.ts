/**
 * Concordance indices for survival predictions (DrasCLR Table 3 reports a "time-dependent concordance index C^td"
 * at the 25th, 50th and 75th quantiles of the follow-up period, without naming the estimator).
 *
 * Comparable pairs and ties, shared by all three estimators (as scikit-survival's concordance_index_censored and
 * R survival's concordance): a pair (i, j) is comparable when i had the event and t_i < t_j, or t_i = t_j with j
 * censored (a subject censored at t is still at risk at t). Two events at the same time, or two censored subjects,
 * are not comparable. Higher risk = shorter predicted survival: the pair is concordant when risk_i > risk_j,
 * discordant when risk_i < risk_j, and a tie in risk (exact equality) counts 1/2.
 *
 * - `harrellConcordance`: Harrell's C = (concordant + ties/2) / comparable, O(n log n) with a Fenwick tree.
 *   `tau` optionally keeps only pairs with t_i < tau.
 * - `unoConcordance`: Uno et al. (Stat Med 2011) C(τ), the default "time-dependent" index here: each comparable
 *   pair with t_i < τ is weighted by Ĝ(t_i-)⁻², Ĝ = Kaplan-Meier estimate of the censoring survival function
 *   (fitted on the training data when given, else on the evaluated data). It converges to
 *   P(risk_i > risk_j | T_i < T_j, T_i < τ), free of the censoring distribution; this is scikit-survival's
 *   concordance_index_ipcw(tau), the usual "C^td at time quantiles" (e.g. SurvTRACE), except that Ĝ is taken
 *   just before t_i (censorings at t_i come after an event at t_i, as in the pair rule above).
 * - `antoliniConcordance`: Antolini et al. (Stat Med 2005) C^td for predicted survival curves: the pair is
 *   concordant when S(t_i | x_i) < S(t_i | x_j) (curves compared at the earlier time), ties 1/2. For a
 *   proportional-hazards model it equals Harrell's C on the linear predictor. O(n²).
 * - `timeQuantiles`: the τ's — numpy-linear quantiles of the observed event times (default 25/50/75%), or of all
 *   observed times.
 *
 * No comparable pair (e.g. no event) is an error, never NaN.
 */
import { percentile } from '../metrics/stats.js';
import { toSurvival, type SurvivalData } from './cox.js';
import { toVector } from './design.js';

export interface ConcordanceResult {
  /** the index: (concordant + tiedRisk / 2) / comparable */
  cIndex: number;
  /** (weighted) counts of comparable pairs */
  concordant: number;
  discordant: number;
  tiedRisk: number;
  comparable: number;
}

export interface HarrellOptions {
  /** only pairs whose earlier time t_i < tau (default: all) */
  tau?: number;
}

/** Harrell's concordance index of risk scores (higher = earlier event). */
export function harrellConcordance(
  time: ArrayLike<number>,
  event: ArrayLike<number | boolean>,
  risk: ArrayLike<number>,
  options: HarrellOptions = {},
): ConcordanceResult {
  const surv = toSurvival(time, event, time.length, 'harrellConcordance');
  const r = toVector(risk, time.length, 'harrellConcordance: risk');
  const tau = options.tau ?? Infinity;
  return weightedConcordance(surv, r, (i) => (surv.time[i]! < tau ? 1 : 0), 'harrellConcordance');
}

export interface UnoOptions {
  /** truncation time τ: only pairs with t_i < τ (default: no truncation) */
  tau?: number;
  /** training follow-up for the censoring distribution Ĝ (default: the evaluated data) */
  trainTime?: ArrayLike<number>;
  trainEvent?: ArrayLike<number | boolean>;
}

/** Uno's IPCW concordance index C(τ). */
export function unoConcordance(
  time: ArrayLike<number>,
  event: ArrayLike<number | boolean>,
  risk: ArrayLike<number>,
  options: UnoOptions = {},
): ConcordanceResult {
  const what = 'unoConcordance';
  const surv = toSurvival(time, event, time.length, what);
  const r = toVector(risk, time.length, `${what}: risk`);
  if ((options.trainTime === undefined) !== (options.trainEvent === undefined)) {
    throw new Error(`${what}: give both options.trainTime and options.trainEvent, or neither`);
  }
  const train = options.trainTime
    ? toSurvival(options.trainTime, options.trainEvent!, options.trainTime.length, `${what}: train`)
    : surv;
  const tau = options.tau ?? Infinity;
  if (Number.isNaN(tau)) throw new Error(`${what}: options.tau is NaN`);
  const g = censoringSurvival(train);
  return weightedConcordance(
    surv,
    r,
    (i) => {
      const t = surv.time[i]!;
      if (!(t < tau)) return 0;
      const gi = g(t);
      if (!(gi > 0)) {
        throw new Error(
          `${what}: the censoring survival Ĝ(t-) is 0 at the event time ${t} (every training subject was censored ` +
            'before it); choose tau below the last training censoring time',
        );
      }
      return 1 / (gi * gi);
    },
    what,
  );
}

/**
 * Kaplan-Meier estimate of the censoring survival function, G(t-) = Π_{s < t} (1 - c(s) / n(s)), c(s) censorings at
 * s, n(s) subjects with time ≥ s. Returns t ↦ Ĝ(t-).
 */
export function censoringSurvival(surv: SurvivalData): (t: number) => number {
  const n = surv.time.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => surv.time[a]! - surv.time[b]!);
  const knots: number[] = [];
  const values: number[] = [];
  let g = 1;
  let k = 0;
  while (k < n) {
    const t = surv.time[order[k]!]!;
    const atRisk = n - k;
    let c = 0;
    let end = k;
    while (end < n && surv.time[order[end]!] === t) {
      if (!surv.event[order[end]!]) c++;
      end++;
    }
    if (c > 0) {
      g *= 1 - c / atRisk;
      knots.push(t);
      values.push(g);
    }
    k = end;
  }
  return (t: number): number => {
    // value after the last knot strictly before t
    let lo = 0;
    let hi = knots.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (knots[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? 1 : values[lo - 1]!;
  };
}

/**
 * Σ over comparable pairs of weight(i) × [concordant, discordant, tied]. Sweeps tie groups from the latest time to
 * the earliest, keeping the risks of later subjects in a Fenwick tree over risk ranks; a group's censored subjects
 * enter before its events are scored (they are comparable with them), its events after.
 */
function weightedConcordance(
  surv: SurvivalData,
  risk: Float64Array,
  weight: (i: number) => number,
  what: string,
): ConcordanceResult {
  const n = risk.length;
  const sortedRisk = Float64Array.from(risk).sort();
  const rank = new Int32Array(n);
  for (let i = 0; i < n; i++) rank[i] = lowerBound(sortedRisk, risk[i]!);
  const tree = new Float64Array(n + 1);
  const add = (r: number): void => {
    for (let q = r + 1; q <= n; q += q & -q) tree[q]! += 1;
  };
  const prefix = (r: number): number => {
    // count of entries with rank < r
    let s = 0;
    for (let q = r; q > 0; q -= q & -q) s += tree[q]!;
    return s;
  };
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => surv.time[b]! - surv.time[a]!);
  let inTree = 0;
  let concordant = 0;
  let discordant = 0;
  let tiedRisk = 0;
  let comparable = 0;
  let g = 0;
  while (g < n) {
    const t = surv.time[order[g]!]!;
    let end = g;
    while (end < n && surv.time[order[end]!] === t) end++;
    for (let k = g; k < end; k++) {
      const i = order[k]!;
      if (!surv.event[i]) {
        add(rank[i]!);
        inTree++;
      }
    }
    for (let k = g; k < end; k++) {
      const i = order[k]!;
      if (!surv.event[i] || inTree === 0) continue;
      const w = weight(i);
      if (w === 0) continue;
      const less = prefix(rank[i]!);
      // entries with the same risk: rank[i] is the first index of its value, so count ranks < next value's rank
      const upTo = prefix(upperBound(sortedRisk, risk[i]!));
      const equal = upTo - less;
      concordant += w * less;
      tiedRisk += w * equal;
      discordant += w * (inTree - upTo);
      comparable += w * inTree;
    }
    for (let k = g; k < end; k++) {
      const i = order[k]!;
      if (surv.event[i]) {
        add(rank[i]!);
        inTree++;
      }
    }
    g = end;
  }
  if (!(comparable > 0)) {
    throw new Error(`${what}: no comparable pairs (needs an event before another subject's time, within tau)`);
  }
  return { cIndex: (concordant + tiedRisk / 2) / comparable, concordant, discordant, tiedRisk, comparable };
}

/** first index with a[k] >= v */
function lowerBound(a: Float64Array, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** first index with a[k] > v */
function upperBound(a: Float64Array, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface AntoliniOptions {
  /** only pairs with t_i < tau (default: all) */
  tau?: number;
}

/**
 * Antolini's time-dependent concordance of predicted survival curves. `survival` is n×m row-major,
 * S(grid[k] | x_i), `grid` ascending; S(t | x_i) at other times is the step function's value at the last grid time
 * ≤ t (1 before the first grid time).
 */
export function antoliniConcordance(
  time: ArrayLike<number>,
  event: ArrayLike<number | boolean>,
  survival: ArrayLike<number>,
  grid: ArrayLike<number>,
  options: AntoliniOptions = {},
): ConcordanceResult {
  const what = 'antoliniConcordance';
  const n = time.length;
  const surv = toSurvival(time, event, n, what);
  const m = grid.length;
  const gr = toVector(grid, m, `${what}: grid`);
  for (let k = 1; k < m; k++) {
    if (!(gr[k]! > gr[k - 1]!)) throw new Error(`${what}: grid must be strictly ascending (grid[${k}] = ${gr[k]})`);
  }
  const s = toVector(survival, n * m, `${what}: survival (n × grid length)`);
  const tau = options.tau ?? Infinity;
  let concordant = 0;
  let discordant = 0;
  let tiedRisk = 0;
  let comparable = 0;
  for (let i = 0; i < n; i++) {
    const ti = surv.time[i]!;
    if (!surv.event[i] || !(ti < tau)) continue;
    const col = upperBound(gr, ti) - 1; // last grid time <= ti
    const si = col < 0 ? 1 : s[i * m + col]!;
    for (let j = 0; j < n; j++) {
      const tj = surv.time[j]!;
      if (!(tj > ti || (tj === ti && !surv.event[j]))) continue;
      const sj = col < 0 ? 1 : s[j * m + col]!;
      comparable++;
      if (si < sj) concordant++;
      else if (si > sj) discordant++;
      else tiedRisk++;
    }
  }
  if (!(comparable > 0)) {
    throw new Error(`${what}: no comparable pairs (needs an event before another subject's time, within tau)`);
  }
  return { cIndex: (concordant + tiedRisk / 2) / comparable, concordant, discordant, tiedRisk, comparable };
}

/**
 * numpy-linear quantiles (0..1) of the follow-up times: the truncation times τ of C^td (default 25/50/75%). The
 * paper says "censoring period quantiles" without details; by default the quantiles of the observed EVENT times
 * (as SurvTRACE and DeepHit-style evaluations), `of: 'all'` uses every observed time, events and censorings.
 */
export function timeQuantiles(
  time: ArrayLike<number>,
  event: ArrayLike<number | boolean>,
  quantiles: readonly number[] = [0.25, 0.5, 0.75],
  of: 'events' | 'all' = 'events',
): number[] {
  const surv = toSurvival(time, event, time.length, 'timeQuantiles');
  const times: number[] = [];
  for (let i = 0; i < surv.time.length; i++) if (of === 'all' || surv.event[i]) times.push(surv.time[i]!);
  if (times.length === 0) throw new Error(`timeQuantiles: no ${of === 'all' ? 'samples' : 'events'}`);
  return quantiles.map((q) => {
    if (!(q >= 0 && q <= 1)) throw new Error(`timeQuantiles: quantile ${q} is not in [0, 1]`);
    return percentile(times, q * 100);
  });
}
