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
 *
 * Its pieces: the settings (evaluate-drasclr-config.ts), the tasks (evaluate-drasclr-tasks.ts), the written report
 * (evaluate-drasclr-report.ts).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { DrasclrEvaluation, EvaluateDrasclrOptions } from './evaluate-drasclr-config.js';
import { densePredictions, openEvaluation, outcomeReadouts, patchClassification } from './evaluate-drasclr-tasks.js';
import { evaluationJson, evaluationMarkdown } from './evaluate-drasclr-report.js';

/** the settings' schema and the result's types */
export * from './evaluate-drasclr-config.js';

/** Runs every task of the evaluation on the run (see the file's comment) and writes its report. */
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
