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
