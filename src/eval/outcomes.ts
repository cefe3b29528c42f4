/**
 * Image-level outcome readouts of DrasCLR representations (paper §4.2, Tables 2 and 3; docs/drasclr.md,
 * "Downstream evaluation": none of it is in the authors' repository). Given one image-level representation per scan
 * (scanMeanEmbeddings: the mean of the scan's patch embeddings) and per-scan outcome variables, `evaluateOutcomes` runs
 * the paper's linear readouts under k-fold cross-validation and reports mean ± sd over the folds:
 *
 * - continuous outcomes (the paper: log FEV1pp, log FEV1/FVC): linear regression, R² on each test fold;
 * - ordinal outcomes (GOLD stage, CLE, paraseptal scores): multinomial logistic regression, accuracy and 1-off
 *   accuracy (|predicted - true grade| ≤ 1);
 * - survival (time, event): Cox proportional hazards on the representation, Uno's time-dependent concordance C(τ)
 *   at the 25th/50th/75th percentiles of the training fold's times (Table 3's t = 25th/50th/75th), plus Harrell's C.
 *   The paper adds five clinical confounders (age, sex, race, smoking status, pack-years); this readout uses the
 *   image representation only.
 *
 * Protocol (the paper: "five-fold cross-validation ... average results along with standard deviations";
 * docs/protocol.md §1): folds are over PATIENTS with the project's seeded splitter (eval/protocol kFold, or a splits
 * file's folds), so the scans of one patient are never on both sides; every fold's model is fitted on its training part
 * only, with the features z-scored on that training part (the fits' `standardize`, whose mean and scale come from the
 * rows they are given), and scored on the held-out patients. The same folds serve every outcome.
 *
 * Penalties (the paper states none; ours, all on the z-scored features, intercepts unpenalised):
 * - linear regression: ridge λ = 1 (scikit-learn's Ridge default alpha = 1); a 128-d embedding on a few hundred
 *   scans overfits ordinary least squares;
 * - multinomial logistic regression: L2 λ = 1 (scikit-learn's LogisticRegression default C = 1);
 * - Cox: L2 λ = 1 (ours): the unpenalised partial likelihood has no maximum when the risk ordering is perfectly
 *   separable (as in the lung CT phantoms, whose survival is a monotone function of the lesion burden) or when
 *   there are many features per event.
 *
 * Small data is reported, not hidden: a fold whose training part holds a single class (ordinal) or no event
 * (survival), whose test part has constant values (R² undefined) or no comparable pair (C-index undefined), or whose
 * fit fails, is listed as skipped with its reason and left out of the mean; a metric with no usable fold has mean
 * and sd null. The sd is the population standard deviation over the used folds (ddof 0, numpy's default, as
 * crossValidatedR2). Fewer patients than folds is an error.
 */
import type { Splits } from './protocol/kfold.js';
import { patientFolds } from './protocol/patient-folds.js';
import { fitCox, toSurvival } from './readout/cox.js';
import { harrellConcordance, timeQuantiles, unoConcordance } from './readout/concordance.js';
import type { Matrix } from './readout/design.js';
import { fitLinearRegression, pickRows, rSquared } from './readout/linear-regression.js';
import { accuracy, fitLogisticRegression, oneOffAccuracy } from './readout/logistic-regression.js';
import type { ManifestItem } from '../io/manifest.js';

// ---------------------------------------------------------------------------------------------------------------
// outcome tables

export interface RegressionOutcome {
  name: string;
  /** one value per row */
  values: ArrayLike<number>;
  /** regress log(value) (the paper's log FEV1pp); every value must then be > 0 */
  log?: boolean;
}

export interface OrdinalOutcome {
  name: string;
  /** integer grade codes, one per row (consecutive grades, so that "1-off" means one grade) */
  values: ArrayLike<number>;
}

export interface SurvivalOutcome {
  name: string;
  /** follow-up time (≥ 0) per row */
  time: ArrayLike<number>;
  /** 1 = event observed, 0 = censored */
  event: ArrayLike<number | boolean>;
}

