/**
 * `medcl evaluate-drasclr`: every downstream task of the paper (§4.2, §4.3.1; docs/drasclr.md) on a
 * finished DrasCLR run, each also run from a randomly initialised encoder of the same architecture through the same
 * code (the floor the pre-training must beat):
 *
 * 1. image-level outcome readouts: mean patch representation -> R², accuracy / 1-off, Cox C-index (patient-grouped
 *    k-fold CV; src/eval/outcomes.ts);
 * 2. patch classification (lesion vs healthy patches, labels from the label maps): linear readout of the frozen
 *    representation and full fine-tuning of encoder + linear classifier (F1, precision, recall; same folds);
 * 3. sliding-window dense prediction with fold 0's fine-tuned classifier on scans of fold 0's TEST patients (never
 *    trained on), written as NIfTI probability and mask volumes, with Dice against the lesion labels.
 *
 * Outputs in OUT/: evaluation.md, evaluation.json, dense/<scan>_{probability,mask}.nii.gz.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadManifest } from '../io/manifest.js';
import type { DrasclrEncoder } from '../models/drasclr-encoder.js';
import { LUNGCT_OUTCOMES, formatOutcomeReport, type OutcomeReport, type OutcomeSpec } from '../eval/outcomes.js';
import { evaluateScanOutcomes, randomDrasclrEncoder } from '../eval/scan-outcomes.js';
import { labelledPatches, loadPatchLabels, type PatchLabels } from '../data/patch-labels.js';
import type { PatchCVResult } from '../eval/patch-cv.js';
import { patchLinearReadout } from '../eval/patch-linear-readout.js';
import { finetunePatchClassifierCV, type PatchFinetuneCVResult } from '../eval/patch-finetune-cv.js';
import { densePredictItem, patchClassifierWindows, writeDensePrediction } from '../eval/dense-prediction.js';
import { loadDrasclrRun, prepareRunData } from '../train/run-encoder.js';

export interface EvaluateDrasclrOptions {
  /** the pre-training run folder */
  run: string;
  out: string;
  /** manifest to evaluate on (default: the run's data) */
  data?: string;
  /** CV folds (paper: 5) and seed */
  folds?: number;
  seed?: number;
  outcomes?: OutcomeSpec;
  /** also evaluate a randomly initialised encoder (default true) */
  randomBaseline?: boolean;
  /** patch classification: label values that are lesion (phantoms: [3]) and the positive-patch rule */
  lesionLabels?: number[];
  minLesionFraction?: number;
  /** full fine-tuning settings (src/eval/patch-finetune.ts defaults otherwise) */
  finetune?: { epochs?: number; lr?: number; batchSize?: number; labelFraction?: number };
  /** skip patch classification and dense prediction (e.g. data without lesion labels) */
  patches?: boolean;
  /** scans to dense-predict (default 2; 0 = none) and the window grid step in voxels (default 4; paper: 1) */
  denseScans?: number;
  denseStep?: number;
  log?: (line: string) => void;
}

interface PatchSchemes {
  linear: PatchCVResult;
  finetune: PatchFinetuneCVResult;
}

export interface DrasclrEvaluation {
  out: string;
  outcomes: { pretrained: OutcomeReport; random: OutcomeReport | null };
  patchLabels: PatchLabels['counts'] | null;
  patches: { pretrained: PatchSchemes; random: PatchSchemes | null } | null;
  dense: { id: string; probability: string; mask: string; lesionFraction: number; dice: number | null }[];
  markdown: string;
}

const f3 = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : v.toFixed(3));

function patchRows(name: string, s: PatchSchemes): string[] {
  const row = (scheme: string, r: PatchCVResult): string =>
    `| ${name} | ${scheme} | ${f3(r.summary.f1.mean)} ± ${f3(r.summary.f1.sd)} | ` +
    `${f3(r.summary.precision.mean)} ± ${f3(r.summary.precision.sd)} | ${f3(r.summary.recall.mean)} ± ${f3(r.summary.recall.sd)} |`;
  return [row('linear readout', s.linear), row('full fine-tuning', s.finetune)];
}

