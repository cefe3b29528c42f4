/**
 * The survival outcomes' readout: Cox proportional hazards on the training fold's z-scored features (L2 λ = 1, ours:
 * the unpenalised partial likelihood has no maximum when the risk ordering is perfectly separable, as in the lung
 * CT phantoms, or with many features per event), scored on each test fold by Uno's time-dependent concordance C(τ)
 * at quantiles of the training fold's times (Table 3's t = 25th/50th/75th) and by Harrell's C. A training part
 * without an event is skipped; so is a metric whose test part has no comparable pair.
 */
import { errorMessage } from '../../util/error-message.js';
import { fitCox, toSurvival } from '../readout/cox.js';
import { harrellConcordance, timeQuantiles, unoConcordance } from '../readout/concordance.js';
import { outcomeValues, rowsOf, type OutcomeFold, type OutcomeResult, type ReadoutContext } from './context.js';
import { FoldMetric } from './metric.js';
import type { SurvivalOutcome } from './table.js';

export interface SurvivalSettings {
  l2: number;
  quantiles: readonly number[];
  quantileOf: 'events' | 'all';
}

/** times (≥ 0) and 0/1 events of every row; the errors name the outcome and the row */
function survivalOf(ctx: ReadoutContext, o: SurvivalOutcome): { time: Float64Array; event: Uint8Array } {
  const n = ctx.mat.rows;
  const time = outcomeValues(ctx, o.time, `${o.name} (time)`);
  if (o.event.length !== n)
    throw new Error(`${ctx.what}: outcome "${o.name}" has ${o.event.length} events but there are ${n} rows`);
  for (let i = 0; i < n; i++) {
    const v = o.event[i];
    if (!(v === 0 || v === 1 || v === true || v === false))
      throw new Error(`${ctx.what}: event of "${o.name}" of ${ctx.rowName(i)} is ${String(v)}, must be 0/1`);
    if (time[i]! < 0) throw new Error(`${ctx.what}: time of "${o.name}" of ${ctx.rowName(i)} is ${time[i]} < 0`);
  }
  return toSurvival(time, o.event, n, `${ctx.what}: ${o.name}`);
}

interface SurvivalMetrics {
  uno: FoldMetric[];
  harrell: FoldMetric;
}

/** Uno's C(τ) at each training-time quantile and Harrell's C of one fold's test risks. */
function scoreFold(
  f: OutcomeFold,
  risk: Float64Array,
  surv: { time: ArrayLike<number>; event: ArrayLike<number> },
  train: { time: number[]; event: number[] },
  s: SurvivalSettings,
  m: SurvivalMetrics,
): void {
  const teTime = f.testRows.map((i) => surv.time[i]!);
  const teEvent = f.testRows.map((i) => surv.event[i]!);
  const taus = timeQuantiles(train.time, train.event, s.quantiles, s.quantileOf);
  m.uno.forEach((metric, q) => {
    const tau = taus[q]!;
    try {
      const c = unoConcordance(teTime, teEvent, risk, { tau, trainTime: train.time, trainEvent: train.event });
      metric.set(f.index, c.cIndex, tau);
    } catch (e) {
      metric.skip(f.index, errorMessage(e), tau);
    }
  });
  try {
    m.harrell.set(f.index, harrellConcordance(teTime, teEvent, risk).cIndex);
  } catch (e) {
    m.harrell.skip(f.index, errorMessage(e));
  }
}

export function survivalReadout(ctx: ReadoutContext, o: SurvivalOutcome, s: SurvivalSettings): OutcomeResult {
  const surv = survivalOf(ctx, o);
  const k = ctx.folds.length;
  const m: SurvivalMetrics = {
    uno: s.quantiles.map((q) => new FoldMetric(`uno@${q}`, `Uno C(τ = q${Math.round(q * 100)})`, k)),
    harrell: new FoldMetric('harrell', "Harrell's C", k),
  };
  const all = [...m.uno, m.harrell];
  const predictions = new Float64Array(ctx.mat.rows).fill(NaN);
  const notes: string[] = [];
  for (const f of ctx.folds) {
    const train = { time: f.trainRows.map((i) => surv.time[i]!), event: f.trainRows.map((i) => surv.event[i]!) };
    if (!train.event.some((e) => e === 1)) {
      for (const x of all) x.skip(f.index, 'no event in the training part: the Cox model is not identifiable');
      continue;
    }
    let risk: Float64Array;
    try {
      const model = fitCox(rowsOf(ctx, f.trainRows), train.time, train.event, { l2: s.l2, standardize: true });
      if (!model.converged) notes.push(`fold ${f.index}: the Cox fit did not converge`);
      risk = model.predictRisk(rowsOf(ctx, f.testRows));
    } catch (e) {
      for (const x of all) x.skip(f.index, `the fit failed: ${errorMessage(e)}`);
      continue;
    }
    f.testRows.forEach((i, t) => (predictions[i] = risk[t]!));
    scoreFold(f, risk, surv, train, s, m);
  }
  return { name: o.name, kind: 'survival', label: o.name, metrics: all.map((x) => x.result()), predictions, notes };
}
