/**
 * Image-level outcome readouts of DrasCLR representations (paper §4.2, Tables 2 and 3; docs/drasclr.md,
 * "Downstream evaluation": none of it is in the authors' repository). Given one image-level representation per scan
 * (scanMeanEmbeddings: the mean of the scan's patch embeddings) and per-scan outcome variables (table.ts),
 * `evaluateOutcomes` runs the paper's linear readouts under k-fold cross-validation and reports mean ± sd over the
 * folds:
 *
 * - continuous outcomes (the paper: log FEV1pp, log FEV1/FVC): ridge linear regression, R² (regression.ts);
 * - ordinal outcomes (GOLD stage, CLE, paraseptal scores): multinomial logistic regression, accuracy and 1-off
 *   accuracy (ordinal.ts);
 * - survival (time, event): Cox proportional hazards, Uno's C(τ) at the 25th/50th/75th percentiles of the training
 *   fold's times plus Harrell's C (survival.ts). The paper adds five clinical confounders (age, sex, race, smoking
 *   status, pack-years); this readout uses the image representation only.
 *
 * Protocol (the paper: "five-fold cross-validation ... average results along with standard deviations";
 * docs/protocol.md §1): folds are over PATIENTS with the project's seeded splitter (eval/protocol kFold, or a splits
 * file's folds), so the scans of one patient are never on both sides; every fold's model is fitted on its training part
 * only, with the features z-scored on that training part (the fits' `standardize`, whose mean and scale come from the
 * rows they are given), and scored on the held-out patients. The same folds serve every outcome. The penalties (the
 * paper states none) are ours, all on the z-scored features, intercepts unpenalised.
 *
 * Small data is reported, not hidden: a fold whose training part holds a single class (ordinal) or no event
 * (survival), whose test part has constant values (R² undefined) or no comparable pair (C-index undefined), or whose
 * fit fails, is listed as skipped with its reason and left out of the mean; a metric with no usable fold has mean
 * and sd null (metric.ts). Fewer patients than folds is an error.
 */
import type { Splits } from '../protocol/kfold.js';
import { patientFolds } from '../protocol/patient-folds.js';
import type { OutcomeFold, OutcomeResult, ReadoutContext } from './context.js';
import { ordinalReadout } from './ordinal.js';
import { regressionReadout } from './regression.js';
import { survivalReadout } from './survival.js';
import type { OutcomeTable } from './table.js';

export interface EvaluateOutcomesOptions {
  /** number of folds over patients (default 5, the paper's five-fold cross-validation) */
  folds?: number;
  /** seed of the patient folds (default 0; the project's kFold, so the same seed gives the same folds) */
  seed?: number;
  /** use these folds (e.g. a splits file read with readSplits) instead of folds/seed; must hold these patients */
  splits?: Splits;
  /** ridge penalty of the linear regression on z-scored features (default 1) */
  ridge?: number;
  /** L2 penalty of the multinomial logistic regression on z-scored features (default 1) */
  logisticL2?: number;
  /** L2 penalty of the Cox model on z-scored features (default 1) */
  coxL2?: number;
  /** quantiles of the training times at which Uno's C(τ) is reported (default [0.25, 0.5, 0.75], Table 3) */
  quantiles?: number[];
  /** the quantiles are of the training fold's event times (default 'events') or of all its times ('all') */
  quantileOf?: 'events' | 'all';
  /** grade distance counted by the "1-off" accuracy (default 1) */
  oneOffTolerance?: number;
}

export interface OutcomeSettings {
  ridge: number;
  logisticL2: number;
  coxL2: number;
  quantiles: number[];
  quantileOf: 'events' | 'all';
  oneOffTolerance: number;
  standardize: 'training fold';
}

export interface OutcomeReport {
  rows: number;
  dim: number;
  patients: number;
  k: number;
  /** the folds' seed */
  seed: number;
  /** fold of each row (its patient's fold) */
  foldOf: Int32Array;
  folds: OutcomeFold[];
  settings: OutcomeSettings;
  outcomes: OutcomeResult[];
}

const WHAT = 'evaluateOutcomes';