/** The outcome variables of the rows of a feature matrix (same row order). */
export interface OutcomeTable {
  /** patient id of each row: the folds are grouped by patient */
  patients: readonly string[];
  /** a name per row for messages (e.g. the image file); default "row i" */
  rowNames?: readonly string[];
  regression?: RegressionOutcome[];
  ordinal?: OrdinalOutcome[];
  survival?: SurvivalOutcome[];
}

/** Which manifest `meta` fields hold which kind of outcome. */
export interface OutcomeSpec {
  /** continuous outcomes (linear regression, R²) */
  regression?: string[];
  /** regress the log of these regression fields (true: all of them) */
  logTransform?: boolean | string[];
  /** ordinal grades (multinomial logistic regression, accuracy and 1-off accuracy) */
  ordinal?: string[];
  /** survival time and event fields (Cox, concordance) */
  survival?: { time: string; event: string };
}

/**
 * The lung CT phantoms' outcomes (phantoms/lungct.ts): score (like FEV1 % predicted; regressed on the log scale as
 * the paper's log FEV1pp, and log score is linear in the lesion burden), stage 0..4 (like GOLD), survivalYears and
 * event.
 */
export const LUNGCT_OUTCOMES: OutcomeSpec = {
  regression: ['score'],
  logTransform: ['score'],
  ordinal: ['stage'],
  survival: { time: 'survivalYears', event: 'event' },
};

/**
 * The outcome table of manifest items, in the row order of the features (e.g. a LandmarkPatchDataset's scans mapped
 * to `manifest.items[scan.item]`). Numbers are required (a JSON number, or a CSV cell that reads as one); an event
 * may also be a boolean. Every missing or non-numeric field is reported at once, naming the item (its image file)
 * and the field.
 */
export function outcomeTableFromManifest(
  items: readonly ManifestItem[],
  spec: OutcomeSpec = LUNGCT_OUTCOMES,
): OutcomeTable {
  const what = 'outcomeTableFromManifest';
  if (items.length === 0) throw new Error(`${what}: no items`);
  const regression = spec.regression ?? [];
  const ordinal = spec.ordinal ?? [];
  const logFields = new Set(
    spec.logTransform === true ? regression : spec.logTransform === false ? [] : (spec.logTransform ?? []),
  );
  for (const f of logFields) {
    if (!regression.includes(f)) {
      throw new Error(`${what}: logTransform names "${f}", which is not one of the regression fields [${regression}]`);
    }
  }
  if (regression.length === 0 && ordinal.length === 0 && !spec.survival) {
    throw new Error(`${what}: the spec names no outcome (regression, ordinal or survival)`);
  }
  const problems: string[] = [];
  const itemName = (it: ManifestItem): string =>
    `item ${it.index}${it.line !== undefined ? ` (line ${it.line})` : ''} ${it.image}`;
  const read = (field: string, allowBoolean: boolean): Float64Array =>
    Float64Array.from(items, (it) => {
      const v = it.meta?.[field];
      if (v === undefined || v === null) {
        problems.push(`${itemName(it)}: meta field "${field}" is missing`);
        return NaN;
      }
      if (typeof v === 'boolean' && allowBoolean) return v ? 1 : 0;
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        problems.push(`${itemName(it)}: meta field "${field}" = ${JSON.stringify(v)} is not a finite number`);
        return NaN;
      }
      return v;
    });
  const table: OutcomeTable = {
    patients: items.map((it) => it.patient),
    rowNames: items.map((it) => it.image),
    regression: regression.map((f) => ({ name: f, values: read(f, false), log: logFields.has(f) })),
    ordinal: ordinal.map((f) => ({ name: f, values: read(f, false) })),
    survival: spec.survival
      ? [{ name: spec.survival.time, time: read(spec.survival.time, false), event: read(spec.survival.event, true) }]
      : [],
  };
  if (problems.length > 0) {
    const shown = problems.slice(0, 20);
    throw new Error(
      `${what}: ${problems.length} problem${problems.length > 1 ? 's' : ''}:\n  ${shown.join('\n  ')}` +
        (problems.length > shown.length ? `\n  … and ${problems.length - shown.length} more` : ''),
    );
  }
  return table;
}

