/**
 * The experiment runner: for each fold (k-fold over patients, splits written to splits.json and reused), pre-train
 * every method on the images pre-training may see, then for each label budget M fine-tune from each method's
 * encoder (and from random initialisation) on M labelled training patients, choosing the checkpoint on held-out
 * labelled patients, and test on the fold's test patients. Finished cells (method, M, fold) are read back from
 * results.jsonl and skipped, and pre-training runs resume from their checkpoints, so an interrupted experiment
 * continues where it stopped.
 *
 * Writes: splits.json, results.jsonl (one record per cell, with per-case Dice/HD95), table.md, table.csv,
 * dice-vs-m.svg/.png, overlays/*.png, tsne-*.png, report.html, config.json.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadSafetensors, noGrad, tidy, F } from '../engine/index.js';
import { loadManifest } from '../io/manifest.js';
import { buildSliceDataset, type SliceDataset } from '../data/slice-dataset.js';
import { loadOrCreateSplits, allFolds, type Fold } from '../eval/protocol/kfold.js';
import { drawBudgets, type Budget } from '../eval/protocol/budget.js';
import { innerSplit } from '../eval/protocol/inner-split.js';
import { tsne } from '../eval/tsne.js';
import { pretrain, resolvePretrainConfig } from '../train/pretrain.js';
import { finetune, type CaseResult } from '../train/finetune.js';
import { buildEncoder } from '../methods/common.js';
import { polyclEncoder } from '../models/polycl-unet.js';
import { summarize, tableToMarkdown, tableToCsv, type ResultRecord, type ResultsTable } from '../report/table.js';
import { linePlotSvg, seriesFromTable, scatterSvg, svgToPng } from '../report/plot.js';
import { overlayPng } from '../report/overlay.js';
import { writeHtmlReport, machineInfo, type ReportImage } from '../report/html.js';
import { parseExperimentConfig, type ExperimentConfig, type ExperimentInput } from './config.js';
import type { PretrainConfig } from '../train/config.js';
import {
  defaultPrecisionSetting,
  describePrecision,
  resolvePrecision,
  type PrecisionSetting,
} from '../train/precision-default.js';
import type { Precision } from '../train/precision.js';

export interface CellRecord extends ResultRecord {
  /** per test case */
  cases: CaseResult[];
  bestEpoch: number;
  trainPatients: number;
  validationPatients: number;
  seconds: number;
}

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
}

const cellKey = (method: string, M: Budget, fold: number): string => `${method}|${M}|${fold}`;

function readRecords(file: string): CellRecord[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l, i) => {
      try {
        return JSON.parse(l) as CellRecord;
      } catch {
        throw new Error(`${file}: line ${i + 1} is not JSON (delete the line to recompute that cell)`);
      }
    });
}

/** The fine-tuning architecture that matches a pre-training method's encoder. */
function finetuneModelFor(
  method: string,
  pcfg: PretrainConfig | null,
): { model: 'unet' | 'polycl-unet'; encoder: PretrainConfig['encoder'] | undefined } {
  if (method.startsWith('polycl')) return { model: 'polycl-unet', encoder: pcfg?.encoder };
  return { model: 'unet', encoder: pcfg?.encoder };
}

/** One honest sentence per method and M: the difference to random initialisation and whether it exceeds the fold spread. */
export function summarizeVsRandom(table: ResultsTable): { lines: string[]; helped: boolean | null } {
  const random = table.rows.find((r) => r.method === 'random');
  if (!random)
    return {
      lines: ['No random-initialisation baseline was run, so the effect of pre-training is not measured.'],
      helped: null,
    };
  const lines: string[] = [];
  let anyClear = false;
  let anyWorse = false;
  for (const row of table.rows) {
    if (row.method === 'random') continue;
    const parts: string[] = [];
    row.cells.forEach((c, j) => {
      const r = random.cells[j];
      if (!c || !r) return;
      const diff = c.mean - r.mean;
      const spread = Math.max(c.std ?? 0, r.std ?? 0);
      const n = Math.min(c.n, r.n);
      const se = n > 1 ? spread / Math.sqrt(n) : Infinity;
      const verdict = diff > 2 * se ? 'better' : diff < -2 * se ? 'worse' : 'no clear difference';
      if (verdict === 'better') anyClear = true;
      if (verdict === 'worse') anyWorse = true;
      const M = table.budgets[j]!;
      parts.push(`M=${M}: ${diff >= 0 ? '+' : ''}${diff.toFixed(3)} (${verdict})`);
    });
    lines.push(`${row.method} vs random, mean Dice difference over folds: ${parts.join('; ')}.`);
  }
  return { lines, helped: anyClear ? true : anyWorse ? false : null };
}

