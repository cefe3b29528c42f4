/** The outcome readouts as markdown: one row per outcome metric, then every skipped fold and the fits' notes. */
import { formatMeanStd } from '../metrics/stats.js';
import type { OutcomeResult } from './context.js';
import type { OutcomeReport } from './cross-validate.js';

/** `- <outcome> (<metrics>) skipped fold f: <reason>` per distinct skip, then `- <outcome>: <note>` per note */
function outcomeNotes(o: OutcomeResult): string[] {
  const skipped = new Map<string, string[]>();
  for (const m of o.metrics)
    for (const f of m.folds) {
      if (f.skipped === undefined) continue;
      const key = `fold ${f.fold}: ${f.skipped}`;
      skipped.set(key, [...(skipped.get(key) ?? []), m.label]);
    }
  return [
    ...[...skipped].map(([key, metrics]) => `- ${o.label} (${metrics.join(', ')}) skipped ${key}`),
    ...o.notes.map((n) => `- ${o.label}: ${n}`),
  ];
}

/**
 * A markdown table (outcome, metric, mean ± sd, folds used), with a header line stating the protocol and, below the
 * table, every skipped fold with its reason and the fits' notes.
 */
export function formatOutcomeReport(report: OutcomeReport): string {
  const s = report.settings;
  const lines: string[] = [
    `${report.k}-fold cross-validation over ${report.patients} patients (${report.rows} scans, ${report.dim}-d ` +
      `features), seed ${report.seed}; features z-scored on each training fold; ridge ${s.ridge}, logistic L2 ` +
      `${s.logisticL2}, Cox L2 ${s.coxL2}; sd over folds (ddof 0).`,
    '',
    '| outcome | metric | mean ± sd | folds used |',
    '| --- | --- | --- | --- |',
  ];
  for (const o of report.outcomes)
    for (const m of o.metrics) lines.push(`| ${o.label} | ${m.label} | ${formatMeanStd(m)} | ${m.count}/${report.k} |`);
  const notes = report.outcomes.flatMap(outcomeNotes);
  if (notes.length > 0) lines.push('', ...notes);
  return lines.join('\n') + '\n';
}