// ---------------------------------------------------------------------------------------------------------------
// evaluation

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

export type OutcomeKind = 'regression' | 'ordinal' | 'survival';

export interface FoldValue {
  fold: number;
  /** the metric on this fold's test part, or null when skipped */
  value: number | null;
  /** why the fold has no value */
  skipped?: string;
  /** Uno's C(τ): the truncation time of this fold */
  tau?: number;
}

export interface OutcomeMetricResult {
  /** 'r2', 'accuracy', 'oneOffAccuracy', 'uno@0.25', …, 'harrell' */
  key: string;
  /** for tables: 'R²', 'accuracy', '1-off accuracy', 'Uno C(τ = q25)', "Harrell's C" */
  label: string;
  /** over the folds with a value; null when none has one */
  mean: number | null;
  sd: number | null;
  foldsUsed: number;
  /** one entry per fold, in fold order */
  folds: FoldValue[];
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

export interface OutcomeFold {
  index: number;
  /** the held-out patients (sorted) and rows */
  testPatients: string[];
  testRows: number[];
  trainRows: number[];
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
  settings: {
    ridge: number;
    logisticL2: number;
    coxL2: number;
    quantiles: number[];
    quantileOf: 'events' | 'all';
    oneOffTolerance: number;
    standardize: 'training fold';
  };
  outcomes: OutcomeResult[];
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
  const what = 'evaluateOutcomes';
  if (!Number.isInteger(dim) || dim < 1) throw new Error(`${what}: dim must be an integer >= 1, got ${dim}`);
  if (features.length % dim !== 0) {
    throw new Error(`${what}: features have ${features.length} values, not a multiple of dim = ${dim}`);
  }
  const rows = features.length / dim;
  if (rows === 0) throw new Error(`${what}: no rows`);
  if (outcomes.patients.length !== rows) {
    throw new Error(`${what}: features have ${rows} rows but the outcome table has ${outcomes.patients.length}`);
  }
  if (outcomes.rowNames && outcomes.rowNames.length !== rows) {
    throw new Error(`${what}: outcome rowNames has ${outcomes.rowNames.length} entries but there are ${rows} rows`);
  }
  const rowName = (i: number): string => (outcomes.rowNames ? `row ${i} (${outcomes.rowNames[i]})` : `row ${i}`);
  for (let q = 0; q < features.length; q++) {
    if (!Number.isFinite(features[q]!)) {
      const i = Math.floor(q / dim);
      throw new Error(`${what}: feature ${q % dim} of ${rowName(i)} is ${features[q]}, must be finite`);
    }
  }
  outcomes.patients.forEach((p, i) => {
    if (typeof p !== 'string' || p === '') throw new Error(`${what}: ${rowName(i)} has no patient id`);
  });
  const nOutcomes =
    (outcomes.regression?.length ?? 0) + (outcomes.ordinal?.length ?? 0) + (outcomes.survival?.length ?? 0);
  if (nOutcomes === 0) throw new Error(`${what}: the outcome table holds no outcome`);

  const ridge = nonNegative(options.ridge ?? 1, 'ridge');
  const logisticL2 = nonNegative(options.logisticL2 ?? 1, 'logisticL2');
  const coxL2 = nonNegative(options.coxL2 ?? 1, 'coxL2');
  const oneOffTolerance = nonNegative(options.oneOffTolerance ?? 1, 'oneOffTolerance');
  const quantiles = options.quantiles ?? [0.25, 0.5, 0.75];
  for (const q of quantiles) {
    if (!(q > 0 && q <= 1)) throw new Error(`${what}: options.quantiles: ${q} is not in (0, 1]`);
  }
  const quantileOf = options.quantileOf ?? 'events';

