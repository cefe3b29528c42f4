/**
 * The experiment runner (docs/protocol.md): the whole configuration is resolved and validated first (plan.ts: every
 * method, its pre-training config, the fine-tuning config, one architecture for all), then the data is read
 * (experiment-data.ts: in `loaderWorkers` threads, held in memory), the k-fold splits over labelled patients are
 * made (splits.json, reused) and every fold's labelled sets are drawn (label-sets.ts: M counts training labels
 * only). Then for each fold: pre-train each method on the images the setting allows (pretrain-cache.ts: once for
 * all folds where the fold does not matter), and for each label budget M fine-tune each method (cells.ts) and test
 * on the fold's test patients. Finished cells are read back from results.jsonl and skipped, and pre-training runs
 * resume from their checkpoints, so an interrupted experiment continues where it stopped.
 *
 * Writes: config.json (resolved), splits.json, results.jsonl (one record per cell, records.ts), table.md, table.csv,
 * dice-vs-m.svg/.png, verdict.md, verdict.json, overlays/*.png, tsne-*.png, report.html, summary.txt.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SliceDataset } from '../data/slice-dataset.js';
import { loadOrCreateSplits, allFolds, type Fold } from '../eval/protocol/kfold.js';
import type { ResultsTable } from '../report/table.js';
import type { ReportImage } from '../report/html.js';
import { describePrecision, type Precision } from '../engine/precision.js';
import type { ExperimentInput } from './config.js';
import { planExperiment, resolvedConfigJson, RANDOM, type ExperimentPlan } from './plan.js';
import { foldLabelSets, type FoldLabels } from './label-sets.js';
import { loadExperimentData, type ExperimentData } from './experiment-data.js';
import { PretrainRuns, pretrainImageItems, pretrainShared, type EncoderRun } from './pretrain-cache.js';
import { runCell, type CellContext } from './cells.js';
import { appendRecord, cellKey, isLegacyRecord, readRecords, type CellRecord } from './records.js';
import { tsnePlot } from './tsne-plot.js';
import { checkCellConfigs, guardCell } from './cell-config.js';
import { openRunFolder } from '../train/run-folder.js';
import type { ConfigIdentity } from '../train/run-config.js';
import { writeExperimentReport } from './report.js';

export type { CellRecord, EncoderRef } from './records.js';

export interface ExperimentResult {
  out: string;
  records: CellRecord[];
  table: ResultsTable;
  report: string;
  summary: string;
}

export interface ExperimentOptions {
  log?: (line: string) => void;
  /** progress display of the training loops */
  progress?: 'bar' | 'lines' | 'quiet';
  /** start afresh: the folder's previous outputs move to previous/<time>/ (src/train/run-folder.ts) */
  restart?: boolean;
}

/** Refuses to mix cells of another selection rule into results.jsonl; warns about legacy records. */
function checkRecords(records: CellRecord[], plan: ExperimentPlan, file: string, log: (l: string) => void): void {
  const other = records.find((r) => r.selection !== undefined && r.selection !== plan.cfg.selection);
  if (other)
    throw new Error(
      `experiment: ${file} holds cells fine-tuned with selection '${other.selection}', but this config asks for ` +
        `'${plan.cfg.selection}': use another out folder, or delete results.jsonl to recompute every cell`,
    );
  const legacy = records.filter(isLegacyRecord).length;
  if (legacy > 0)
    log(`experiment: ${legacy} record(s) in ${file} predate the protocol fields; they are reused as they are`);
}

interface FoldRun {
  plan: ExperimentPlan;
  /** each method's cell identity (cell-config.ts) */
  cellIds: Map<string, ConfigIdentity>;
  cells: CellContext;
  runs: PretrainRuns;
  records: CellRecord[];
  done: Set<string>;
  resultsFile: string;
  firstFold: number;
  overlays: ReportImage[];
  tsne: ReportImage[];
}

async function runFold(r: FoldRun, labels: FoldLabels): Promise<void> {
  const { cfg } = r.plan;
  const fold = labels.fold;
  const first = fold.index === r.firstFold;
  const encoders = new Map<string, EncoderRun>();
  for (const method of cfg.methods) {
    if (method === RANDOM) continue;
    const needed = cfg.budgets.some((M) => !r.done.has(cellKey(method, M, fold.index))) || (cfg.tsne && first);
    encoders.set(method, await r.runs.encoderFor(method, fold, needed));
  }
  const maxBudget = cfg.budgets[cfg.budgets.length - 1]!;
  for (const set of labels.sets) {
    for (const method of cfg.methods) {
      if (r.done.has(cellKey(method, set.budget, fold.index))) continue;
      const keep = first && set.budget === maxBudget ? cfg.overlays : 0;
      const configHash = r.cellIds.get(method)!.hash;
      const cell = { method, M: set.budget, fold: fold.index, configHash };
      const c = await guardCell(r.cells.out, cell, () =>
        runCell(r.cells, method, labels, set, encoders.get(method) ?? null, keep),
      );
      c.record.configHash = configHash;
      appendRecord(r.resultsFile, c.record);
      r.records.push(c.record);
      r.done.add(cellKey(method, set.budget, fold.index));
      r.overlays.push(...c.overlays);
    }
  }
  if (cfg.tsne && first) {
    const ids = tsneIds(r.cells.dataset, labels);
    for (const method of cfg.methods) {
      const img = await tsnePlot(r.plan, method, encoders.get(method) ?? null, r.cells.dataset, ids, r.cells.out);
      if (img) r.tsne.push(img);
    }
  }
}