/** The number of rows; every feature finite, the table's rows and patient ids matching. */
function checkInputs(features: Float64Array, dim: number, outcomes: OutcomeTable, rowName: (i: number) => string) {
  if (!Number.isInteger(dim) || dim < 1) throw new Error(`${WHAT}: dim must be an integer >= 1, got ${dim}`);
  if (features.length % dim !== 0)
    throw new Error(`${WHAT}: features have ${features.length} values, not a multiple of dim = ${dim}`);
  const rows = features.length / dim;
  if (rows === 0) throw new Error(`${WHAT}: no rows`);
  if (outcomes.patients.length !== rows)
    throw new Error(`${WHAT}: features have ${rows} rows but the outcome table has ${outcomes.patients.length}`);
  if (outcomes.rowNames && outcomes.rowNames.length !== rows)
    throw new Error(`${WHAT}: outcome rowNames has ${outcomes.rowNames.length} entries but there are ${rows} rows`);
  for (let q = 0; q < features.length; q++)
    if (!Number.isFinite(features[q]!))
      throw new Error(
        `${WHAT}: feature ${q % dim} of ${rowName(Math.floor(q / dim))} is ${features[q]}, must be finite`,
      );
  outcomes.patients.forEach((p, i) => {
    if (typeof p !== 'string' || p === '') throw new Error(`${WHAT}: ${rowName(i)} has no patient id`);
  });
  const n = (outcomes.regression?.length ?? 0) + (outcomes.ordinal?.length ?? 0) + (outcomes.survival?.length ?? 0);
  if (n === 0) throw new Error(`${WHAT}: the outcome table holds no outcome`);
  return rows;
}

function nonNegative(v: number, name: string): number {
  if (!(Number.isFinite(v) && v >= 0))
    throw new Error(`${WHAT}: options.${name} must be a finite number >= 0, got ${v}`);
  return v;
}

/** the options' penalties and concordance settings, defaulted and checked */
function outcomeSettings(options: EvaluateOutcomesOptions): OutcomeSettings {
  const ridge = nonNegative(options.ridge ?? 1, 'ridge');
  const logisticL2 = nonNegative(options.logisticL2 ?? 1, 'logisticL2');
  const coxL2 = nonNegative(options.coxL2 ?? 1, 'coxL2');
  const oneOffTolerance = nonNegative(options.oneOffTolerance ?? 1, 'oneOffTolerance');
  const quantiles = options.quantiles ?? [0.25, 0.5, 0.75];
  for (const q of quantiles)
    if (!(q > 0 && q <= 1)) throw new Error(`${WHAT}: options.quantiles: ${q} is not in (0, 1]`);
  const quantileOf = options.quantileOf ?? 'events';
  return {
    ridge,
    logisticL2,
    coxL2,
    quantiles: [...quantiles],
    quantileOf,
    oneOffTolerance,
    standardize: 'training fold',
  };
}

/** The folds over the rows' patients: each fold's test and training rows, neither empty. */
function outcomeFolds(patients: readonly string[], options: EvaluateOutcomesOptions) {
  const { splits, foldOf } = patientFolds(
    patients,
    { k: options.folds, seed: options.seed, splits: options.splits },
    WHAT,
  );
  const folds: OutcomeFold[] = splits.folds.map((ids, f) => {
    const testRows: number[] = [];
    const trainRows: number[] = [];
    foldOf.forEach((of, i) => (of === f ? testRows : trainRows).push(i));
    return { index: f, testPatients: [...ids], testRows, trainRows };
  });
  for (const f of folds) {
    if (f.testRows.length === 0) throw new Error(`${WHAT}: fold ${f.index} holds no row`);
    if (f.trainRows.length === 0) throw new Error(`${WHAT}: fold ${f.index} leaves no training row`);
  }
  return { splits, foldOf, folds };
}

/**
 * Cross-validated linear readouts of `features` (row-major rows × dim, one row per scan, e.g. scanMeanEmbeddings)
 * for every outcome of `outcomes`. Pure: no tensors.
 */
export function evaluateOutcomes(
  features: Float64Array,
  dim: number,
  outcomes: OutcomeTable,
  options: EvaluateOutcomesOptions = {},
): OutcomeReport {
  const rowName = (i: number): string => (outcomes.rowNames ? `row ${i} (${outcomes.rowNames[i]})` : `row ${i}`);
  const rows = checkInputs(features, dim, outcomes, rowName);
  const settings = outcomeSettings(options);
  const { splits, foldOf, folds } = outcomeFolds(outcomes.patients, options);
  const ctx: ReadoutContext = { mat: { data: features, rows, cols: dim }, folds, rowName, what: WHAT };
  const s = settings;
  const survival = { l2: s.coxL2, quantiles: s.quantiles, quantileOf: s.quantileOf };
  const results: OutcomeResult[] = [
    ...(outcomes.regression ?? []).map((o) => regressionReadout(ctx, o, s.ridge)),
    ...(outcomes.ordinal ?? []).map((o) => ordinalReadout(ctx, o, s.logisticL2, s.oneOffTolerance)),
    ...(outcomes.survival ?? []).map((o) => survivalReadout(ctx, o, survival)),
  ];
  const patients = new Set(outcomes.patients).size;
  return { rows, dim, patients, k: splits.k, seed: splits.seed, foldOf, folds, settings, outcomes: results };
}