  // ---- folds over patients
  const { splits, foldOf } = patientFolds(
    outcomes.patients,
    { k: options.folds, seed: options.seed, splits: options.splits },
    what,
  );
  const folds: OutcomeFold[] = splits.folds.map((ids, f) => {
    const testRows: number[] = [];
    const trainRows: number[] = [];
    for (let i = 0; i < rows; i++) (foldOf[i] === f ? testRows : trainRows).push(i);
    return { index: f, testPatients: [...ids], testRows, trainRows };
  });
  for (const f of folds) {
    if (f.testRows.length === 0) throw new Error(`${what}: fold ${f.index} holds no row`);
    if (f.trainRows.length === 0) throw new Error(`${what}: fold ${f.index} leaves no training row`);
  }

  const mat: Matrix = { data: features, rows, cols: dim };
  const ctx: Context = { mat, folds, rowName, what };
  const results: OutcomeResult[] = [];
  for (const o of outcomes.regression ?? []) results.push(regressionReadout(ctx, o, ridge));
  for (const o of outcomes.ordinal ?? []) results.push(ordinalReadout(ctx, o, logisticL2, oneOffTolerance));
  for (const o of outcomes.survival ?? []) results.push(survivalReadout(ctx, o, coxL2, quantiles, quantileOf));
  return {
    rows,
    dim,
    patients: new Set(outcomes.patients).size,
    k: splits.k,
    seed: splits.seed,
    foldOf,
    folds,
    settings: {
      ridge,
      logisticL2,
      coxL2,
      quantiles: [...quantiles],
      quantileOf,
      oneOffTolerance,
      standardize: 'training fold',
    },
    outcomes: results,
  };
}

interface Context {
  mat: Matrix;
  folds: OutcomeFold[];
  rowName: (i: number) => string;
  what: string;
}

function nonNegative(v: number, name: string): number {
  if (!(Number.isFinite(v) && v >= 0))
    throw new Error(`evaluateOutcomes: options.${name} must be a finite number >= 0, got ${v}`);
  return v;
}

function values(ctx: Context, v: ArrayLike<number>, name: string): Float64Array {
  const n = ctx.mat.rows;
  if (v.length !== n) throw new Error(`${ctx.what}: outcome "${name}" has ${v.length} values but there are ${n} rows`);
  const out = Float64Array.from(v);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(out[i]!)) {
      throw new Error(`${ctx.what}: outcome "${name}" of ${ctx.rowName(i)} is ${out[i]}, must be a finite number`);
    }
  }
  return out;
}

function rowsOf(ctx: Context, idx: readonly number[]): { data: Float64Array; cols: number } {
  return { data: pickRows(ctx.mat, idx), cols: ctx.mat.cols };
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** a metric collector: one slot per fold */
class Metric {
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
    const used = this.folds.filter((f) => f.value !== null).map((f) => f.value!);
    if (used.length === 0) {
      return { key: this.key, label: this.label, mean: null, sd: null, foldsUsed: 0, folds: this.folds };
    }
    const mean = used.reduce((s, v) => s + v, 0) / used.length;
    const sd = Math.sqrt(used.reduce((s, v) => s + (v - mean) ** 2, 0) / used.length);
    return { key: this.key, label: this.label, mean, sd, foldsUsed: used.length, folds: this.folds };
  }
}

function regressionReadout(ctx: Context, o: RegressionOutcome, ridge: number): OutcomeResult {
  const y = values(ctx, o.values, o.name);
  if (o.log) {
    for (let i = 0; i < y.length; i++) {
      if (!(y[i]! > 0)) {
        throw new Error(`${ctx.what}: outcome "${o.name}" of ${ctx.rowName(i)} is ${y[i]}; its log needs values > 0`);
      }
      y[i] = Math.log(y[i]!);
    }
  }
  const r2 = new Metric('r2', 'R²', ctx.folds.length);
  const predictions = new Float64Array(y.length).fill(NaN);
  for (const f of ctx.folds) {
    let pred: Float64Array;
    try {
      const model = fitLinearRegression(
        rowsOf(ctx, f.trainRows),
        f.trainRows.map((i) => y[i]!),
        { ridge, standardize: true },
      );
      pred = model.predict(rowsOf(ctx, f.testRows));
    } catch (e) {
      r2.skip(f.index, `the fit failed: ${message(e)}`);
      continue;
    }
    f.testRows.forEach((i, t) => (predictions[i] = pred[t]!));
    const yt = f.testRows.map((i) => y[i]!);
    if (yt.every((v) => v === yt[0])) {
      const why = yt.length === 1 ? 'a single test row' : `all ${yt.length} test values are equal`;
      r2.skip(f.index, `${why}: R² is undefined`);
      continue;
    }
    r2.set(f.index, rSquared(yt, pred));
  }
  return {
    name: o.name,
    kind: 'regression',
    label: o.log ? `log(${o.name})` : o.name,
    metrics: [r2.result()],
    predictions,
    notes: [],
  };
}

