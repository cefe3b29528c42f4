/** FoldMetric: a slot per fold, skipped folds left out of the mean and the population sd (float64 loops here). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FoldMetric } from '../../../src/eval/outcomes/metric.js';

test('FoldMetric: mean and population sd over the folds with a value, skipped folds kept with their reason', () => {
  const m = new FoldMetric('uno@0.5', 'Uno C(τ = q50)', 4);
  m.set(0, 0.7, 2.5);
  m.skip(1, 'no comparable pairs', 3);
  m.set(3, 0.9);
  const r = m.result();
  const used = [0.7, 0.9];
  const mean = (used[0]! + used[1]!) / 2;
  const sd = Math.sqrt(((used[0]! - mean) ** 2 + (used[1]! - mean) ** 2) / 2);
  assert.equal(r.count, 2);
  assert.ok(Math.abs(r.mean! - mean) < 1e-15);
  assert.ok(Math.abs(r.std! - sd) < 1e-15);
  assert.deepEqual(r.folds, [
    { fold: 0, value: 0.7, tau: 2.5 },
    { fold: 1, value: null, skipped: 'no comparable pairs', tau: 3 },
    { fold: 2, value: null },
    { fold: 3, value: 0.9 },
  ]);
  assert.equal(r.key, 'uno@0.5');
  assert.equal(r.label, 'Uno C(τ = q50)');
});

test('FoldMetric: no fold with a value gives mean and sd null, count 0; one value gives sd 0', () => {
  const none = new FoldMetric('r2', 'R²', 2);
  none.skip(0, 'a single test row: R² is undefined');
  none.skip(1, 'the fit failed: x');
  assert.deepEqual(
    { mean: none.result().mean, std: none.result().std, count: none.result().count },
    { mean: null, std: null, count: 0 },
  );
  const one = new FoldMetric('r2', 'R²', 2);
  one.set(1, -0.25);
  assert.deepEqual(
    { mean: one.result().mean, std: one.result().std, count: one.result().count },
    {
      mean: -0.25,
      std: 0,
      count: 1,
    },
  );
});