export async function runExperiment(
  input: ExperimentInput,
  options: ExperimentOptions = {},
): Promise<ExperimentResult> {
  const started = Date.now();
  const cfg: ExperimentConfig = parseExperimentConfig(input);
  const log = options.log ?? ((l: string) => process.stderr.write(l + '\n'));
  // one precision per stage for the whole experiment, resolved here ('auto' -> this machine's default) and written
  // into config.json
  for (const stage of ['pretrain', 'finetune'] as const) {
    const rec = cfg[stage] as Record<string, unknown>;
    const setting = (rec['precision'] ?? defaultPrecisionSetting()) as PrecisionSetting;
    try {
      rec['precision'] = resolvePrecision(setting).precision;
    } catch (e) {
      throw new Error(`experiment: ${stage}.precision: ${(e as Error).message}`);
    }
  }
  const out = path.resolve(cfg.out);
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'config.json'), JSON.stringify(cfg, null, 2) + '\n');
  const cacheDir = cfg.cacheDir ?? path.join(os.tmpdir(), 'medcl-cache');

  for (const stage of ['pretrain', 'finetune'] as const)
    log(`experiment ${cfg.name}: ${stage} ${describePrecision((cfg[stage] as { precision: Precision }).precision)}`);
  log(`experiment ${cfg.name}: reading ${cfg.data}`);
  const manifest = await loadManifest(cfg.data);
  const dsAll = await buildSliceDataset(manifest, {
    preset: cfg.preset,
    size: cfg.size,
    spacing: cfg.spacing,
    cacheDir,
  });
  const labelled = dsAll.samples.filter((s) => dsAll.labels[s.id]);
  const patients = [...new Set(labelled.map((s) => s.patient))];
  if (patients.length < cfg.folds) {
    throw new Error(
      `experiment: ${cfg.data} has ${patients.length} patients with labels; ${cfg.folds} folds need at least ${cfg.folds}`,
    );
  }
  const pretrainDs =
    cfg.pretrainData !== undefined
      ? await buildSliceDataset(await loadManifest(cfg.pretrainData), {
          preset: cfg.preset,
          size: cfg.size,
          spacing: cfg.spacing,
          cacheDir,
        })
      : dsAll;
  const splits = await loadOrCreateSplits(path.join(out, 'splits.json'), patients, { k: cfg.folds, seed: cfg.seed });
  const folds = allFolds(splits).slice(0, cfg.runFolds ?? cfg.folds);
  const resultsFile = path.join(out, 'results.jsonl');
  const records = readRecords(resultsFile);
  const done = new Set(records.map((r) => cellKey(r.method, r.M, r.fold)));
  const overlays: ReportImage[] = [];
  const tsnes: ReportImage[] = [];
  const maxBudget = cfg.budgets[cfg.budgets.length - 1]!;

  for (const fold of folds) {
    const encoders = new Map<string, { file: string; pcfg: PretrainConfig }>();
    for (const method of cfg.methods) {
      if (method === 'random') continue;
      const pcfg = resolvePretrainConfig({
        ...cfg.pretrain,
        ...(cfg.methodOverrides[method] ?? {}),
        method,
        data: cfg.pretrainData ?? cfg.data,
        out: path.join(out, 'pretrain', method, `fold${fold.index}`),
        preset: cfg.preset,
        size: cfg.size,
        seed: cfg.seed + fold.index,
        cacheDir,
      } as never);
      const encFile = path.join(pcfg.out, 'encoder.safetensors');
      const needed = cfg.budgets.some((M) => !done.has(cellKey(method, M, fold.index)));
      if (needed || (cfg.tsne && fold.index === folds[0]!.index)) {
        if (!existsSync(encFile)) {
          const ds = pretrainSubset(pretrainDs, cfg, fold);
          log(`fold ${fold.index}: pre-training ${method} on ${ds.length} images (${pcfg.epochs} epochs)`);
          await pretrain(pcfg, { dataset: ds, progress: options.progress });
        }
      }
      encoders.set(method, { file: encFile, pcfg });
    }

    const budgets = drawBudgets(fold, {
      budgets: cfg.budgets,
      seed: cfg.seed,
      unit: cfg.budgetUnit,
      images:
        cfg.budgetUnit === 'image'
          ? labelled
              .filter((s) => fold.train.includes(s.patient))
              .map((s) => ({ id: String(s.id), patient: s.patient }))
          : undefined,
    });
    const testIds = labelled.filter((s) => fold.test.includes(s.patient)).map((s) => s.id);
    for (const draw of budgets.draws) {
      const labelledPatients = draw.patients;
      const inner =
        labelledPatients.length >= 2
          ? innerSplit(
              { index: fold.index, train: labelledPatients, test: fold.test },
              { seed: cfg.seed, fraction: cfg.validationFraction },
            )
          : { train: labelledPatients, validation: [] as string[] };
      const trainSet = new Set(inner.train);
      const valSet = new Set(inner.validation);
      const idsOf = (set: Set<string>): number[] =>
        cfg.budgetUnit === 'image'
          ? draw.ids.map(Number).filter((id) => set.has(dsAll.samples[id]!.patient))
          : labelled.filter((s) => set.has(s.patient)).map((s) => s.id);
      const split = { train: idsOf(trainSet), val: idsOf(valSet), test: testIds };
      for (const method of cfg.methods) {
        if (done.has(cellKey(method, draw.budget, fold.index))) continue;
        const enc = encoders.get(method);
        const arch = finetuneModelFor(method, enc?.pcfg ?? null);
        const t0 = Date.now();
        log(
          `fold ${fold.index}, M=${draw.budget}: fine-tuning ${method} on ${split.train.length} images (${inner.train.length} patients)`,
        );
        const keep = fold.index === folds[0]!.index && draw.budget === maxBudget ? cfg.overlays : 0;
        const r = await finetune(
          {
            ...(cfg.finetune as object),
            model: arch.model,
            ...(arch.encoder
              ? { encoder: arch.encoder }
              : cfg.pretrain['encoder']
                ? { encoder: cfg.pretrain['encoder'] }
                : {}),
            ...(enc ? { init: enc.file } : {}),
            seed: cfg.seed + fold.index,
          } as never,
          dsAll,
          split,
          {
            keepPredictions: keep,
            out: path.join(out, 'finetune', method, `M${draw.budget}`, `fold${fold.index}`),
            progress: options.progress,
          },
        );
        const rec: CellRecord = {
          method,
          M: draw.budget,
          fold: fold.index,
          values: { dice: r.meanDice, ...(r.meanHd95 !== null ? { hd95: r.meanHd95 } : {}) },
          cases: r.test,
          bestEpoch: r.bestEpoch,
          trainPatients: inner.train.length,
          validationPatients: inner.validation.length,
          seconds: (Date.now() - t0) / 1000,
        };
        appendFileSync(resultsFile, JSON.stringify(rec) + '\n');
        records.push(rec);
        done.add(cellKey(method, draw.budget, fold.index));
        log(
          `  ${method}: test Dice ${r.meanDice.toFixed(3)}${r.meanHd95 !== null ? `, HD95 ${r.meanHd95.toFixed(1)} mm` : ''}`,
        );
        for (const [id, pred] of r.predictions) {
          const png = await overlayPng(
            { data: dsAll.images[id]!, shape: [dsAll.size, dsAll.size] },
            {
              reference: dsAll.labels[id]!,
              prediction: pred,
              referenceStyle: 'contour',
              predictionStyle: 'fill',
              scale: 2,
            },
            path.join(out, 'overlays', `${method}-sample${id}.png`),
          );
          overlays.push({
            caption: `${method}, M=${draw.budget}: ${dsAll.describe(id)} (fill = prediction, contour = reference)`,
            png,
          });
        }
      }
    }
    if (cfg.tsne && fold.index === folds[0]!.index) {
      for (const method of cfg.methods) {
        const img = await tsnePlot(method, encoders.get(method) ?? null, dsAll, testIdsOrAll(labelled, fold), cfg, out);
        if (img) tsnes.push(img);
      }
    }
  }

  const table = summarize(records, { metric: 'dice', methods: cfg.methods, budgets: cfg.budgets, digits: 3 });
  const md = tableToMarkdown(table);
  writeFileSync(path.join(out, 'table.md'), md + '\n');
  writeFileSync(path.join(out, 'table.csv'), tableToCsv(table));
  const svg = linePlotSvg(seriesFromTable(table), {
    title: `${cfg.name}: test Dice vs labelled ${cfg.budgetUnit}s`,
    xLabel: `M (labelled ${cfg.budgetUnit}s)`,
  });
  writeFileSync(path.join(out, 'dice-vs-m.svg'), svg);
  const png = await svgToPng(svg, path.join(out, 'dice-vs-m.png'));
  const verdict = summarizeVsRandom(table);
  const headline =
    verdict.helped === true
      ? 'Pre-training helped on this data: at least one method beat random initialisation by more than twice the standard error over folds.'
      : verdict.helped === false
        ? 'Pre-training did not help on this data: no method beat random initialisation clearly, and at least one was clearly worse.'
        : 'Pre-training made no clear difference on this data: every difference to random initialisation is within twice the standard error over folds.';
  const summary = [headline, ...verdict.lines].join(' ');
  const report = path.join(out, 'report.html');
  await writeHtmlReport(report, {
    title: `medcl experiment: ${cfg.name}`,
    summary,
    table,
    tableCaption: `Test Dice, mean (sample std) over ${folds.length} fold(s); rows: methods, columns: M labelled ${cfg.budgetUnit}s.`,
    plots: [{ caption: 'Test Dice vs M (mean ± std over folds)', png }],
    overlays,
    tsne: tsnes,
    notes: [
      `Data: ${cfg.data} (${dsAll.length} 2D samples, ${patients.length} labelled patients), preset ${cfg.preset}, ${cfg.size}×${cfg.size}.`,
      `Folds: ${cfg.folds}-fold over patients (splits.json), ${folds.length} run; checkpoints chosen on ${Math.round(cfg.validationFraction * 100)}% of the labelled patients, never on the test fold.`,
      `Pre-training images: ${cfg.pretrainData ? `transfer from ${cfg.pretrainData}` : cfg.pretrainImages === 'training-folds' ? "the training folds' images only" : 'all images, unlabelled, test folds included'}.`,
      'Empty-mask policy (src/eval/metrics): a class absent from both prediction and reference scores Dice 1 and HD95 0; absent from one only, Dice 0 and HD95 = the image diagonal in mm.',
    ],
    config: cfg,
    machine: machineInfo(),
    durationSeconds: (Date.now() - started) / 1000,
  });
  writeFileSync(path.join(out, 'summary.txt'), summary + '\n');
  log(md);
  log(summary);
  return { out, records, table, report, summary };
}