function ordinalReadout(ctx: Context, o: OrdinalOutcome, l2: number, tolerance: number): OutcomeResult {
  const y = values(ctx, o.values, o.name);
  for (let i = 0; i < y.length; i++) {
    if (!Number.isInteger(y[i]!)) {
      throw new Error(`${ctx.what}: ordinal outcome "${o.name}" of ${ctx.rowName(i)} is ${y[i]}, not an integer grade`);
    }
  }
  const k = ctx.folds.length;
  const acc = new Metric('accuracy', 'accuracy', k);
  const off = new Metric('oneOffAccuracy', tolerance === 1 ? '1-off accuracy' : `${tolerance}-off accuracy`, k);
  const predictions = new Float64Array(y.length).fill(NaN);
  const notes: string[] = [];
  for (const f of ctx.folds) {
    const ytr = f.trainRows.map((i) => y[i]!);
    const classes = [...new Set(ytr)].sort((a, b) => a - b);
    if (classes.length < 2) {
      const why = `the training part holds a single class (${classes[0]})`;
      acc.skip(f.index, why);
      off.skip(f.index, why);
      continue;
    }
    let pred: number[];
    try {
      const model = fitLogisticRegression(rowsOf(ctx, f.trainRows), ytr, { l2, standardize: true });
      if (!model.converged) notes.push(`fold ${f.index}: the logistic regression did not converge`);
      pred = model.predict(rowsOf(ctx, f.testRows));
    } catch (e) {
      acc.skip(f.index, `the fit failed: ${message(e)}`);
      off.skip(f.index, `the fit failed: ${message(e)}`);
      continue;
    }
    const yt = f.testRows.map((i) => y[i]!);
    const unseen = [...new Set(yt)].filter((c) => !classes.includes(c)).sort((a, b) => a - b);
    if (unseen.length > 0) {
      notes.push(`fold ${f.index}: test grade(s) ${unseen.join(', ')} absent from the training part (never predicted)`);
    }
    f.testRows.forEach((i, t) => (predictions[i] = pred[t]!));
    acc.set(f.index, accuracy(pred, yt));
    off.set(f.index, oneOffAccuracy(pred, yt, tolerance));
  }
  return {
    name: o.name,
    kind: 'ordinal',
    label: o.name,
    metrics: [acc.result(), off.result()],
    predictions,
    notes,
  };
}