export async function evaluateDrasclrRun(options: EvaluateDrasclrOptions): Promise<DrasclrEvaluation> {
  const log = options.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const out = path.resolve(options.out);
  mkdirSync(out, { recursive: true });
  const run = loadDrasclrRun(options.run);
  const manifest = await loadManifest(options.data ?? run.config.data);
  const prepared = await prepareRunData(run, { manifest, log });
  const { dataset } = prepared;
  const seed = options.seed ?? 0;
  const folds = options.folds ?? 5;
  const withRandom = options.randomBaseline ?? true;
  const random: DrasclrEncoder | null = withRandom ? randomDrasclrEncoder(run.config, seed) : null;
  const encoders: [string, DrasclrEncoder][] = [['pretrained', run.encoder]];
  if (random) encoders.push(['random init', random]);

  // 1. image-level outcomes
  log(`outcomes: ${dataset.length} scans, ${folds}-fold CV by patient`);
  const outcomeSpec = options.outcomes ?? LUNGCT_OUTCOMES;
  const outcomes = {
    pretrained: evaluateScanOutcomes(run.encoder, dataset, manifest.items, { outcomes: outcomeSpec, folds, seed }),
    random: random
      ? evaluateScanOutcomes(random, dataset, manifest.items, { outcomes: outcomeSpec, folds, seed })
      : null,
  };

  // 2. patch classification
  let patches: DrasclrEvaluation['patches'] = null;
  let counts: PatchLabels['counts'] | null = null;
  const dense: DrasclrEvaluation['dense'] = [];
  if (options.patches ?? true) {
    const labels = await loadPatchLabels(prepared, manifest, {
      spacing: run.config.spacing,
      lesionLabels: options.lesionLabels ?? [3],
      minLesionFraction: options.minLesionFraction,
    });
    counts = labels.counts;
    const samples = labelledPatches(dataset, labels);
    log(
      `patch labels: ${counts.positive} lesion, ${counts.negative} healthy, ${counts.ambiguous} ambiguous (left out) patches`,
    );
    const schemes = (encoder: DrasclrEncoder, init: 'pretrained' | 'random'): PatchSchemes => {
      log(`patch classification (${init}): linear readout`);
      const { embeddings: _e, ...linear } = patchLinearReadout(encoder, dataset, samples, { k: folds, seed });
      log(`patch classification (${init}): full fine-tuning`);
      const finetune = finetunePatchClassifierCV(dataset, samples, {
        ...options.finetune,
        config: run.config,
        init,
        pretrained: run.encoder,
        k: folds,
        seed,
        returnModel: init === 'pretrained' && (options.denseScans ?? 2) > 0 ? 'fold' : 'none',
      });
      return { linear, finetune };
    };
    patches = { pretrained: schemes(run.encoder, 'pretrained'), random: random ? schemes(random, 'random') : null };

    // 3. dense prediction on fold 0's test patients with fold 0's model
    const model = patches.pretrained.finetune.model;
    const testPatients = new Set(patches.pretrained.finetune.folds[0]?.testPatients ?? []);
    const scans = dataset.scans.filter((s) => testPatients.has(s.patient)).slice(0, options.denseScans ?? 2);
    const landmarks = dataset.landmarks;
    for (const s of model ? scans : []) {
      log(`dense prediction: ${s.id}`);
      const r = await densePredictItem({
        manifest,
        report: prepared.report,
        landmarks,
        config: run.config,
        item: s.item,
        classifier: patchClassifierWindows(model!),
        options: { step: options.denseStep ?? 4, lesionLabels: options.lesionLabels ?? [3] },
      });
      const files = await writeDensePrediction(r, path.join(out, 'dense'), r.id);
      dense.push({ id: r.id, ...files, lesionFraction: r.lesionFraction, dice: r.dice });
    }
  }

  const md: string[] = [
    `# DrasCLR evaluation of ${run.dir}`,
    '',
    `${dataset.length} scans, ${dataset.landmarkCount} landmarks; ${folds}-fold cross-validation grouped by patient, seed ${seed}.`,
    '',
    '## Image-level outcomes (mean patch representation, linear readouts)',
    '',
    '### Pre-trained encoder',
    '',
    formatOutcomeReport(outcomes.pretrained),
  ];
  if (outcomes.random) md.push('### Random-init encoder (floor)', '', formatOutcomeReport(outcomes.random));
  if (patches && counts) {
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
  }
  if (dense.length > 0) {
    md.push(
      '## Dense prediction (fold 0 model, fold 0 test scans)',
      '',
      '| scan | predicted lesion fraction of lung | Dice vs lesion labels | mask |',
      '| --- | --- | --- | --- |',
      ...dense.map((d) => `| ${d.id} | ${f3(d.lesionFraction)} | ${f3(d.dice)} | ${path.relative(out, d.mask)} |`),
      '',
    );
  }
  const markdown = md.join('\n');
  writeFileSync(path.join(out, 'evaluation.md'), markdown);
  const strip = (s: PatchSchemes | null): unknown =>
    s && {
      linear: { summary: s.linear.summary, pooled: s.linear.pooled, folds: s.linear.folds },
      finetune: { summary: s.finetune.summary, pooled: s.finetune.pooled, settings: s.finetune.settings },
    };
  const outcomeJson = (r: OutcomeReport | null): unknown =>
    r && r.outcomes.map((o) => ({ label: o.label, kind: o.kind, metrics: o.metrics, notes: o.notes }));
  writeFileSync(
    path.join(out, 'evaluation.json'),
    JSON.stringify(
      {
        run: run.dir,
        scans: dataset.length,
        landmarks: dataset.landmarkCount,
        folds,
        seed,
        outcomes: { pretrained: outcomeJson(outcomes.pretrained), random: outcomeJson(outcomes.random) },
        patchLabels: counts,
        patches: patches && { pretrained: strip(patches.pretrained), random: strip(patches.random) },
        dense,
      },
      null,
      2,
    ) + '\n',
  );
  return { out, outcomes, patchLabels: counts, patches, dense, markdown };
}
