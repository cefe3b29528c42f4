/**
 * What a reader needs to interpret the experiment's table, in sentences under it: the unit of M, the folds, the
 * checkpoint-selection rule and the validation labels it used, the absent-class rule, the fine-tuning steps budget,
 * the architecture, and the images pre-training saw.
 */
import { compareBudgets, type Budget } from '../eval/protocol/budget.js';
import type { CellRecord } from './records.js';
import type { ExperimentPlan } from './plan.js';

export interface CaptionFacts {
  plan: ExperimentPlan;
  /** folds run, of cfg.folds */
  foldsRun: number;
  /** validation patients per fold run (selection 'inner-validation') */
  validationPerFold: number[];
  /** images pre-training saw, per run (one entry per fold, or one for a shared run) */
  pretrainImages: number[];
  /** labelled patients of the evaluation data set, and its unlabelled 2D images */
  labelledPatients: number;
  unlabelledImages: number;
  records: readonly CellRecord[];
}

const range = (xs: readonly number[]): string => {
  if (xs.length === 0) return '0';
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  return lo === hi ? String(lo) : `${lo}–${hi}`;
};

export function unitCaption(plan: ExperimentPlan): string {
  return plan.cfg.budgetUnit === 'image'
    ? 'M = labelled training images (CL-TCI counts images; a patient may give several)'
    : 'M = labelled training patients (PCL and PolyCL count patients/volumes)';
}

export function selectionCaption(plan: ExperimentPlan, validationPerFold: readonly number[]): string {
  if (plan.cfg.selection === 'last')
    return 'Selection: the last epoch of the fixed schedule is tested; no validation labels, so M counts every label used.';
  return (
    `Selection: the epoch with the best validation Dice on ${range(validationPerFold)} validation patient(s) per fold, ` +
    "drawn from the fold's training patients outside M (not counted in M); the test fold is never used to select."
  );
}

export function absentCaption(plan: ExperimentPlan, records: readonly CellRecord[]): string {
  if (plan.finetune.absentClasses === 'perfect')
    return 'Absent classes: a class absent from both the prediction and the reference of a test case counts as Dice 1 (HD95 0).';
  const excluded = records.reduce((a, r) => a + (r.excludedCases ?? 0), 0);
  return (
    "Absent classes: a class absent from both the prediction and the reference of a test case is left out of that case's " +
    `mean (nnU-Net's rule); a case with every class absent is left out of the mean (${excluded} such case(s) in all cells).`
  );
}

export function stepsCaption(plan: ExperimentPlan, records: readonly CellRecord[]): string {
  const ft = plan.finetune;
  const byM = new Map<string, { M: Budget; steps: number[] }>();
  for (const r of records) {
    if (r.stepsPerEpoch === undefined) continue;
    const e = byM.get(String(r.M)) ?? { M: r.M, steps: [] };
    e.steps.push(r.stepsPerEpoch);
    byM.set(String(r.M), e);
  }
  const parts = [...byM.values()]
    .sort((a, b) => compareBudgets(a.M, b.M))
    .map((e) => `M=${e.M}: ${ft.epochs} × ${range(e.steps)} = ${range(e.steps.map((s) => s * ft.epochs))} steps`);
  return (
    `Fine-tuning budget: ${ft.epochs} epochs × steps per epoch (max(ceil(images / batch ${ft.batchSize}), ` +
    `${ft.minStepsPerEpoch})), Adam lr ${ft.lr}, ${ft.schedule} schedule, loss ${ft.loss}, augmentation ${ft.augment}` +
    (parts.length ? `; ${parts.join('; ')}.` : '.')
  );
}

export function pretrainCaption(facts: CaptionFacts): string {
  const { cfg } = facts.plan;
  const n = range(facts.pretrainImages);
  if (cfg.pretrainData !== undefined)
    return `Pre-training images: transfer, all ${n} images of ${cfg.pretrainData} (no labels), one run per method for all folds.`;
  const unl = facts.unlabelledImages > 0 ? `, ${facts.unlabelledImages} unlabelled images included` : '';
  if (cfg.pretrainImages === 'all-images')
    return (
      `Pre-training images: all ${n} images of the data set (test folds' images included, without labels${unl}), ` +
      'one run per method for all folds.'
    );
  return `Pre-training images: every image but those of the fold's test patients, ${n} per fold (no labels${unl}).`;
}

/** The sentences under the table (markdown and report). */
export function protocolCaption(facts: CaptionFacts): string[] {
  const { plan } = facts;
  const { cfg } = plan;
  return [
    `Test Dice, mean (sample std) over ${facts.foldsRun} of ${cfg.folds} folds (k-fold over the ${facts.labelledPatients} ` +
      `labelled patients, splits.json); rows: methods, columns: ${unitCaption(plan)}.`,
    selectionCaption(plan, facts.validationPerFold),
    absentCaption(plan, facts.records),
    stepsCaption(plan, facts.records),
    `Architecture, the same for every method (Random included): ${plan.arch.description}.`,
    pretrainCaption(facts),
  ];
}
