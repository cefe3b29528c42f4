/**
 * The continuous outcomes' readout (the paper: log FEV1pp, log FEV1/FVC): ridge linear regression on the training
 * fold's z-scored features (λ = 1, scikit-learn's Ridge default alpha; a 128-d embedding on a few hundred scans
 * overfits ordinary least squares), R² on each test fold. A test fold whose values are all equal has no R².
 */
import { fitLinearRegression, rSquared } from '../readout/linear-regression.js';
import { errorMessage } from '../../util/error-message.js';
import { outcomeValues, rowsOf, type OutcomeResult, type ReadoutContext } from './context.js';
import { FoldMetric } from './metric.js';
import type { RegressionOutcome } from './table.js';

/** the outcome's values, log-transformed when asked (every value must then be > 0) */
function regressionTarget(ctx: ReadoutContext, o: RegressionOutcome): Float64Array {
  const y = outcomeValues(ctx, o.values, o.name);
  if (!o.log) return y;
  for (let i = 0; i < y.length; i++) {
    if (!(y[i]! > 0))
      throw new Error(`${ctx.what}: outcome "${o.name}" of ${ctx.rowName(i)} is ${y[i]}; its log needs values > 0`);
    y[i] = Math.log(y[i]!);
  }
  return y;
}

export function regressionReadout(ctx: ReadoutContext, o: RegressionOutcome, ridge: number): OutcomeResult {
  const y = regressionTarget(ctx, o);
  const r2 = new FoldMetric('r2', 'R²', ctx.folds.length);
  const predictions = new Float64Array(y.length).fill(NaN);
  for (const f of ctx.folds) {
    let pred: Float64Array;
    try {
      const train = rowsOf(ctx, f.trainRows);
      const model = fitLinearRegression(
        train,
        f.trainRows.map((i) => y[i]!),
        { ridge, standardize: true },
      );
      pred = model.predict(rowsOf(ctx, f.testRows));
    } catch (e) {
      r2.skip(f.index, `the fit failed: ${errorMessage(e)}`);
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
  const label = o.log ? `log(${o.name})` : o.name;
  return { name: o.name, kind: 'regression', label, metrics: [r2.result()], predictions, notes: [] };
}
