/**
 * One readout metric over the folds of a cross-validation: a value per fold, or the reason the fold has none, and
 * the summary over the folds with a value (the project's ValueSummary: mean, population sd, ddof 0 as
 * crossValidatedR2, and the count of folds used; mean and sd null when no fold has a value).
 */
import { summarizeValues, type ValueSummary } from '../metrics/stats.js';

export interface FoldValue {
  fold: number;
  /** the metric on this fold's test part, or null when skipped */
  value: number | null;
  /** why the fold has no value */
  skipped?: string;
  /** Uno's C(τ): the truncation time of this fold */
  tau?: number;
}

/** mean and std over the folds with a value, `count` of them (the folds used) */
export interface OutcomeMetricResult extends ValueSummary {
  /** 'r2', 'accuracy', 'oneOffAccuracy', 'uno@0.25', …, 'harrell' */
  key: string;
  /** for tables: 'R²', 'accuracy', '1-off accuracy', 'Uno C(τ = q25)', "Harrell's C" */
  label: string;
  /** one entry per fold, in fold order */
  folds: FoldValue[];
}

/** A metric collector: one slot per fold, filled by `set` or `skip`. */
export class FoldMetric {
  readonly folds: FoldValue[];

  constructor(
    readonly key: string,
    readonly label: string,
    k: number,
  ) {
    this.folds = Array.from({ length: k }, (_, fold) => ({ fold, value: null }));
  }

  set(fold: number, value: number, tau?: number): void {
    this.folds[fold] = { fold, value, ...(tau !== undefined ? { tau } : {}) };
  }

  skip(fold: number, reason: string, tau?: number): void {
    this.folds[fold] = { fold, value: null, skipped: reason, ...(tau !== undefined ? { tau } : {}) };
  }

  result(): OutcomeMetricResult {
    const used = this.folds.flatMap((f) => (f.value === null ? [] : [f.value]));
    return { key: this.key, label: this.label, ...summarizeValues(used, 'population'), folds: this.folds };
  }
}
