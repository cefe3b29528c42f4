import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allFolds, getFold, kFold } from '../../../src/eval/protocol/kfold.js';
import { innerSplit } from '../../../src/eval/protocol/inner-split.js';
import { drawBudgets } from '../../../src/eval/protocol/budget.js';

const ids = (n: number) => Array.from({ length: n }, (_, i) => `P${String(i).padStart(3, '0')}`);

test('innerSplit: validation comes from the training part only, disjoint from the test fold', () => {
  const splits = kFold(ids(51), { seed: 4 });
  for (const fold of allFolds(splits)) {
    const s = innerSplit(fold, { seed: 1 });
    const test = new Set(fold.test);
    for (const p of s.validation) assert.ok(!test.has(p), `${p} is a test patient`);
    for (const p of s.train) assert.ok(!test.has(p));
    const val = new Set(s.validation);
    for (const p of s.train) assert.ok(!val.has(p), `${p} in train and validation`);
    assert.deepEqual([...s.train, ...s.validation].sort(), fold.train);
    assert.equal(s.validation.length, Math.round(0.2 * fold.train.length));
  }
});

test('innerSplit: at least one validation patient and one training patient; fraction honoured', () => {
  const fold = { index: 0, train: ['a', 'b', 'c'], test: ['d'] };
  assert.equal(innerSplit(fold, { seed: 0 }).validation.length, 1); // round(0.6) = 1
  assert.equal(innerSplit({ ...fold, train: ['a', 'b'] }, { seed: 0 }).validation.length, 1); // round(0.4) = 0 -> 1
  assert.equal(innerSplit({ index: 0, train: ids(20), test: [] }, { seed: 0, fraction: 0.25 }).validation.length, 5);
  assert.throws(() => innerSplit({ ...fold, train: ['a'] }, { seed: 0 }), /fold 0 has 1 training patients/);
  assert.throws(() => innerSplit(fold, { seed: 0, fraction: 0 }), /fraction must be in \(0, 1\)/);
  assert.throws(() => innerSplit(fold, { seed: 0, fraction: 1 }), /fraction/);
  assert.throws(
    () => innerSplit({ index: 3, train: ['a', 'b'], test: ['b'] }, { seed: 0 }),
    /"b" is in train and test/,
  );
});

test('innerSplit: seeded, and with budgets the labelled set avoids validation and test', () => {
  const fold = getFold(kFold(ids(40), { seed: 6 }), 3);
  const a = innerSplit(fold, { seed: 2 });
  assert.deepEqual(innerSplit(fold, { seed: 2 }), a);
  assert.notDeepEqual(innerSplit(fold, { seed: 3 }).validation, a.validation);
  const b = drawBudgets(fold, { budgets: [5, 'all'], seed: 2, exclude: a.validation });
  for (const d of b.draws) {
    for (const p of d.ids) {
      assert.ok(a.train.includes(p), `${p} is not an inner-training patient`);
    }
  }
  assert.deepEqual(b.draws[1]!.ids, a.train);
});

test('innerSplit: count holds out exactly that many patients; M then counts training patients only', () => {
  const fold = getFold(kFold(ids(12), { seed: 1 }), 0);
  const s = innerSplit(fold, { seed: 0, count: 2 });
  assert.equal(s.validation.length, 2);
  assert.equal(s.train.length, fold.train.length - 2);
  assert.deepEqual(innerSplit(fold, { seed: 0, count: 2, fraction: 0.9 }), s, 'count wins over fraction');
  assert.throws(() => innerSplit(fold, { seed: 0, count: 0 }), /count must be a positive integer/);
  assert.throws(() => innerSplit(fold, { seed: 0, count: fold.train.length }), /cannot hold out/);
  // M = 1 drawn outside the validation patients: one training patient, validation on top
  const b = drawBudgets(fold, { budgets: [1, 'all'], seed: 0, exclude: s.validation });
  assert.equal(b.draws[0]!.ids.length, 1);
  assert.ok(!s.validation.includes(b.draws[0]!.ids[0]!));
  assert.equal(b.draws[1]!.ids.length, fold.train.length - 2);
});

test('drawBudgets with exclude, unit image: images of validation patients are never drawn; M = 1 is one image', () => {
  const fold = { index: 0, train: ['a', 'b', 'c'], test: ['d'] };
  const images = ['a', 'a', 'b', 'b', 'b', 'c', 'd'].map((patient, i) => ({ id: String(i), patient }));
  const s = innerSplit(fold, { seed: 3, count: 1 });
  const b = drawBudgets(fold, { budgets: [1, 'all'], seed: 3, unit: 'image', images, exclude: s.validation });
  assert.equal(b.draws[0]!.ids.length, 1);
  for (const d of b.draws) for (const p of d.patients) assert.ok(!s.validation.includes(p) && p !== 'd');
  const expected = images.filter((im) => im.patient !== 'd' && !s.validation.includes(im.patient)).length;
  assert.equal(b.draws[1]!.ids.length, expected);
});
