/**
 * `medcl evaluate-drasclr`: every downstream task of the paper (§4.2, §4.3.1; docs/drasclr.md) on a
 * finished DrasCLR run, each also run from a randomly initialised encoder of the same architecture through the same
 * code (the floor the pre-training must beat):
 *
 * 1. image-level outcome readouts: mean patch representation -> R², accuracy / 1-off, Cox C-index (patient-grouped
 *    k-fold CV; src/eval/outcomes/);
 * 2. patch classification (lesion vs healthy patches, labels from the label maps): linear readout of the frozen
 *    representation and full fine-tuning of encoder + linear classifier (F1, precision, recall; same folds);
 * 3. sliding-window dense prediction with fold 0's fine-tuned classifier on scans of fold 0's TEST patients (never
 *    trained on), written as NIfTI probability and mask volumes, with Dice against the lesion labels.
 *
 * Outputs in OUT/: evaluation.md, evaluation.json, dense/<scan>_{probability,mask}.nii.gz.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ensureDir } from '../engine/checkpoint/ensure-dir.js';
import { z } from 'zod';
import { loadManifest, type Manifest } from '../io/manifest.js';
import type { DrasclrEncoder } from '../models/drasclr-encoder.js';
import type { LandmarkPatchDataset } from '../data/landmark-patches.js';
import { LUNGCT_OUTCOMES, formatOutcomeReport, outcomeSpecSchema, type OutcomeReport } from '../eval/outcomes/index.js';
import { evaluateScanOutcomes, randomDrasclrEncoder } from '../eval/scan-outcomes.js';
import { labelledPatches, loadPatchLabels, type PatchLabels, type PatchSamples } from '../data/patch-labels.js';
import type { PatchCVResult } from '../eval/patch-cv.js';
import { patchLinearReadout } from '../eval/patch-linear-readout.js';
import { finetunePatchClassifierCV, type PatchFinetuneCVResult } from '../eval/patch-finetune-cv.js';
import { densePredictItem, patchClassifierWindows, writeDensePrediction } from '../eval/dense/index.js';
import { formatMeanStd } from '../eval/metrics/stats.js';
import { loadDrasclrRun, prepareRunData, type DrasclrRunFiles } from '../train/run-encoder.js';
import { parseConfig } from '../util/parse-config.js';

/** The evaluation's settings (`medcl evaluate-drasclr`'s options); defaults are the paper's where it gives them. */
export const evaluateDrasclrSchema = z
  .strictObject({
    /** the pre-training run folder */
    run: z.string().min(1),
    out: z.string().min(1),
    /** manifest to evaluate on (default: the run's data) */
    data: z.string().min(1).optional(),
    /** patient-grouped cross-validation folds (paper: 5) and their seed (also the random-init encoder's) */
    folds: z.number().int().min(2).default(5),
    seed: z.number().int().min(0).default(0),
    /** outcome fields of the manifest items' meta (default: the lung CT phantoms') */
    outcomes: outcomeSpecSchema.optional(),
    /** also evaluate a randomly initialised encoder */
    randomBaseline: z.boolean().default(true),
    /** patch classification: label values that are lesion (phantoms: [3]) and the positive-patch rule */
    lesionLabels: z.array(z.number().int().min(0)).min(1).default([3]),
    minLesionFraction: z.number().gt(0).max(1).optional(),
    /** full fine-tuning settings (src/eval/patch-finetune.ts defaults otherwise) */
    finetune: z
      .strictObject({
        epochs: z.number().int().positive().optional(),
        lr: z.number().positive().optional(),
        batchSize: z.number().int().positive().optional(),
        labelFraction: z.number().gt(0).max(1).optional(),
      })
      .default({}),
    /** patch classification and dense prediction (false: data without lesion labels) */
    patches: z.boolean().default(true),
    /** scans to dense-predict (0 = none) and the window grid step in voxels (paper: 1) */
    denseScans: z.number().int().min(0).default(2),
    denseStep: z.number().int().positive().default(4),
  })
  .meta({ title: 'DrasCLR evaluation settings' });

export type EvaluateDrasclrConfig = z.output<typeof evaluateDrasclrSchema>;
export type EvaluateDrasclrOptions = z.input<typeof evaluateDrasclrSchema> & { log?: (line: string) => void };

export interface PatchSchemes {
  linear: PatchCVResult;
  finetune: PatchFinetuneCVResult;
}

export interface DenseOutput {
  id: string;
  probability: string;
  mask: string;
  lesionFraction: number;
  dice: number | null;
}

