/**
 * Folds over patients for readouts whose rows are scans or patches (DrasCLR's outcome readouts and patch
 * classification): several rows of one patient always fall in the same fold.
 */
import { checkSplitsMatch, kFold, type Splits } from './kfold.js';

export interface PatientFoldOptions {
  /** folds (default 5, the paper's five-fold cross-validation) */
  k?: number;
  /** seed of the folds (default 0; the project's kFold, so the same seed gives the same folds) */
  seed?: number;
  /** given splits (kFold, e.g. read from a splits file) instead of new ones; checked to hold these patients */
  splits?: Splits;
}

/** The splits over the rows' patients (given or new) and each row's test fold; errors start with `who`. */
export function patientFolds(
  patients: readonly string[],
  options: PatientFoldOptions = {},
  who = 'patient folds',
): { splits: Splits; foldOf: Int32Array } {
  const distinct = [...new Set(patients)];
  let splits: Splits;
  if (options.splits) {
    splits = options.splits;
    checkSplitsMatch(splits, distinct, `${who}: splits`);
  } else {
    const k = options.k ?? 5;
    if (!Number.isInteger(k) || k < 2) throw new Error(`${who}: the number of folds must be an integer >= 2, got ${k}`);
    if (distinct.length < k)
      throw new Error(
        `${who}: ${distinct.length} patient${distinct.length === 1 ? '' : 's'} (${patients.length} rows) cannot fill ` +
          `${k} folds: cross-validation over patients needs at least one patient per fold; use fewer folds`,
      );
    splits = kFold(distinct, { k, seed: options.seed ?? 0, unit: 'patient' });
  }
  const foldOfPatient = new Map<string, number>();
  splits.folds.forEach((ids, f) => ids.forEach((id) => foldOfPatient.set(id, f)));
  return { splits, foldOf: Int32Array.from(patients, (p) => foldOfPatient.get(p)!) };
}