function testIdsOrAll(labelled: { id: number; patient: string }[], fold: Fold): number[] {
  const ids = labelled.filter((s) => fold.test.includes(s.patient)).map((s) => s.id);
  return ids.length >= 10 ? ids : labelled.map((s) => s.id);
}

/** The images pre-training may see in a fold (the setting's rule), as a data set. */
function pretrainSubset(ds: SliceDataset, cfg: ExperimentConfig, fold: Fold): SliceDataset {
  if (cfg.pretrainData !== undefined || cfg.pretrainImages === 'all-images') return ds;
  const train = new Set(fold.train);
  const items = new Set(ds.samples.filter((s) => train.has(s.patient)).map((s) => s.item));
  return ds.subset(items);
}

/** t-SNE of global-average-pooled encoder features, coloured by patient (2D images) or slice position (volumes). */
async function tsnePlot(
  method: string,
  enc: { file: string; pcfg: PretrainConfig } | null,
  ds: SliceDataset,
  ids: number[],
  cfg: ExperimentConfig,
  out: string,
): Promise<ReportImage | null> {
  const pick = ids.slice(0, 400);
  if (pick.length < 10) return null;
  const pcfg =
    enc?.pcfg ?? resolvePretrainConfig({ ...(cfg.pretrain as object), method: 'simclr', data: cfg.data, out } as never);
  const encoder = method.startsWith('polycl')
    ? polyclEncoder({ widths: pcfg.encoder.widths, dropout: pcfg.encoder.dropout })
    : buildEncoder(pcfg);
  if (enc) encoder.loadStateDict(loadSafetensors(enc.file).tensors);
  encoder.eval();
  const feats: number[] = [];
  let dim = 0;
  for (let i = 0; i < pick.length; i += 32) {
    const chunk = pick.slice(i, i + 32);
    const f = noGrad(() =>
      tidy(() => F.normalize(encoder.forward(ds.imageBatch(chunk)).mean([2, 3]), { dim: 1 }).toFloat64Array()),
    );
    dim = f.length / chunk.length;
    feats.push(...f);
  }
  const r = tsne(Float64Array.from(feats), dim, {
    seed: cfg.seed,
    perplexity: Math.min(30, Math.floor((pick.length - 1) / 3)),
  });
  const isVolume = ds.samples[pick[0]!]!.slicesInVolume > 1;
  const svg = scatterSvg(r.embedding, {
    title: `t-SNE of ${method} encoder features`,
    ...(isVolume
      ? {
          values: pick.map((id) => (ds.samples[id]!.sliceIndex + 1) / ds.samples[id]!.slicesInVolume),
          colourLabel: 'slice position',
        }
      : { categories: pick.map((id) => ds.samples[id]!.patient), colourLabel: 'patient' }),
  });
  const png = await svgToPng(svg, path.join(out, `tsne-${method}.png`));
  return { caption: `t-SNE of ${method} encoder features (${pick.length} images)`, png };
}