function survivalReadout(
  ctx: Context,
  o: SurvivalOutcome,
  l2: number,
  quantiles: readonly number[],
  quantileOf: 'events' | 'all',
): OutcomeResult {
  const n = ctx.mat.rows;
  const time = values(ctx, o.time, `${o.name} (time)`);
  if (o.event.length !== n) {
    throw new Error(`${ctx.what}: outcome "${o.name}" has ${o.event.length} events but there are ${n} rows`);
  }
  for (let i = 0; i < n; i++) {
    const v = o.event[i];
    if (!(v === 0 || v === 1 || v === true || v === false)) {
      throw new Error(`${ctx.what}: event of "${o.name}" of ${ctx.rowName(i)} is ${String(v)}, must be 0/1`);
    }
    if (time[i]! < 0) throw new Error(`${ctx.what}: time of "${o.name}" of ${ctx.rowName(i)} is ${time[i]} < 0`);
  }
  const surv = toSurvival(time, o.event, n, `${ctx.what}: ${o.name}`);
  const k = ctx.folds.length;
  const uno = quantiles.map((q) => new Metric(`uno@${q}`, `Uno C(τ = q${Math.round(q * 100)})`, k));
  const harrell = new Metric('harrell', "Harrell's C", k);
  const all = [...uno, harrell];
  const predictions = new Float64Array(n).fill(NaN);
  const notes: string[] = [];
  for (const f of ctx.folds) {
    const trTime = f.trainRows.map((i) => surv.time[i]!);
    const trEvent = f.trainRows.map((i) => surv.event[i]!);
    if (!trEvent.some((e) => e === 1)) {
      for (const m of all) m.skip(f.index, 'no event in the training part: the Cox model is not identifiable');
      continue;
    }
    let risk: Float64Array;
    try {
      const model = fitCox(rowsOf(ctx, f.trainRows), trTime, trEvent, { l2, standardize: true });
      if (!model.converged) notes.push(`fold ${f.index}: the Cox fit did not converge`);
      risk = model.predictRisk(rowsOf(ctx, f.testRows));
    } catch (e) {
      for (const m of all) m.skip(f.index, `the fit failed: ${message(e)}`);
      continue;
    }
    f.testRows.forEach((i, t) => (predictions[i] = risk[t]!));
    const teTime = f.testRows.map((i) => surv.time[i]!);
    const teEvent = f.testRows.map((i) => surv.event[i]!);
    const taus = timeQuantiles(trTime, trEvent, quantiles, quantileOf);
    uno.forEach((m, q) => {
      const tau = taus[q]!;
      try {
        m.set(
          f.index,
          unoConcordance(teTime, teEvent, risk, { tau, trainTime: trTime, trainEvent: trEvent }).cIndex,
          tau,
        );
      } catch (e) {
        m.skip(f.index, message(e), tau);
      }
    });
    try {
      harrell.set(f.index, harrellConcordance(teTime, teEvent, risk).cIndex);
    } catch (e) {
      harrell.skip(f.index, message(e));
    }
  }
  return {
    name: o.name,
    kind: 'survival',
    label: o.name,
    metrics: all.map((m) => m.result()),
    predictions,
    notes,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// report

function fmt(v: number | null): string {
  return v === null ? '—' : v.toFixed(3);
}

/**
 * A markdown table (outcome, metric, mean ± sd, folds used), with a header line stating the protocol and, below the
 * table, every skipped fold with its reason and the fits' notes.
 */
export function formatOutcomeReport(report: OutcomeReport): string {
  const s = report.settings;
  const lines: string[] = [
    `${report.k}-fold cross-validation over ${report.patients} patients (${report.rows} scans, ${report.dim}-d ` +
      `features), seed ${report.seed}; features z-scored on each training fold; ridge ${s.ridge}, logistic L2 ` +
      `${s.logisticL2}, Cox L2 ${s.coxL2}; sd over folds (ddof 0).`,
    '',
    '| outcome | metric | mean ± sd | folds used |',
    '| --- | --- | --- | --- |',
  ];
  const notes: string[] = [];
  for (const o of report.outcomes) {
    const skipped = new Map<string, string[]>();
    for (const m of o.metrics) {
      const cell = m.mean === null ? '—' : `${fmt(m.mean)} ± ${fmt(m.sd)}`;
      lines.push(`| ${o.label} | ${m.label} | ${cell} | ${m.foldsUsed}/${report.k} |`);
      for (const f of m.folds) {
        if (f.skipped === undefined) continue;
        const key = `fold ${f.fold}: ${f.skipped}`;
        skipped.set(key, [...(skipped.get(key) ?? []), m.label]);
      }
    }
    for (const [key, metrics] of skipped) notes.push(`- ${o.label} (${metrics.join(', ')}) skipped ${key}`);
    for (const n of o.notes) notes.push(`- ${o.label}: ${n}`);
  }
  if (notes.length > 0) lines.push('', ...notes);
  return lines.join('\n') + '\n';
}