export interface DrasclrEvaluation {
  out: string;
  outcomes: { pretrained: OutcomeReport; random: OutcomeReport | null };
  patchLabels: PatchLabels['counts'] | null;
  patches: { pretrained: PatchSchemes; random: PatchSchemes | null } | null;
  dense: DenseOutput[];
  markdown: string;
}

/** What every step works on: the settings, the run, its prepared patches and the encoders. */
interface Evaluation {
  cfg: EvaluateDrasclrConfig;
  out: string;
  log: (line: string) => void;
  run: DrasclrRunFiles;
  manifest: Manifest;
  prepared: Awaited<ReturnType<typeof prepareRunData>>;
  dataset: LandmarkPatchDataset;
  random: DrasclrEncoder | null;
}

async function openEvaluation(options: EvaluateDrasclrOptions): Promise<Evaluation> {
  const { log: given, ...settings } = options;
  const cfg = parseConfig(evaluateDrasclrSchema, settings, 'evaluate-drasclr');
  const log = given ?? ((l: string) => process.stderr.write(l + '\n'));
  const out = path.resolve(cfg.out);
  ensureDir(out);
  const run = loadDrasclrRun(cfg.run);
  const manifest = await loadManifest(cfg.data ?? run.config.data);
  const prepared = await prepareRunData(run, { manifest, log });
  const random = cfg.randomBaseline ? randomDrasclrEncoder(run.config, cfg.seed) : null;
  return { cfg, out, log, run, manifest, prepared, dataset: prepared.dataset, random };
}

/** 1. image-level outcomes of both encoders, on the same folds */
function outcomeReadouts(e: Evaluation): DrasclrEvaluation['outcomes'] {
  const { cfg, dataset } = e;
  e.log(`outcomes: ${dataset.length} scans, ${cfg.folds}-fold CV by patient`);
  const options = { outcomes: cfg.outcomes ?? LUNGCT_OUTCOMES, folds: cfg.folds, seed: cfg.seed };
  const readout = (encoder: DrasclrEncoder) => evaluateScanOutcomes(encoder, dataset, e.manifest.items, options);
  return { pretrained: readout(e.run.encoder), random: e.random ? readout(e.random) : null };
}

/** 2. both patch classification schemes of one encoder */
function patchSchemes(
  e: Evaluation,
  samples: PatchSamples,
  encoder: DrasclrEncoder,
  init: 'pretrained' | 'random',
): PatchSchemes {
  const { cfg, dataset } = e;
  e.log(`patch classification (${init}): linear readout`);
  const { embeddings: _e, ...linear } = patchLinearReadout(encoder, dataset, samples, { k: cfg.folds, seed: cfg.seed });
  e.log(`patch classification (${init}): full fine-tuning`);
  const finetune = finetunePatchClassifierCV(dataset, samples, {
    ...cfg.finetune,
    config: e.run.config,
    init,
    pretrained: e.run.encoder,
    k: cfg.folds,
    seed: cfg.seed,
    returnModel: init === 'pretrained' && cfg.denseScans > 0 ? 'fold' : 'none',
  });
  return { linear, finetune };
}

async function patchClassification(
  e: Evaluation,
): Promise<{ counts: PatchLabels['counts']; patches: NonNullable<DrasclrEvaluation['patches']> }> {
  const labels = await loadPatchLabels(e.prepared, e.manifest, {
    spacing: e.run.config.spacing,
    lesionLabels: e.cfg.lesionLabels,
    minLesionFraction: e.cfg.minLesionFraction,
  });
  const { counts } = labels;
  const samples = labelledPatches(e.dataset, labels);
  e.log(
    `patch labels: ${counts.positive} lesion, ${counts.negative} healthy, ${counts.ambiguous} ambiguous (left out) patches`,
  );
  const pretrained = patchSchemes(e, samples, e.run.encoder, 'pretrained');
  return { counts, patches: { pretrained, random: e.random ? patchSchemes(e, samples, e.random, 'random') : null } };
}

/** 3. dense prediction of fold 0's test scans with fold 0's fine-tuned model, written as NIfTI */
async function densePredictions(e: Evaluation, finetune: PatchFinetuneCVResult): Promise<DenseOutput[]> {
  const model = finetune.model;
  if (!model) return [];
  const testPatients = new Set(finetune.folds[0]?.testPatients ?? []);
  const scans = e.dataset.scans.filter((s) => testPatients.has(s.patient)).slice(0, e.cfg.denseScans);
  const dense: DenseOutput[] = [];
  for (const s of scans) {
    e.log(`dense prediction: ${s.id}`);
    const r = await densePredictItem({
      manifest: e.manifest,
      report: e.prepared.report,
      landmarks: e.dataset.landmarks,
      config: e.run.config,
      item: s.item,
      classifier: patchClassifierWindows(model),
      options: { step: e.cfg.denseStep, lesionLabels: e.cfg.lesionLabels },
    });
    const files = await writeDensePrediction(r, path.join(e.out, 'dense'), r.id);
    dense.push({ id: r.id, ...files, lesionFraction: r.lesionFraction, dice: r.dice });
  }
  return dense;
}

