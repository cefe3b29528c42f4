/** The survival readout (Cox): concordance on simulated hazards, Harrell's C against a brute-force pair count. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateOutcomes, type OutcomeTable } from '../../../src/eval/outcomes/index.js';
import { Rng } from '../../../src/util/rng.js';
import { gaussian, metric, patientsOf } from './helpers.js';

/** Harrell's C by brute force over all pairs (event i earlier than j, or same time with j censored) */
function bruteHarrell(time: number[], event: number[], risk: number[]): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < time.length; i++) {
    if (!event[i]) continue;
    for (let j = 0; j < time.length; j++) {
      if (j === i) continue;
      if (!(time[i]! < time[j]! || (time[i] === time[j] && !event[j]))) continue;
      den++;
      num += risk[i]! > risk[j]! ? 1 : risk[i] === risk[j] ? 0.5 : 0;
    }
  }
  return num / den;
}

test('survival: exponential times with hazard exp(βx) give C > 0.8; shuffled features give C ≈ 0.5', () => {
  const rng = new Rng(8);
  const rows = 240;
  const dim = 3;
  const beta = 3;
  const x = gaussian(rng, rows, dim);
  const time: number[] = [];
  const event: number[] = [];
  for (let i = 0; i < rows; i++) {
    const t = -Math.log(1 - rng.next()) * Math.exp(-beta * x[i * dim]!); // rate exp(βx)
    const c = rng.uniform(0, 6); // independent censoring
    time.push(Math.min(t, c));
    event.push(t <= c ? 1 : 0);
  }
  assert.ok(event.filter((e) => e === 0).length > 10, 'some censoring');
  const patients = patientsOf(rows, 2);
  const table: OutcomeTable = { patients, survival: [{ name: 'os', time, event }] };
  const report = evaluateOutcomes(x, dim, table);
  const keys = report.outcomes[0]!.metrics.map((m) => m.key);
  assert.deepEqual(keys, ['uno@0.25', 'uno@0.5', 'uno@0.75', 'harrell']);
  for (const key of keys) {
    const m = metric(report, 'os', key);
    assert.equal(m.count, 5);
    assert.ok(m.mean! > 0.8, `${key} ${m.mean}`);
  }
  // τ per fold: increasing quantiles of the training fold's event times
  const taus = [0, 1, 2].map((q) => report.outcomes[0]!.metrics[q]!.folds[0]!.tau!);
  assert.ok(taus[0]! < taus[1]! && taus[1]! < taus[2]!);
  // Harrell's C of each fold against a brute-force pair count on the out-of-fold risks
  const risk = report.outcomes[0]!.predictions;
  const harrell = metric(report, 'os', 'harrell');
  for (const f of report.folds) {
    const c = bruteHarrell(
      f.testRows.map((i) => time[i]!),
      f.testRows.map((i) => event[i]!),
      f.testRows.map((i) => risk[i]!),
    );
    assert.ok(Math.abs(harrell.folds[f.index]!.value! - c) < 1e-12);
  }
  // features shuffled across rows: no information
  const perm = new Rng(99).permutation(rows);
  const xs = new Float64Array(rows * dim);
  perm.forEach((src, i) => xs.set(x.subarray(src * dim, (src + 1) * dim), i * dim));
  const shuffled = evaluateOutcomes(xs, dim, table);
  const h = metric(shuffled, 'os', 'harrell');
  assert.ok(Math.abs(h.mean! - 0.5) < 0.08, `shuffled Harrell ${h.mean}`);
  for (const key of keys) {
    const m = metric(shuffled, 'os', key);
    assert.ok(m.mean! > 0.4 && m.mean! < 0.7, `shuffled ${key} ${m.mean}`); // Uno at q25 rests on few early events
  }
});