function tsneIds(ds: SliceDataset, labels: FoldLabels): number[] {
  return labels.test.length >= 10 ? labels.test : ds.samples.filter((s) => ds.labels[s.id]).map((s) => s.id);
}

/** images pre-training sees per run: one number for a shared run, else one per fold */
function pretrainCounts(plan: ExperimentPlan, ds: SliceDataset, folds: Fold[]): number[] {
  if (pretrainShared(plan.cfg)) return [ds.length];
  return folds.map((f) => {
    const items = pretrainImageItems(ds, plan.cfg, f);
    return ds.samples.filter((s) => items.has(s.item)).length;
  });
}

/** the data, the splits (splits.json) and every fold's labelled sets: a budget that does not fit fails now */
async function prepare(plan: ExperimentPlan, out: string, cacheDir: string, log: (l: string) => void) {
  const { cfg } = plan;
  const data = await loadExperimentData(plan, cacheDir, log);
  const splits = await loadOrCreateSplits(path.join(out, 'splits.json'), data.patients, {
    k: cfg.folds,
    seed: cfg.seed,
  });
  const folds = allFolds(splits).slice(0, cfg.runFolds ?? cfg.folds);
  const labels = folds.map((f) =>
    foldLabelSets(f, data.labelled, {
      budgets: cfg.budgets,
      unit: cfg.budgetUnit,
      seed: cfg.seed,
      selection: cfg.selection,
      validationPatients: cfg.validationPatients,
      validationFraction: cfg.validationFraction,
    }),
  );
  return { data, folds, labels };
}

function foldRun(
  plan: ExperimentPlan,
  out: string,
  data: ExperimentData,
  firstFold: number,
  o: { cacheDir: string; log: (l: string) => void; progress: ExperimentOptions['progress'] },
): FoldRun {
  const resultsFile = path.join(out, 'results.jsonl');
  const records = readRecords(resultsFile);
  checkRecords(records, plan, resultsFile, o.log);
  const { ids: cellIds, unverified } = checkCellConfigs(plan, out, records);
  if (unverified > 0)
    o.log(
      `experiment: ${unverified} record(s) in ${resultsFile} carry no config hash (earlier versions): reused unverified`,
    );
  const { cacheDir, log, progress } = o;
  const pretrainCtx = { dataset: data.pretrainDataset, manifestHash: data.manifestHash };
  return {
    plan,
    cellIds,
    cells: { plan, out, dataset: data.dataset, log, progress },
    runs: new PretrainRuns({ plan, out, cacheDir, ...pretrainCtx, log, progress }),
    records,
    done: new Set(records.map((r) => cellKey(r.method, r.M, r.fold))),
    resultsFile,
    firstFold,
    overlays: [],
    tsne: [],
  };
}

export async function runExperiment(
  input: ExperimentInput,
  options: ExperimentOptions = {},
): Promise<ExperimentResult> {
  const started = Date.now();
  const log = options.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const plan = planExperiment(input);
  const { cfg } = plan;
  // made and locked for this run (restart: previous outputs moved aside); finished cells are checked per cell
  using folder = openRunFolder(cfg.out, {
    what: 'experiment',
    resumeFrom: [],
    mayChange: [],
    restart: options.restart,
  });
  const out = folder.dir;
  const cacheDir = cfg.cacheDir ?? path.join(os.tmpdir(), 'medcl-cache');
  for (const stage of ['pretrain', 'finetune'] as const)
    log(`experiment ${cfg.name}: ${stage} ${describePrecision((cfg[stage] as { precision: Precision }).precision)}`);
  log(`experiment ${cfg.name}: every method uses ${plan.arch.description}`);
  const { data, folds, labels } = await prepare(plan, out, cacheDir, log);
  const config = resolvedConfigJson(plan);
  writeFileSync(path.join(out, 'config.json'), JSON.stringify(config, null, 2) + '\n');
  const run = foldRun(plan, out, data, folds[0]!.index, { cacheDir, log, progress: options.progress });
  for (const l of labels) await runFold(run, l);

  const ds = data.dataset;
  const r = await writeExperimentReport({
    plan,
    out,
    config,
    records: run.records,
    foldsRun: folds.length,
    validationPerFold: labels.map((l) => l.validation.length),
    pretrainImages: pretrainCounts(plan, data.pretrainDataset, folds),
    labelledPatients: data.patients.length,
    unlabelledImages: ds.samples.filter((s) => !ds.labels[s.id]).length,
    samples: ds.length,
    overlays: run.overlays,
    tsne: run.tsne,
    started,
  });
  log(readFileSync(path.join(out, 'table.md'), 'utf8'));
  log(r.summary);
  return { out, records: run.records, table: r.table, report: r.report, summary: r.summary };
}
