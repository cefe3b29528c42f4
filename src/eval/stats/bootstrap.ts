/**
 * Percentile bootstrap of a mean (Efron & Tibshirani, ch. 13), stratified: the cases are nested in folds, so each
 * resample draws, within every fold, as many cases as that fold has, with replacement. A fold's weight in the mean
 * then stays what it is in the data, and differences between folds (one fold's test patients being harder) do not
 * widen the interval as if they were sampling noise between cases.
 */
import type { Rng } from '../../util/rng.js';
import { percentile } from '../metrics/stats.js';
import { protocolRng } from '../protocol/seed.js';

export interface BootstrapOptions {
  /** the seed of the resampling stream (with `stream`, see protocolRng) */
  seed: number;
  /** the purpose tag of the stream (default 'bootstrap'); one per comparison keeps comparisons independent */
  stream?: string;
  /** number of resamples B (default 10000) */
  resamples?: number;
  /** confidence level of the interval (default 0.95) */
  level?: number;
  /** a stratum (fold index) per value; resampling happens within each stratum. Default: one stratum */
  strata?: ArrayLike<number>;
}

export interface BootstrapResult {
  n: number;
  /** the sample mean */
  mean: number;
  level: number;
  /** percentile interval at `level` */
  lower: number;
  upper: number;
  /** two-sided bootstrap p-value for H0: mean = 0 (bootstrapP) */
  p: number;
  resamples: number;
  /** the B resampled means, in draw order: percentileCI reads other levels from the same resamples */
  means: Float64Array;
}

/** the percentile bootstrap interval of the mean of `values`, and a two-sided p-value for mean = 0 */
export function bootstrapMeanCI(values: ArrayLike<number>, options: BootstrapOptions): BootstrapResult {
  const resamples = options.resamples ?? 10000;
  const level = options.level ?? 0.95;
  const rng = protocolRng(options.seed, options.stream ?? 'bootstrap');
  const means = resampleMeans(values, rng, resamples, options.strata);
  const [lower, upper] = percentileCI(means, level);
  return { n: values.length, mean: shiftedMean(values), level, lower, upper, p: bootstrapP(means), resamples, means };
}

/**
 * B resampled means of `values`: per resample, within each stratum, as many indices drawn uniformly with
 * replacement as the stratum holds (strata visited in ascending order, so the draws are reproducible).
 */
export function resampleMeans(
  values: ArrayLike<number>,
  rng: Rng,
  resamples: number,
  strata?: ArrayLike<number>,
): Float64Array {
  const n = values.length;
  if (n === 0) throw new Error('bootstrap: no values');
  if (!Number.isInteger(resamples) || resamples < 1)
    throw new Error(`bootstrap: resamples must be a positive integer, got ${resamples}`);
  for (let i = 0; i < n; i++)
    if (!Number.isFinite(values[i]!)) throw new Error(`bootstrap: value ${i} is ${values[i]}`);
  const groups = strataGroups(n, strata);
  // sums of x - x[0] instead of x: exact when every value is equal (a degenerate sample gives that value back)
  const x0 = values[0]!;
  const shifted = Float64Array.from(values, (v) => v - x0);
  const means = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    let s = 0;
    for (const g of groups) for (let k = 0; k < g.length; k++) s += shifted[g[rng.int(0, g.length)]!]!;
    means[b] = x0 + s / n;
  }
  return means;
}

/** the percentile interval [q((1 − level)/2), q((1 + level)/2)] of the resampled means (numpy's default quantile) */
export function percentileCI(means: ArrayLike<number>, level: number): [number, number] {
  if (!(level > 0 && level < 1)) throw new Error(`bootstrap: level must be in (0, 1), got ${level}`);
  return [percentile(means, (100 * (1 - level)) / 2), percentile(means, (100 * (1 + level)) / 2)];
}

/**
 * Two-sided bootstrap p-value for H0: mean = 0: p = min(1, 2 min((#{m ≤ 0} + 1)/(B + 1), (#{m ≥ 0} + 1)/(B + 1))).
 * The +1 counts the observed sample among the resamples, so p is never 0 (its floor is 2/(B + 1)).
 */
export function bootstrapP(means: ArrayLike<number>): number {
  const B = means.length;
  if (B === 0) throw new Error('bootstrap: no resampled means');
  let le = 0;
  let ge = 0;
  for (let b = 0; b < B; b++) {
    if (means[b]! <= 0) le++;
    if (means[b]! >= 0) ge++;
  }
  return Math.min(1, (2 * (Math.min(le, ge) + 1)) / (B + 1));
}

/** the mean computed as x[0] + mean(x − x[0]), the same way as the resampled means */
function shiftedMean(values: ArrayLike<number>): number {
  const x0 = values[0]!;
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]! - x0;
  return x0 + s / values.length;
}

/** value indices per stratum, strata in ascending order; one group when no strata are given */
function strataGroups(n: number, strata?: ArrayLike<number>): Int32Array[] {
  if (!strata) return [Int32Array.from({ length: n }, (_, i) => i)];
  if (strata.length !== n) throw new Error(`bootstrap: ${strata.length} strata for ${n} values`);
  const byStratum = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const s = strata[i]!;
    let g = byStratum.get(s);
    if (!g) byStratum.set(s, (g = []));
    g.push(i);
  }
  return [...byStratum.keys()].sort((a, b) => a - b).map((k) => Int32Array.from(byStratum.get(k)!));
}
