/**
 * Merges the shards of one setting (same folds, budgets and seeds; disjoint methods) into one table of test Dice
 * (mean (std) over folds), the paired bootstrap verdict against Random (Holm-corrected over the table), and a plot.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readRecords, type CellRecord } from '../../src/experiment/records.js';
import { summarize, tableToMarkdown, type ResultsTable } from '../../src/report/table.js';
import { linePlotSvg, seriesFromTable, svgToPng } from '../../src/report/plot.js';
import { verdictMarkdown, verdictSentence, verdictTable, type MethodPair } from '../../src/eval/stats/index.js';
import type { Budget } from '../../src/eval/protocol/budget.js';

export interface VerdictLine {
  method: string;
  M: Budget;
  n: number;
  mean: number;
  /** Holm-corrected CI */
  lo: number;
  hi: number;
  ci95: [number, number];
  pHolm: number;
  helped: boolean;
  hurt: boolean;
}

export interface SettingSummary {
  setting: string;
  cells: number;
  table: { method: string; M: Budget; mean: number; std: number | null; n: number }[];
  verdict: VerdictLine[];
  headline: string;
  /** mean fine-tuning steps of the cells, per M */
  steps: Record<string, number>;
}

function tableRows(t: ResultsTable): SettingSummary['table'] {
  return t.rows.flatMap((r) =>
    r.cells.flatMap((c, j) => (c ? [{ method: r.method, M: t.budgets[j]!, mean: c.mean, std: c.std, n: c.n }] : [])),
  );
}

export async function summarizeSetting(
  setting: string,
  shardDirs: string[],
  out: string,
  seed: number,
  extra: readonly CellRecord[] = [],
): Promise<SettingSummary> {
  mkdirSync(out, { recursive: true });
  const records: CellRecord[] = [...extra, ...shardDirs.flatMap((d) => readRecords(path.join(d, 'results.jsonl')))];
  writeFileSync(path.join(out, 'results.jsonl'), records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const methods = [...new Set(records.map((r) => r.method))];
  methods.sort((a, b) => (a === 'random' ? -1 : b === 'random' ? 1 : 0));
  const budgets = [...new Set(records.map((r) => r.M))];
  const table = summarize(records, { metric: 'dice', methods, budgets, digits: 3 });
  writeFileSync(path.join(out, 'table.md'), tableToMarkdown(table) + '\n');
  // a table without a Random row (the sweep's --only-long) has nothing to pair with: no verdict
  const v = methods.includes('random') ? verdictTable(records, { baseline: 'random', metric: 'meanDice', seed }) : null;
  const headline = v ? verdictSentence(v) : 'no Random row: no paired verdict';
  if (v) {
    writeFileSync(path.join(out, 'ci.md'), verdictMarkdown(v, { metricLabel: 'test Dice' }) + '\n\n' + headline + '\n');
    writeFileSync(path.join(out, 'verdict.json'), JSON.stringify(v, null, 2) + '\n');
  }
  const svg = linePlotSvg(seriesFromTable(table), {
    title: `fidelity (${setting}): test Dice vs labelled volumes`,
    xLabel: 'M (labelled volumes)',
  });
  writeFileSync(path.join(out, 'dice-vs-m.svg'), svg);
  await svgToPng(svg, path.join(out, 'dice-vs-m.png'));
  const steps: Record<string, number> = {};
  for (const M of budgets) {
    const s = records.filter((r) => r.M === M && r.totalSteps !== undefined).map((r) => r.totalSteps!);
    if (s.length) steps[String(M)] = s.reduce((a, b) => a + b, 0) / s.length;
  }
  return {
    setting,
    cells: records.length,
    table: tableRows(table),
    verdict: (v?.rows ?? []).map((r) => ({
      method: r.method,
      M: r.M,
      n: r.n,
      mean: r.mean,
      lo: r.holmCI[0],
      hi: r.holmCI[1],
      ci95: r.ci,
      pHolm: r.pHolm,
      helped: r.helped,
      hurt: r.hurt,
    })),
    headline,
    steps,
  };
}

/**
 * Paired comparison of finished cells against any row (not only Random), e.g. the other pre-trainings against PCL
 * (its second claim): per-case differences method − baseline, fold-stratified bootstrap, Holm over the rows compared.
 * Writes OUT.md (table and sentence) and OUT.json when `out` is given; returns the markdown.
 */
export function comparePaired(
  results: string,
  baseline: string,
  methods: string[],
  o: { budgets?: string[] | null; seed: number; out?: string | null },
): string {
  return writeVerdict(readRows(results, [baseline, ...methods], o.budgets), { baseline }, o);
}

/**
 * Each `row` against its own `baseline` (e.g. a transfer row against the same method's semi-supervised row), Holm
 * over all the pairs × M (the verdict's `pairs`). Writes `out` (.md and .json) like comparePaired.
 */
export function comparePairs(
  results: string,
  pairs: { row: string; baseline: string }[],
  o: { budgets?: string[] | null; seed: number; out?: string | null },
): string {
  const records = readRows(
    results,
    pairs.flatMap((p) => [p.row, p.baseline]),
    o.budgets,
  );
  return writeVerdict(records, { pairs: pairs.map((p) => ({ method: p.row, baseline: p.baseline })) }, o);
}

/** the records of `rows` at `budgets` (all budgets when null); throws, naming the file, on a row with none */
function readRows(results: string, rows: string[], budgets?: string[] | null): CellRecord[] {
  const keep = new Set(rows);
  const records = readRecords(results).filter((r) => keep.has(r.method) && (!budgets || budgets.includes(String(r.M))));
  for (const m of keep)
    if (!records.some((r) => r.method === m)) throw new Error(`fidelity compare: ${results} has no row ${m}`);
  return records;
}

function writeVerdict(
  records: CellRecord[],
  against: { baseline: string } | { pairs: MethodPair[] },
  o: { seed: number; out?: string | null },
): string {
  const v = verdictTable(records, { ...against, metric: 'meanDice', seed: o.seed });
  const text = `${verdictMarkdown(v, { metricLabel: 'test Dice' })}\n\n${verdictSentence(v)}\n`;
  if (o.out) {
    writeFileSync(o.out, text);
    writeFileSync(o.out.replace(/\.md$/, '') + '.json', JSON.stringify(v, null, 2) + '\n');
  }
  return text;
}
