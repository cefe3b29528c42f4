/**
 * The verdict against the baseline (docs/statistics.md): per method × M, the paired per-case differences
 * (paired.ts), a fold-stratified percentile bootstrap of their mean (bootstrap.ts) with a two-sided p-value, and
 * Holm's correction over all method × M comparisons (holm.ts). A comparison is declared only when its interval at
 * Holm's level for its rank excludes 0 and every comparison ranked before it was declared too (the step-down stops
 * at the first comparison it cannot reject). With `pairs`, each compared method has its own baseline and Holm runs
 * over all the pairs × M.
 */
import { compareBudgets, type Budget } from '../protocol/budget.js';
import { percentileCI, resampleMeans, bootstrapP } from './bootstrap.js';
import { holm, holmOrder } from './holm.js';
import { pairDifferences, type PairingOptions, type VerdictMetric, type VerdictRecord } from './paired.js';
import { protocolRng } from '../protocol/seed.js';

export interface VerdictOptions extends PairingOptions {
  /** seed of the bootstrap streams (default 0); each method × M draws from its own stream */
  seed?: number;
  /** bootstrap resamples per comparison (default 10000) */
  resamples?: number;
  /** family-wise error rate (default 0.05) */
  alpha?: number;
  /** default: true for 'meanDice', false for 'meanHd95' (a lower distance is better) */
  higherIsBetter?: boolean;
}

export interface VerdictRow {
  method: string;
  /** the row it was compared with: the table's baseline, or its own where `pairs` was given */
  baseline: string;
  M: Budget;
  /** matched test cases, and the folds they come from */
  n: number;
  folds: number;
  /** mean of method − baseline over the matched cases */
  mean: number;
  /** percentile interval at 1 − alpha, uncorrected */
  ci: [number, number];
  /** Holm's level for this comparison's rank k (1-based, by raw p) among m: 1 − alpha / (m − k + 1) */
  holmLevel: number;
  holmCI: [number, number];
  /** raw bootstrap p-value and Holm-adjusted p-value */
  p: number;
  pHolm: number;
  /** declared better / worse than the baseline (family-wise error ≤ alpha) */
  helped: boolean;
  hurt: boolean;
  /** skipped cases: no partner in the baseline, no partner in the method, missing value */
  onlyMethod: number;
  onlyBaseline: number;
  missingValue: number;
}

export interface VerdictTable {
  /** the baseline of every row; 'per row' where `pairs` was given */
  baseline: string;
  metric: VerdictMetric;
  higherIsBetter: boolean;
  alpha: number;
  resamples: number;
  seed: number;
  /** methods in order of first appearance in the records, M ascending */
  rows: VerdictRow[];
}

export function verdictTable(records: readonly VerdictRecord[], options: VerdictOptions = {}): VerdictTable {
  const baseline = options.pairs ? 'per row' : (options.baseline ?? 'random');
  const metric = options.metric ?? 'meanDice';
  const alpha = options.alpha ?? 0.05;
  const seed = options.seed ?? 0;
  const resamples = options.resamples ?? 10000;
  const higherIsBetter = options.higherIsBetter ?? metric !== 'meanHd95';
  if (!(alpha > 0 && alpha < 1)) throw new Error(`verdictTable: alpha must be in (0, 1), got ${alpha}`);
  const pairs = pairDifferences(records, { ...options, metric });
  const boot = pairs.map((d) => {
    // one stream per comparison; a pair names its baseline too (one method may be paired with two rows)
    const stream = options.pairs ? `bootstrap|${d.method}|vs|${d.baseline}|${d.M}` : `bootstrap|${d.method}|${d.M}`;
    const rng = protocolRng(seed, stream);
    return resampleMeans(d.diffs, rng, resamples, d.folds);
  });
  const rows: VerdictRow[] = pairs.map((d, i) => ({
    method: d.method,
    baseline: d.baseline,
    M: d.M,
    n: d.diffs.length,
    folds: new Set(d.folds).size,
    mean: meanOf(d.diffs),
    ci: percentileCI(boot[i]!, 1 - alpha),
    holmLevel: NaN,
    holmCI: [NaN, NaN],
    p: bootstrapP(boot[i]!),
    pHolm: NaN,
    helped: false,
    hurt: false,
    onlyMethod: d.onlyMethod,
    onlyBaseline: d.onlyBaseline,
    missingValue: d.missingValue,
  }));
  // Holm over a canonical order (method name, baseline, then M), so ties in p rank the same whatever the records' order
  const canon = rows.map((_, i) => i).sort((a, b) => compareRows(rows[a]!, rows[b]!));
  const ps = canon.map((i) => rows[i]!.p);
  holm(ps).forEach((q, j) => (rows[canon[j]!]!.pHolm = q));
  const m = rows.length;
  let stepping = true;
  holmOrder(ps).forEach((j, k) => {
    const row = rows[canon[j]!]!;
    row.holmLevel = 1 - alpha / (m - k);
    row.holmCI = percentileCI(boot[canon[j]!]!, row.holmLevel);
    const [lo, hi] = row.holmCI;
    stepping = stepping && (lo > 0 || hi < 0);
    row.helped = stepping && (higherIsBetter ? lo > 0 : hi < 0);
    row.hurt = stepping && !row.helped;
  });
  return { baseline, metric, higherIsBetter, alpha, resamples, seed, rows };
}

