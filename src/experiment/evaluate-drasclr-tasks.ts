/**
 * The tasks of a DrasCLR evaluation (evaluate-drasclr.ts), each on both encoders: 1. image-level outcome readouts,
 * 2. patch classification by linear readout and by full fine-tuning, 3. dense prediction of fold 0's test scans.
 */
import path from 'node:path';
import { ensureDir } from '../engine/checkpoint/ensure-dir.js';
import { loadManifest, type Manifest } from '../io/manifest.js';
import type { DrasclrEncoder } from '../models/drasclr-encoder.js';
import type { LandmarkPatchDataset } from '../data/landmark-patches.js';
import { LUNGCT_OUTCOMES } from '../eval/outcomes/index.js';
import { evaluateScanOutcomes, randomDrasclrEncoder } from '../eval/scan-outcomes.js';
import { labelledPatches, loadPatchLabels, type PatchLabels, type PatchSamples } from '../data/patch-labels.js';
import { patchLinearReadout } from '../eval/patch-linear-readout.js';
import { finetunePatchClassifierCV, type PatchFinetuneCVResult } from '../eval/patch-finetune-cv.js';
import { densePredictItem, patchClassifierWindows, writeDensePrediction } from '../eval/dense/index.js';
import { loadDrasclrRun, prepareRunData, type DrasclrRunFiles } from '../train/run-encoder.js';
import { parseConfig } from '../util/parse-config.js';
import {
  evaluateDrasclrSchema,
  type DenseOutput,
  type DrasclrEvaluation,
  type EvaluateDrasclrConfig,
  type EvaluateDrasclrOptions,
  type PatchSchemes,
} from './evaluate-drasclr-config.js';

/** What every step works on: the settings, the run, its prepared patches and the encoders. */
export interface Evaluation {
  cfg: EvaluateDrasclrConfig;
  out: string;
  log: (line: string) => void;
  run: DrasclrRunFiles;
  manifest: Manifest;
  prepared: Awaited<ReturnType<typeof prepareRunData>>;
  dataset: LandmarkPatchDataset;
  random: DrasclrEncoder | null;
}

/** validates the settings, loads the run and its data, and draws the random-init encoder */
export async function openEvaluation(options: EvaluateDrasclrOptions): Promise<Evaluation> {
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
export function outcomeReadouts(e: Evaluation): DrasclrEvaluation['outcomes'] {
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

/** 2. the patch labels, and both schemes of both encoders on them */
export async function patchClassification(
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
export async function densePredictions(e: Evaluation, finetune: PatchFinetuneCVResult): Promise<DenseOutput[]> {
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
