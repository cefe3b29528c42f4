import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mean, percentile, std, summarizeValues } from '../../../src/eval/metrics/index.js';

test('percentile follows numpy linear interpolation (values from numpy.percentile by hand)', () => {
  assert.ok(Math.abs(percentile([1, 2, 3, 4], 95) - 3.85) < 1e-12); // h = 2.85
  assert.ok(Math.abs(percentile([4, 1, 3, 2], 50) - 2.5) < 1e-12);
  assert.equal(percentile([0, 10], 95), 9.5);
  assert.equal(percentile([7], 95), 7);
  assert.equal(percentile([3, 1, 2], 100), 3);
  assert.equal(percentile([3, 1, 2], 0), 1);
  assert.ok(Math.abs(percentile([10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 95) - 0.5) < 1e-12); // h = 18.05
  assert.throws(() => percentile([], 95), /no values/);
  assert.throws(() => percentile([1], 101), /p must be in/);
});

test('mean and std (population and sample)', () => {
  assert.equal(mean([1, 2, 3, 4]), 2.5);
  assert.ok(Math.abs(std([1, 2, 3, 4])! - Math.sqrt(1.25)) < 1e-15);
  assert.ok(Math.abs(std([1, 2, 3, 4], 'sample')! - Math.sqrt(5 / 3)) < 1e-15);
  assert.equal(std([]), null);
  assert.equal(std([5], 'sample'), null);
  assert.equal(std([5]), 0);
});

test('summarizeValues: mean, std and count, null statistics where undefined', () => {
  // [2, 4, 9]: mean 5, population variance ((9 + 1 + 16) / 3), sample variance 26 / 2 = 13
  const p = summarizeValues([2, 4, 9]);
  assert.equal(p.mean, 5);
  assert.ok(Math.abs(p.std! - Math.sqrt(26 / 3)) < 1e-12);
  assert.equal(p.count, 3);
  assert.ok(Math.abs(summarizeValues([2, 4, 9], 'sample').std! - Math.sqrt(13)) < 1e-12);
  assert.deepEqual(summarizeValues([]), { mean: null, std: null, count: 0 });
  assert.deepEqual(summarizeValues([7], 'sample'), { mean: 7, std: null, count: 1 });
});