export interface VerdictFormatOptions {
  /** decimals of differences and bounds (default 3 for 'meanDice', 2 for 'meanHd95') */
  digits?: number;
}

/**
 * A markdown table: method, M, n, Δ mean, CI at 1 − alpha, Holm CI (with its level), Holm-adjusted p, verdict; then
 * a short note saying what was compared (and the skipped cases, when there are any) unless `note` is false.
 */
export function verdictMarkdown(
  table: VerdictTable,
  options: VerdictFormatOptions & { metricLabel: string; note?: boolean },
): string {
  const d = options.digits ?? defaultDigits(table);
  const conf = pct(1 - table.alpha);
  const lines = [
    `| method | M | n | Δ mean | ${conf} CI | Holm CI | p (Holm) | verdict |`,
    '| --- | ---: | ---: | ---: | --- | --- | ---: | --- |',
  ];
  const perRow = perRowBaselines(table);
  for (const r of table.rows) {
    const cells = [
      (perRow ? `${r.method} − ${r.baseline}` : r.method).replace(/\|/g, '\\|'),
      String(r.M),
      String(r.n),
      signed(r.mean, d),
      interval(r.ci, d),
      `${interval(r.holmCI, d)} (${pct(r.holmLevel)})`,
      pValue(r.pHolm),
      r.helped ? 'helped' : r.hurt ? 'hurt' : 'no clear difference',
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  if (options.note === false) return lines.join('\n');
  const m = table.rows.length;
  const note =
    `Δ = method − ${perRow ? 'its baseline' : table.baseline} in ${options.metricLabel} (${table.higherIsBetter ? 'higher' : 'lower'} is ` +
    `better), paired per test case (same fold, M and case); percentile bootstrap with ${table.resamples} ` +
    `resamples of the cases within each fold. Holm CI: level 1 − ${table.alpha}/(${m} − rank + 1) for the ` +
    `comparison's rank by p among the ${m}; a verdict needs the Holm CI to exclude 0 (family-wise ${conf}).`;
  const skipped = table.rows.filter((r) => r.onlyMethod + r.onlyBaseline + r.missingValue > 0);
  const skips = skipped.map(
    (r) =>
      `${r.method} M=${r.M}: ${r.onlyMethod} only in ${r.method}, ${r.onlyBaseline} only in ${r.baseline}, ` +
      `${r.missingValue} without a value`,
  );
  return [...lines, '', note + (skips.length ? ` Unmatched cases skipped: ${skips.join('; ')}.` : '')].join('\n');
}

/** one headline: the comparisons that helped (and those that hurt), or "No method helped" */
export function verdictSentence(table: VerdictTable, options: VerdictFormatOptions = {}): string {
  const d = options.digits ?? defaultDigits(table);
  const conf = pct(1 - table.alpha);
  const perRow = perRowBaselines(table);
  const part = (r: VerdictRow, what: string) =>
    `${r.method} ${what}${perRow ? ` against ${r.baseline}` : ''} at M=${r.M} (Δ ${signed(r.mean, d)}, Holm ${conf} CI ${interval(r.holmCI, d)})`;
  const helped = table.rows.filter((r) => r.helped).map((r) => part(r, 'helped'));
  const hurt = table.rows.filter((r) => r.hurt).map((r) => part(r, 'hurt'));
  if (helped.length === 0) {
    const m = table.rows.length;
    const against = perRow ? 'its baseline' : table.baseline;
    const head = `No method helped against ${against} (Holm-corrected paired bootstrap, ${m} comparison${m === 1 ? '' : 's'})`;
    return `${[head, ...hurt].join('; ')}.`;
  }
  return `${[...helped, ...hurt].join('; ')}.`;
}

/** the rows were compared with baselines of their own (`pairs`), so each row names its baseline */
function perRowBaselines(table: VerdictTable): boolean {
  return table.rows.some((r) => r.baseline !== table.baseline);
}

function compareRows(a: VerdictRow, b: VerdictRow): number {
  const byName = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);
  return byName(a.method, b.method) || byName(a.baseline, b.baseline) || compareBudgets(a.M, b.M);
}

/** mean as x[0] + mean(x − x[0]), as the bootstrap computes its resampled means */
function meanOf(x: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! - x[0]!;
  return x[0]! + s / x.length;
}

function defaultDigits(table: VerdictTable): number {
  return table.metric === 'meanHd95' ? 2 : 3;
}

function fixed(x: number, d: number): string {
  const s = x.toFixed(d);
  return Number(s) === 0 ? Math.abs(0).toFixed(d) : s;
}

function signed(x: number, d: number): string {
  const s = fixed(x, d);
  return s.startsWith('-') || Number(s) === 0 ? s : `+${s}`;
}

function interval([lo, hi]: [number, number], d: number): string {
  return `[${fixed(lo, d)}, ${fixed(hi, d)}]`;
}

function pct(level: number): string {
  return `${Number((100 * level).toFixed(2))}%`;
}

function pValue(p: number): string {
  return p < 0.001 ? '<0.001' : p.toFixed(3);
}
