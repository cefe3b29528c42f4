/**
 * What the outcome readouts (regression.ts, ordinal.ts, survival.ts) share: the feature matrix, the folds over
 * patients, row names for messages, and the result of one outcome.
 */
import type { Matrix } from '../readout/design.js';
import { pickRows } from '../readout/linear-regression.js';
import type { OutcomeMetricResult } from './metric.js';

export type OutcomeKind = 'regression' | 'ordinal' | 'survival';

export interface OutcomeFold {
  index: number;
  /** the held-out patients (sorted) and rows */
  testPatients: string[];
  testRows: number[];
  trainRows: number[];
}

export interface OutcomeResult {
  name: string;
  kind: OutcomeKind;
  /** the name as reported: 'log(score)' for a log-transformed regression outcome */
  label: string;
  metrics: OutcomeMetricResult[];
  /**
   * out-of-fold predictions per row (NaN where the row's fold was skipped): the fitted value (on the log scale for a
   * log outcome), the predicted grade, or the Cox linear predictor (risk scores of different folds come from
   * different models and are not comparable with each other)
   */
  predictions: Float64Array;
  /** non-fatal notes (non-converged fits, test grades unseen in training) */
  notes: string[];
}

/** The features (rows × dim), the folds, and how messages start and name a row. */
export interface ReadoutContext {
  mat: Matrix;
  folds: OutcomeFold[];
  rowName: (i: number) => string;
  what: string;
}

/** An outcome's values as float64, one per row, each finite (the error names the outcome and the row). */
export function outcomeValues(ctx: ReadoutContext, v: ArrayLike<number>, name: string): Float64Array {
  const n = ctx.mat.rows;
  if (v.length !== n) throw new Error(`${ctx.what}: outcome "${name}" has ${v.length} values but there are ${n} rows`);
  const out = Float64Array.from(v);
  for (let i = 0; i < n; i++)
    if (!Number.isFinite(out[i]!))
      throw new Error(`${ctx.what}: outcome "${name}" of ${ctx.rowName(i)} is ${out[i]}, must be a finite number`);
  return out;
}

/** the feature rows `idx` as a design for the fits */
export function rowsOf(ctx: ReadoutContext, idx: readonly number[]): { data: Float64Array; cols: number } {
  return { data: pickRows(ctx.mat, idx), cols: ctx.mat.cols };
}
