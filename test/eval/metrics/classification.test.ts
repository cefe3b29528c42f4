import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  binaryClassification,
  binaryConfusion,
  classConfusion,
  confusionMatrix,
} from '../../../src/eval/metrics/index.js';
import { Rng } from '../../../src/util/rng.js';

test('binaryClassification: hand-computed precision, recall, F1, accuracy, specificity', () => {
  // pred  1 1 1 0 0 0 1 0
  // truth 1 0 1 1 0 0 1 0  -> TP 3, FP 1, FN 1, TN 3
  const r = binaryClassification([1, 1, 1, 0, 0, 0, 1, 0], [true, false, true, true, false, false, true, false]);
  assert.deepEqual([r.tp, r.fp, r.fn, r.tn, r.count], [3, 1, 1, 3, 8]);
  assert.equal(r.precision, 0.75);
  assert.equal(r.recall, 0.75);
  assert.equal(r.f1, 0.75);
  assert.equal(r.accuracy, 0.75);
  assert.equal(r.specificity, 0.75);
  assert.deepEqual(r.undefined, []);
});

test('binaryClassification: F1 equals the harmonic mean of precision and recall on random data', () => {
  for (const seed of [1, 2, 3]) {
    const rng = new Rng(seed);
    const pred = Array.from({ length: 200 }, () => (rng.next() < 0.4 ? 1 : 0));
    const truth = Array.from({ length: 200 }, () => (rng.next() < 0.3 ? 1 : 0));
    const r = binaryClassification(pred, truth);
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (let i = 0; i < 200; i++) {
      if (pred[i] && truth[i]) tp++;
      else if (pred[i]) fp++;
      else if (truth[i]) fn++;
    }
    const p = tp / (tp + fp);
    const q = tp / (tp + fn);
    assert.ok(Math.abs(r.precision - p) < 1e-15);
    assert.ok(Math.abs(r.recall - q) < 1e-15);
    assert.ok(Math.abs(r.f1 - (2 * p * q) / (p + q)) < 1e-12);
  }
});

test('binaryClassification: 0/0 ratios take zeroDivision and are named, never NaN', () => {
  const r = binaryClassification([0, 0, 0], [0, 0, 0]);
  assert.deepEqual(r.undefined, ['precision', 'recall', 'f1']);
  assert.deepEqual([r.precision, r.recall, r.f1, r.accuracy, r.specificity], [0, 0, 0, 1, 1]);
  const one = binaryClassification([0, 0], [0, 0], { zeroDivision: 1 });
  assert.deepEqual([one.precision, one.recall, one.f1], [1, 1, 1]);
  const miss = binaryClassification([0, 0], [1, 0]); // no predicted positives: precision undefined, F1 = 0
  assert.deepEqual(miss.undefined, ['precision']);
  assert.equal(miss.f1, 0);
  assert.equal(miss.recall, 0);
});

test('binaryClassification / binaryConfusion validation', () => {
  assert.throws(() => binaryClassification([1, 0], [1]), /pred has 2 entries but truth has 1/);
  assert.throws(() => binaryClassification([1, 2], [1, 0]), /pred\[1\] is 2: binary labels must be 0\/1/);
  assert.throws(() => binaryClassification([], []), /no samples/);
  assert.throws(() => binaryConfusion([0.5], [1]), /pred\[0\] is 0.5/);
});

test('confusionMatrix and classConfusion equal counting on random label maps', () => {
  const rng = new Rng(42);
  const shape = [5, 6, 7];
  const n = 210;
  const k = 4;
  const pred = new Uint8Array(n).map(() => rng.int(0, k));
  const ref = new Uint8Array(n).map(() => rng.int(0, k));
  const m = confusionMatrix({ data: pred, shape }, { data: ref, shape }, k);
  for (let r = 0; r < k; r++) {
    for (let p = 0; p < k; p++) {
      let c = 0;
      for (let i = 0; i < n; i++) if (ref[i] === r && pred[i] === p) c++;
      assert.equal(m.counts[r * k + p], c);
    }
  }
  for (let c = 0; c < k; c++) {
    const cc = classConfusion(m, c);
    let tp = 0;
    let fp = 0;
    let fn = 0;
    let tn = 0;
    for (let i = 0; i < n; i++) {
      const a = pred[i] === c;
      const b = ref[i] === c;
      if (a && b) tp++;
      else if (a) fp++;
      else if (b) fn++;
      else tn++;
    }
    assert.deepEqual(cc, { tp, fp, fn, tn });
  }
  assert.throws(() => classConfusion(m, 4), /class 4 out of range for 4 classes/);
  assert.throws(
    () => confusionMatrix({ data: pred, shape }, { data: ref, shape }, 3),
    /confusion: (pred|ref): label 3 is out of range for numClasses 3/,
  );
});
