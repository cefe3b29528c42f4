import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allFolds, getFold, kFold } from '../../../src/eval/protocol/kfold.js';
import { compareBudgets, drawBudgets, parseBudget, type LabelledImage } from '../../../src/eval/protocol/budget.js';

const ids = (n: number) => Array.from({ length: n }, (_, i) => `P${String(i).padStart(3, '0')}`);
const isSubset = (a: readonly string[], b: readonly string[]) => {
  const s = new Set(b);
  return a.every((x) => s.has(x));
};

test('drawBudgets: nested sets of the right sizes, drawn only from the training patients', () => {
  const splits = kFold(ids(68), { seed: 2 }); // CHD: 68 patients
  for (const fold of allFolds(splits)) {
    const r = drawBudgets(fold, { budgets: [2, 6, 10, 20, 'all'], seed: 4 });
    assert.deepEqual(r.pool, fold.train);
    const [d2, d6, d10, d20, dAll] = r.draws;
    assert.deepEqual(
      r.draws.map((d) => d.size),
      [2, 6, 10, 20, fold.train.length],
    );
    for (const d of r.draws) {
      assert.equal(d.ids.length, d.size);
      assert.equal(new Set(d.ids).size, d.size, 'no repeats');
      assert.ok(isSubset(d.ids, fold.train), 'only training patients');
      assert.ok(!d.ids.some((p) => fold.test.includes(p)), 'no test patient');
      assert.deepEqual(d.patients, d.ids);
    }
    assert.ok(isSubset(d2!.ids, d6!.ids) && isSubset(d6!.ids, d10!.ids) && isSubset(d10!.ids, d20!.ids));
    assert.deepEqual(dAll!.ids, fold.train);
  }
});

test('drawBudgets: seeded; adding a budget does not change the others; folds draw differently', () => {
  const splits = kFold(ids(40), { seed: 1 });
  const f0 = getFold(splits, 0);
  const a = drawBudgets(f0, { budgets: [5, 10], seed: 3 });
  const b = drawBudgets(f0, { budgets: [3, 5, 10, 'all'], seed: 3 });
  assert.deepEqual(a.draws[0], b.draws[1]);
  assert.deepEqual(a.draws[1], b.draws[2]);
  assert.deepEqual(drawBudgets(f0, { budgets: [5, 10], seed: 3 }), a);
  assert.notDeepEqual(drawBudgets(f0, { budgets: [5, 10], seed: 4 }).draws[1]!.ids, a.draws[1]!.ids);
});

test('drawBudgets: every training patient equally likely', () => {
  const fold = { index: 0, train: ids(10), test: ['T1', 'T2'] };
  const hits = new Map<string, number>();
  const runs = 2000;
  for (let seed = 0; seed < runs; seed++) {
    for (const p of drawBudgets(fold, { budgets: [2], seed }).draws[0]!.ids) hits.set(p, (hits.get(p) ?? 0) + 1);
  }
  // expected 2000 * 2/10 = 400; binomial sd ~ 18
  for (const p of fold.train) assert.ok(Math.abs((hits.get(p) ?? 0) - 400) < 80, `${p}: ${hits.get(p)}`);
});

test('drawBudgets: exclude leaves out the validation patients', () => {
  const fold = getFold(kFold(ids(30), { seed: 8 }), 2);
  const exclude = fold.train.slice(0, 5);
  const r = drawBudgets(fold, { budgets: [10, 'all'], seed: 1, exclude });
  for (const d of r.draws) assert.ok(!d.ids.some((p) => exclude.includes(p)));
  assert.equal(r.draws[1]!.size, fold.train.length - 5);
  assert.throws(
    () => drawBudgets(fold, { budgets: [2], seed: 1, exclude: [fold.test[0]!] }),
    /exclude: "P\d+" is not a training patient of fold 2/,
  );
  assert.throws(
    () => drawBudgets(fold, { budgets: [fold.train.length - 4], seed: 1, exclude }),
    new RegExp(
      `budget M = ${fold.train.length - 4} exceeds the ${fold.train.length - 5} training patients of fold 2 \\(after leaving out 5`,
    ),
  );
});

test('drawBudgets: unit image draws images of training patients only', () => {
  const splits = kFold(ids(10), { seed: 0 });
  const fold = getFold(splits, 1);
  const images: LabelledImage[] = [];
  ids(10).forEach((p, i) => {
    for (let k = 0; k < 1 + (i % 4); k++) images.push({ id: `${p}/img${k}`, patient: p });
  });
  const trainImages = images.filter((im) => fold.train.includes(im.patient)).map((im) => im.id);
  const r = drawBudgets(fold, { budgets: [3, 7, 'all'], seed: 5, unit: 'image', images });
  assert.deepEqual(r.pool, trainImages.slice().sort());
  assert.ok(isSubset(r.draws[0]!.ids, r.draws[1]!.ids));
  for (const d of r.draws) {
    assert.ok(isSubset(d.ids, trainImages));
    const expectedPatients = [...new Set(d.ids.map((id) => id.split('/')[0]!))].sort();
    assert.deepEqual(d.patients, expectedPatients);
  }
  assert.equal(r.draws[2]!.size, trainImages.length);
  assert.throws(
    () => drawBudgets(fold, { budgets: [trainImages.length + 1], seed: 5, unit: 'image', images }),
    new RegExp(`M = ${trainImages.length + 1} exceeds the ${trainImages.length} labelled training images of fold 1`),
  );
  assert.throws(
    () => drawBudgets(fold, { budgets: [1], seed: 5, unit: 'image', images: [...images, { id: 'x', patient: 'ZZZ' }] }),
    /images\[\d+\]\.patient: "ZZZ" is in no fold/,
  );
  assert.throws(() => drawBudgets(fold, { budgets: [1], seed: 5, unit: 'image' }), /needs the labelled images/);
  assert.throws(
    () => drawBudgets(fold, { budgets: [1], seed: 5, unit: 'image', images: [images[0]!, images[0]!] }),
    /images\[1\]\.id: duplicate/,
  );
});

test('drawBudgets: bad budgets are refused', () => {
  const fold = getFold(kFold(ids(10), { seed: 0 }), 0);
  assert.throws(() => drawBudgets(fold, { budgets: [9], seed: 0 }), /M = 9 exceeds the 8 training patients of fold 0/);
  assert.throws(() => drawBudgets(fold, { budgets: [0], seed: 0 }), /positive integer or 'all'/);
  assert.throws(() => drawBudgets(fold, { budgets: [2.5], seed: 0 }), /positive integer or 'all'/);
  assert.throws(() => drawBudgets(fold, { budgets: [2, 2], seed: 0 }), /budget 2 is listed twice/);
});

test('parseBudget and compareBudgets', () => {
  assert.equal(parseBudget('10'), 10);
  assert.equal(parseBudget(' 7 '), 7);
  assert.equal(parseBudget('all'), 'all');
  assert.throws(
    () => parseBudget('ten', 'budgets[0]'),
    /budgets\[0\]: expected a positive integer or "all", got "ten"/,
  );
  assert.throws(() => parseBudget(0), /positive integer/);
  assert.deepEqual(['all' as const, 20, 2, 10].sort(compareBudgets), [2, 10, 20, 'all']);
});