const f3 = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : v.toFixed(3));

function patchRows(name: string, s: PatchSchemes): string[] {
  const row = (scheme: string, { summary: m }: PatchCVResult): string =>
    `| ${name} | ${scheme} | ${formatMeanStd(m.f1)} | ${formatMeanStd(m.precision)} | ${formatMeanStd(m.recall)} |`;
  return [row('linear readout', s.linear), row('full fine-tuning', s.finetune)];
}

/** evaluation.md: the outcome tables, the patch classification table and the dense predictions */
function evaluationMarkdown(e: Evaluation, r: Omit<DrasclrEvaluation, 'markdown' | 'out'>): string {
  const { outcomes, patches, patchLabels: counts, dense } = r;
  const md: string[] = [
    `# DrasCLR evaluation of ${e.run.dir}`,
    '',
    `${e.dataset.length} scans, ${e.dataset.landmarkCount} landmarks; ${e.cfg.folds}-fold cross-validation grouped by patient, seed ${e.cfg.seed}.`,
    '',
    '## Image-level outcomes (mean patch representation, linear readouts)',
    '',
    '### Pre-trained encoder',
    '',
    formatOutcomeReport(outcomes.pretrained),
  ];
  if (outcomes.random) md.push('### Random-init encoder (floor)', '', formatOutcomeReport(outcomes.random));
  if (patches && counts)
    md.push(
      '## Patch classification (lesion vs healthy patches)',
      '',
      `${counts.positive} lesion and ${counts.negative} healthy patches (${counts.ambiguous} ambiguous left out).`,
      '',
      '| encoder | scheme | F1 | precision | recall |',
      '| --- | --- | --- | --- | --- |',
      ...patchRows('pre-trained', patches.pretrained),
      ...(patches.random ? patchRows('random init', patches.random) : []),
      '',
    );
  if (dense.length > 0)
    md.push(
      '## Dense prediction (fold 0 model, fold 0 test scans)',
      '',
      '| scan | predicted lesion fraction of lung | Dice vs lesion labels | mask |',
      '| --- | --- | --- | --- |',
      ...dense.map((d) => `| ${d.id} | ${f3(d.lesionFraction)} | ${f3(d.dice)} | ${path.relative(e.out, d.mask)} |`),
      '',
    );
  return md.join('\n');
}

/** evaluation.json: the same numbers, without per-sample arrays */
function evaluationJson(e: Evaluation, r: Omit<DrasclrEvaluation, 'markdown' | 'out'>): string {
  const strip = (s: PatchSchemes | null): unknown =>
    s && {
      linear: { summary: s.linear.summary, pooled: s.linear.pooled, folds: s.linear.folds },
      finetune: { summary: s.finetune.summary, pooled: s.finetune.pooled, settings: s.finetune.settings },
    };
  const outcomeJson = (o: OutcomeReport | null): unknown =>
    o && o.outcomes.map((x) => ({ label: x.label, kind: x.kind, metrics: x.metrics, notes: x.notes }));
  const json = {
    run: e.run.dir,
    scans: e.dataset.length,
    landmarks: e.dataset.landmarkCount,
    folds: e.cfg.folds,
    seed: e.cfg.seed,
    outcomes: { pretrained: outcomeJson(r.outcomes.pretrained), random: outcomeJson(r.outcomes.random) },
    patchLabels: r.patchLabels,
    patches: r.patches && { pretrained: strip(r.patches.pretrained), random: strip(r.patches.random) },
    dense: r.dense,
  };
  return JSON.stringify(json, null, 2) + '\n';
}

export async function evaluateDrasclrRun(options: EvaluateDrasclrOptions): Promise<DrasclrEvaluation> {
  const e = await openEvaluation(options);
  const outcomes = outcomeReadouts(e);
  const classified = e.cfg.patches ? await patchClassification(e) : null;
  const dense = classified ? await densePredictions(e, classified.patches.pretrained.finetune) : [];
  const r = { outcomes, patchLabels: classified?.counts ?? null, patches: classified?.patches ?? null, dense };
  const markdown = evaluationMarkdown(e, r);
  writeFileSync(path.join(e.out, 'evaluation.md'), markdown);
  writeFileSync(path.join(e.out, 'evaluation.json'), evaluationJson(e, r));
  return { out: e.out, ...r, markdown };
}
