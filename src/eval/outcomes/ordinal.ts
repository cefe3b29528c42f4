/**
 * The ordinal outcomes' readout (GOLD stage, CLE and paraseptal scores): multinomial logistic regression on the
 * training fold's z-scored features (L2 λ = 1, scikit-learn's LogisticRegression default C = 1), accuracy and 1-off
 * accuracy (|predicted − true grade| ≤ tolerance) on each test fold. A training part with a single grade is skipped.
 */
import { errorMessage } from '../../util/error-message.js';
import { accuracy, fitLogisticRegression, oneOffAccuracy } from '../readout/logistic-regression.js';
import { outcomeValues, rowsOf, type OutcomeFold, type OutcomeResult, type ReadoutContext } from './context.js';
import { FoldMetric } from './metric.js';
import type { OrdinalOutcome } from './table.js';

function gradesOf(ctx: ReadoutContext, o: OrdinalOutcome): Float64Array {
  const y = outcomeValues(ctx, o.values, o.name);
  for (let i = 0; i < y.length; i++)
    if (!Number.isInteger(y[i]!))
      throw new Error(`${ctx.what}: ordinal outcome "${o.name}" of ${ctx.rowName(i)} is ${y[i]}, not an integer grade`);
  return y;
}

/** Fits and predicts one fold: the test rows' grades, or why the fold is skipped. */
function ordinalFold(
  ctx: ReadoutContext,
  f: OutcomeFold,
  y: Float64Array,
  l2: number,
  notes: string[],
): number[] | { skipped: string } {
  const ytr = f.trainRows.map((i) => y[i]!);
  const classes = [...new Set(ytr)].sort((a, b) => a - b);
  if (classes.length < 2) return { skipped: `the training part holds a single class (${classes[0]})` };
  let pred: number[];
  try {
    const model = fitLogisticRegression(rowsOf(ctx, f.trainRows), ytr, { l2, standardize: true });
    if (!model.converged) notes.push(`fold ${f.index}: the logistic regression did not converge`);
    pred = model.predict(rowsOf(ctx, f.testRows));
  } catch (e) {
    return { skipped: `the fit failed: ${errorMessage(e)}` };
  }
  const unseen = [...new Set(f.testRows.map((i) => y[i]!))].filter((c) => !classes.includes(c)).sort((a, b) => a - b);
  if (unseen.length > 0)
    notes.push(`fold ${f.index}: test grade(s) ${unseen.join(', ')} absent from the training part (never predicted)`);
  return pred;
}

export function ordinalReadout(ctx: ReadoutContext, o: OrdinalOutcome, l2: number, tolerance: number): OutcomeResult {
  const y = gradesOf(ctx, o);
  const k = ctx.folds.length;
  const acc = new FoldMetric('accuracy', 'accuracy', k);
  const off = new FoldMetric('oneOffAccuracy', tolerance === 1 ? '1-off accuracy' : `${tolerance}-off accuracy`, k);
  const predictions = new Float64Array(y.length).fill(NaN);
  const notes: string[] = [];
  for (const f of ctx.folds) {
    const pred = ordinalFold(ctx, f, y, l2, notes);
    if (!Array.isArray(pred)) {
      acc.skip(f.index, pred.skipped);
      off.skip(f.index, pred.skipped);
      continue;
    }
    const yt = f.testRows.map((i) => y[i]!);
    f.testRows.forEach((i, t) => (predictions[i] = pred[t]!));
    acc.set(f.index, accuracy(pred, yt));
    off.set(f.index, oneOffAccuracy(pred, yt, tolerance));
  }
  return { name: o.name, kind: 'ordinal', label: o.name, metrics: [acc.result(), off.result()], predictions, notes };
}
