/**
 * The experiment's verdict against random initialisation, from src/eval/stats: per method × M, the paired per-case
 * Dice differences to Random (same fold, M and test case), a seeded fold-stratified bootstrap CI of their mean, and
 * Holm's correction across the table. "Helped" is said only where the Holm-corrected CI excludes 0 on the better
 * side; the headline, verdict.md, verdict.json and the report's CI table all come from that one table.
 */
import {
  verdictMarkdown,
  verdictSentence,
  verdictTable,
  type VerdictRow,
  type VerdictTable,
} from '../eval/stats/index.js';
import type { TextTable } from '../report/html.js';
import type { CellRecord } from './records.js';

export interface ExperimentVerdict {
  /** the report's headline */
  sentence: string;
  /** verdict.md */
  markdown: string;
  /** verdict.json */
  json: unknown;
  /** the CI table of the report (null without a comparison) */
  table: TextTable | null;
}

export interface VerdictOptions {
  seed: number;
  /** the baseline (default 'random') */
  baseline?: string;
}

const fixed = (x: number, d = 3) => (Number(x.toFixed(d)) === 0 ? (0).toFixed(d) : x.toFixed(d));
const signed = (x: number) => (fixed(x).startsWith('-') || Number(fixed(x)) === 0 ? fixed(x) : `+${fixed(x)}`);
const interval = ([lo, hi]: [number, number]) => `[${fixed(lo)}, ${fixed(hi)}]`;
const pct = (level: number) => `${Number((100 * level).toFixed(2))}%`;
const word = (r: VerdictRow) => (r.helped ? 'helped' : r.hurt ? 'hurt' : 'no clear difference');

function textTable(t: VerdictTable): TextTable {
  const conf = pct(1 - t.alpha);
  return {
    heading: `Verdict: paired Dice differences to ${t.baseline}, Holm-corrected`,
    columns: ['Method', 'M', 'test cases', 'Δ Dice', `${conf} CI`, 'Holm CI (level)', 'p (Holm)', 'verdict'],
    rows: t.rows.map((r) => [
      r.method,
      String(r.M),
      `${r.n} (${r.folds} fold${r.folds === 1 ? '' : 's'})`,
      signed(r.mean),
      interval(r.ci),
      `${interval(r.holmCI)} (${pct(r.holmLevel)})`,
      r.pHolm < 0.001 ? '<0.001' : r.pHolm.toFixed(3),
      word(r),
    ]),
    caption:
      `Δ = method − ${t.baseline} in mean Dice per test case, paired on the same test cases within each fold; ` +
      `percentile bootstrap (${t.resamples} resamples within folds, seed ${t.seed}); Holm's correction over the ` +
      `${t.rows.length} comparisons: "helped" only where the Holm CI excludes 0 (family-wise ${conf}).`,
  };
}

function noVerdict(sentence: string): ExperimentVerdict {
  return { sentence, markdown: sentence + '\n', json: { sentence, rows: [] }, table: null };
}

/** The verdict of the experiment's records (the cells' per-case results). */
export function experimentVerdict(records: readonly CellRecord[], options: VerdictOptions): ExperimentVerdict {
  const baseline = options.baseline ?? 'random';
  const methods = new Set(records.map((r) => r.method));
  if (!methods.has(baseline))
    return noVerdict(`No ${baseline}-initialisation baseline was run, so the effect of pre-training is not measured.`);
  if (methods.size === 1) return noVerdict(`Only ${baseline} initialisation was run; there is nothing to compare.`);
  let table: VerdictTable;
  try {
    table = verdictTable(records, { baseline, metric: 'meanDice', seed: options.seed });
  } catch (e) {
    return noVerdict(`No verdict: ${(e as Error).message}.`);
  }
  const found = verdictSentence(table);
  const helped = table.rows.some((r) => r.helped);
  const sentence = `${helped ? 'Pre-training helped on this data' : 'Pre-training did not clearly help on this data'}: ${found}`;
  const markdown = `${sentence}\n\n${verdictMarkdown(table, { metricLabel: 'Dice' })}\n`;
  return { sentence, markdown, json: { sentence, ...table }, table: textTable(table) };
}
