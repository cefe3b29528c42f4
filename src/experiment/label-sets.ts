/**
 * The labelled sets of one fold (docs/protocol.md §2): for each budget M, the samples fine-tuning trains on and, with
 * selection 'inner-validation', the validation samples that choose the checkpoint. M counts TRAINING labels only:
 * the validation patients are drawn first from the fold's training patients (inner-split.ts), and the M training
 * patients or images are then drawn from the rest (drawBudgets with `exclude`), so M = 1 trains on one patient (or
 * image) in both modes. With selection 'last' there is no validation set and no label beyond M.
 */
import type { Fold } from '../eval/protocol/kfold.js';
import { drawBudgets, type Budget, type BudgetUnit } from '../eval/protocol/budget.js';
import { innerSplit } from '../eval/protocol/inner-split.js';

/** a labelled 2D sample (an image, or a slice of a volume) */
export interface LabelledSample {
  id: number;
  patient: string;
}

export interface LabelSet {
  budget: Budget;
  /** sample ids trained on */
  train: number[];
  trainPatients: string[];
  /** sample ids of the validation patients (empty with selection 'last') */
  val: number[];
  validationPatients: string[];
}

export interface FoldLabels {
  fold: Fold;
  /** the fold's labelled test samples */
  test: number[];
  /** the inner validation patients (the same for every M of the fold) */
  validation: string[];
  sets: LabelSet[];
}

export interface LabelSetOptions {
  budgets: readonly Budget[];
  unit: BudgetUnit;
  seed: number;
  selection: 'last' | 'inner-validation';
  /** 'inner-validation': the number of validation patients, or else the fraction */
  validationPatients?: number;
  validationFraction?: number;
}

/** Draws the labelled sets of every budget for one fold; throws when a budget does not fit (naming fold and M). */
export function foldLabelSets(fold: Fold, labelled: readonly LabelledSample[], o: LabelSetOptions): FoldLabels {
  const validation =
    o.selection === 'inner-validation'
      ? innerSplit(fold, { seed: o.seed, fraction: o.validationFraction, count: o.validationPatients }).validation
      : [];
  const trainPatients = new Set(fold.train);
  const budgets = drawBudgets(fold, {
    budgets: o.budgets,
    seed: o.seed,
    unit: o.unit,
    exclude: validation,
    images:
      o.unit === 'image'
        ? labelled.filter((s) => trainPatients.has(s.patient)).map((s) => ({ id: String(s.id), patient: s.patient }))
        : undefined,
  });
  const idsOfPatients = (patients: readonly string[]): number[] => {
    const set = new Set(patients);
    return labelled.filter((s) => set.has(s.patient)).map((s) => s.id);
  };
  const val = idsOfPatients(validation);
  const testPatients = new Set(fold.test);
  return {
    fold,
    test: labelled.filter((s) => testPatients.has(s.patient)).map((s) => s.id),
    validation,
    sets: budgets.draws.map((d) => ({
      budget: d.budget,
      train: o.unit === 'image' ? d.ids.map(Number) : idsOfPatients(d.patients),
      trainPatients: d.patients,
      val,
      validationPatients: validation,
    })),
  };
}
