/**
 * The experiment's outputs from its records: table.md (with the protocol caption), table.csv, the Dice-vs-M plot,
 * verdict.md / verdict.json (paired, Holm-corrected bootstrap differences to Random: verdict.ts), summary.txt and
 * the self-contained report.html whose headline is the verdict's sentence.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { summarize, tableToMarkdown, tableToCsv, type ResultsTable } from '../report/table.js';
import { linePlotSvg, seriesFromTable, svgToPng } from '../report/plot.js';
import { writeHtmlReport, machineInfo, type ReportImage } from '../report/html.js';
import { protocolCaption, type CaptionFacts } from './captions.js';
import { isLegacyRecord } from './records.js';
import { experimentVerdict } from './verdict.js';

export interface ReportContext extends CaptionFacts {
  out: string;
  /** the resolved config written to config.json */
  config: unknown;
  /** 2D samples of the evaluation data set */
  samples: number;
  overlays: ReportImage[];
  tsne: ReportImage[];
  started: number;
}

export interface ReportOutput {
  table: ResultsTable;
  report: string;
  summary: string;
}

function notes(ctx: ReportContext, dropped: number): string[] {
  const { cfg } = ctx.plan;
  const legacy = ctx.records.filter(isLegacyRecord).length;
  return [
    `Data: ${cfg.data} (${ctx.samples} 2D samples, ${ctx.labelledPatients} labelled patients), preset ${cfg.preset}, ` +
      `${cfg.size}×${cfg.size}.`,
    ...(dropped > 0
      ? [`${dropped} cell(s) have no test Dice (every test case had every class absent) and are not in the table.`]
      : []),
    ...(legacy > 0
      ? [
          `${legacy} record(s) of results.jsonl predate the protocol fields (selection, trainImages): their M may ` +
            'include validation patients. Delete results.jsonl to recompute them under the current protocol.',
        ]
      : []),
    'HD95: the 95th percentile of both directed surface-distance sets pooled (medpy), per case, in mm where the ' +
      'spacing is physical (z included for volumes), else in pixels.',
  ];
}

export async function writeExperimentReport(ctx: ReportContext): Promise<ReportOutput> {
  const { cfg } = ctx.plan;
  const out = ctx.out;
  // the cells of this configuration (results.jsonl may hold cells of methods or budgets no longer asked for)
  const budgets = new Set(cfg.budgets.map(String));
  const current = ctx.records.filter((r) => cfg.methods.includes(r.method) && budgets.has(String(r.M)));
  const withDice = current.filter((r) => typeof r.values['dice'] === 'number');
  const table = summarize(withDice, { metric: 'dice', methods: cfg.methods, budgets: cfg.budgets, digits: 3 });
  const caption = protocolCaption(ctx);
  const md = tableToMarkdown(table);
  writeFileSync(path.join(out, 'table.md'), `${md}\n${caption.join('\n')}\n`);
  writeFileSync(path.join(out, 'table.csv'), tableToCsv(table));
  const unit = cfg.budgetUnit;
  const svg = linePlotSvg(seriesFromTable(table), {
    title: `${cfg.name}: test Dice vs labelled ${unit}s`,
    xLabel: `M (labelled training ${unit}s)`,
  });
  writeFileSync(path.join(out, 'dice-vs-m.svg'), svg);
  const png = await svgToPng(svg, path.join(out, 'dice-vs-m.png'));
  const verdict = experimentVerdict(current, { seed: cfg.seed });
  writeFileSync(path.join(out, 'verdict.md'), verdict.markdown);
  writeFileSync(path.join(out, 'verdict.json'), JSON.stringify(verdict.json, null, 2) + '\n');
  const summary = verdict.sentence;
  const report = path.join(out, 'report.html');
  await writeHtmlReport(report, {
    title: `medcl experiment: ${cfg.name}`,
    summary,
    table,
    tableCaption: caption.join(' '),
    ...(verdict.table ? { verdict: verdict.table } : {}),
    plots: [{ caption: 'Test Dice vs M (mean ± std over folds)', png }],
    overlays: ctx.overlays,
    tsne: ctx.tsne,
    notes: notes(ctx, current.length - withDice.length),
    config: ctx.config,
    machine: machineInfo(),
    durationSeconds: (Date.now() - ctx.started) / 1000,
  });
  writeFileSync(path.join(out, 'summary.txt'), summary + '\n');
  return { table, report, summary };
}
