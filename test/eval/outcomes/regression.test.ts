/** The regression readout (ridge linear regression, R²) against normal equations solved in the test. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateOutcomes, type OutcomeTable } from '../../../src/eval/outcomes/index.js';
import { Rng } from '../../../src/util/rng.js';
import { gaussSolve, normalEquations } from '../readout/reference.js';
import { gaussian, metric, patientsOf } from './helpers.js';

test('regression: outcome linear in feature 0 gives CV R² > 0.95; random features give R² ≤ 0.2', () => {
  const rng = new Rng(11);
  const rows = 120;
  const dim = 6;
  const x = gaussian(rng, rows, dim);
  const signal = Array.from({ length: rows }, (_, i) => 2 * x[i * dim]! + 1 + 0.05 * rng.normal());
  const noise = Array.from({ length: rows }, () => rng.normal());
  const table: OutcomeTable = {
    patients: patientsOf(rows, 2),
    regression: [
      { name: 'signal', values: signal },
      { name: 'noise', values: noise },
    ],
  };
  const report = evaluateOutcomes(x, dim, table, { seed: 3 });
  assert.equal(report.k, 5);
  assert.equal(report.patients, 60);
  const good = metric(report, 'signal', 'r2');
  assert.equal(good.count, 5);
  assert.ok(good.mean! > 0.95, `R² ${good.mean}`);
  const bad = metric(report, 'noise', 'r2');
  assert.equal(bad.count, 5);
  assert.ok(bad.mean! <= 0.2, `R² of noise ${bad.mean}`);
  // mean and population sd of the per-fold values
  const vals = good.folds.map((f) => f.value!);
  const mean = vals.reduce((s, v) => s + v, 0) / 5;
  assert.ok(Math.abs(good.mean! - mean) < 1e-12);
  assert.ok(Math.abs(good.std! - Math.sqrt(vals.reduce((s, v) => s + (v - mean) ** 2, 0) / 5)) < 1e-12);
  // deterministic for a seed
  const again = evaluateOutcomes(x, dim, table, { seed: 3 });
  assert.deepEqual(metric(again, 'noise', 'r2').folds, bad.folds);
});

test('regression: with ridge 0 each fold equals OLS by normal equations on its training rows', () => {
  const rng = new Rng(5);
  const rows = 40;
  const dim = 3;
  const x = gaussian(rng, rows, dim);
  const y = Array.from({ length: rows }, (_, i) => x[i * dim]! - 0.5 * x[i * dim + 2]! + 0.3 * rng.normal());
  const report = evaluateOutcomes(
    x,
    dim,
    { patients: patientsOf(rows, 1), regression: [{ name: 'y', values: y }] },
    {
      ridge: 0,
      folds: 4,
    },
  );
  const res = report.outcomes[0]!;
  for (const f of report.folds) {
    // design with an intercept column, solved independently
    const design = f.trainRows.map((i) => [1, x[i * dim]!, x[i * dim + 1]!, x[i * dim + 2]!]);
    const { a, b } = normalEquations(
      design,
      f.trainRows.map((i) => y[i]!),
    );
    const beta = gaussSolve(a, b, 4);
    const yt = f.testRows.map((i) => y[i]!);
    const pred = f.testRows.map(
      (i) => beta[0]! + beta[1]! * x[i * dim]! + beta[2]! * x[i * dim + 1]! + beta[3]! * x[i * dim + 2]!,
    );
    f.testRows.forEach((i, t) => assert.ok(Math.abs(res.predictions[i]! - pred[t]!) < 1e-9));
    const m = yt.reduce((s, v) => s + v, 0) / yt.length;
    const r2 = 1 - yt.reduce((s, v, t) => s + (v - pred[t]!) ** 2, 0) / yt.reduce((s, v) => s + (v - m) ** 2, 0);
    assert.ok(Math.abs(res.metrics[0]!.folds[f.index]!.value! - r2) < 1e-9);
  }
});

test('regression: ridge on features z-scored with the training fold only (independent solve)', () => {
  const rng = new Rng(6);
  const rows = 30;
  const dim = 4;
  // columns on very different scales and offsets, so that the standardisation matters
  const x = Float64Array.from({ length: rows * dim }, (_, q) => (q % dim) * 10 + (1 + (q % dim) ** 2) * rng.normal());
  const y = Array.from({ length: rows }, (_, i) => 0.1 * x[i * dim + 3]! + x[i * dim]! + rng.normal());
  const lambda = 3;
  const report = evaluateOutcomes(
    x,
    dim,
    { patients: patientsOf(rows, 1), regression: [{ name: 'y', values: y }] },
    {
      ridge: lambda,
      folds: 3,
    },
  );
  const pred = report.outcomes[0]!.predictions;
  for (const f of report.folds) {
    const n = f.trainRows.length;
    const mean = Array.from({ length: dim }, (_, j) => f.trainRows.reduce((s, i) => s + x[i * dim + j]!, 0) / n);
    const sd = mean.map((m, j) => Math.sqrt(f.trainRows.reduce((s, i) => s + (x[i * dim + j]! - m) ** 2, 0) / n));
    const z = (i: number) => mean.map((m, j) => (x[i * dim + j]! - m) / sd[j]!);
    const yBar = f.trainRows.reduce((s, i) => s + y[i]!, 0) / n;
    const { a, b } = normalEquations(
      f.trainRows.map(z),
      f.trainRows.map((i) => y[i]! - yBar),
      lambda,
    );
    const beta = gaussSolve(a, b, dim);
    for (const i of f.testRows) {
      const expected = yBar + z(i).reduce((s, v, j) => s + v * beta[j]!, 0);
      assert.ok(Math.abs(pred[i]! - expected) < 1e-9, `fold ${f.index} row ${i}: ${pred[i]} vs ${expected}`);
    }
  }
});

test('regression: log transform regresses log(y); non-positive values are refused naming the row', () => {
  const rng = new Rng(2);
  const rows = 50;
  const x = gaussian(rng, rows, 1);
  const y = Array.from(x, (v) => 100 * Math.exp(-0.8 * v));
  const patients = patientsOf(rows, 1);
  const logged = evaluateOutcomes(x, 1, { patients, regression: [{ name: 'fev', values: y, log: true }] });
  assert.equal(logged.outcomes[0]!.label, 'log(fev)');
  assert.ok(metric(logged, 'fev', 'r2').mean! > 0.999); // exactly linear on the log scale
  const raw = evaluateOutcomes(x, 1, { patients, regression: [{ name: 'fev', values: y }] });
  assert.ok(metric(raw, 'fev', 'r2').mean! < metric(logged, 'fev', 'r2').mean!);
  const bad = y.slice();
  bad[7] = 0;
  assert.throws(
    () =>
      evaluateOutcomes(x, 1, {
        patients,
        rowNames: patients.map((p) => `${p}.nii.gz`),
        regression: [{ name: 'fev', values: bad, log: true }],
      }),
    /outcome "fev" of row 7 \(p07\.nii\.gz\) is 0; its log needs values > 0/,
  );
});
