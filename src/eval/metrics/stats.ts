/** Small statistics used by the metrics: percentile (numpy's default rule), mean, standard deviation. */

/**
 * The p-th percentile (0..100) of the values, numpy.percentile's default 'linear' rule (Hyndman & Fan type 7):
 * sort ascending, h = (n - 1) p / 100, result = x[floor h] + (h - floor h)(x[floor h + 1] - x[floor h]).
 * Sorts a copy. Throws on an empty input.
 */
export function percentile(values: ArrayLike<number>, p: number): number {
  if (values.length === 0) throw new Error('percentile: no values');
  if (!(p >= 0 && p <= 100)) throw new Error(`percentile: p must be in [0, 100], got ${p}`);
  const x = Float64Array.from(values).sort();
  const h = ((x.length - 1) * p) / 100;
  const lo = Math.floor(h);
  if (lo >= x.length - 1) return x[x.length - 1]!;
  return x[lo]! + (h - lo) * (x[lo + 1]! - x[lo]!);
}

export function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return s / values.length;
}

/**
 * Standard deviation: 'population' divides by n (numpy.std's default, ddof 0), 'sample' by n - 1 (ddof 1).
 * Returns null when undefined (no values, or one value with 'sample').
 */
export function std(values: ArrayLike<number>, kind: 'population' | 'sample' = 'population'): number | null {
  const n = values.length;
  const dof = kind === 'sample' ? n - 1 : n;
  if (n === 0 || dof <= 0) return null;
  const m = mean(values);
  let s = 0;
  for (let i = 0; i < n; i++) s += (values[i]! - m) ** 2;
  return Math.sqrt(s / dof);
}

/** The mean and standard deviation of some values, and how many there are; null statistics when undefined. */
export interface ValueSummary {
  /** null when there is no value */
  mean: number | null;
  /** null when undefined (no value, or a single one with 'sample') */
  std: number | null;
  /** number of values behind mean and std */
  count: number;
}

/** mean, std (population by default: numpy.std, ddof 0) and count of `values` */
export function summarizeValues(values: ArrayLike<number>, kind: 'population' | 'sample' = 'population'): ValueSummary {
  if (values.length === 0) return { mean: null, std: null, count: 0 };
  return { mean: mean(values), std: std(values, kind), count: values.length };
}

/** `0.123 ± 0.045` (mean ± std, a missing std as 0), or `missing` when there is no mean */
export function formatMeanStd(s: ValueSummary, digits = 3, missing = '—'): string {
  return s.mean === null ? missing : `${s.mean.toFixed(digits)} ± ${(s.std ?? 0).toFixed(digits)}`;
}
