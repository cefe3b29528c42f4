import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pairDifferences, type VerdictCase, type VerdictRecord } from '../../../src/eval/stats/paired.js';

const c = (id: string, meanDice: number | null, meanHd95?: number | null): VerdictCase => ({
  case: id,
  patient: `p-${id}`,
  meanDice,
  ...(meanHd95 !== undefined ? { meanHd95 } : {}),
});
const rec = (method: string, M: number | 'all', fold: number, cases: VerdictCase[]): VerdictRecord => ({
  method,
  M,
  fold,
  cases,
});

test('pairDifferences: method − baseline per (fold, M, case), sorted by fold then case; methods and M ordered', () => {
  const records = [
    rec('pcl', 'all', 0, [c('a', 0.9)]),
    rec('pcl', 10, 1, [c('d', 0.5), c('c', 0.75)]),
    rec('random', 10, 0, [c('b', 0.25), c('a', 0.5)]),
    rec('pcl', 10, 0, [c('a', 0.75), c('b', 0.5)]),
    rec('simclr', 2, 0, [c('a', 0.25)]),
    rec('random', 10, 1, [c('c', 0.5), c('d', 0.625)]),
    rec('random', 'all', 0, [c('a', 0.8)]),
    rec('random', 2, 0, [c('a', 0.5)]),
    rec('pcl', 2, 0, [c('a', 0.625)]),
  ];
  const out = pairDifferences(records);
  assert.deepEqual(
    out.map((d) => `${d.method}@${d.M}`),
    ['pcl@2', 'pcl@10', 'pcl@all', 'simclr@2'],
  );
  const p10 = out[1]!;
  assert.deepEqual(
    p10.cases.map((x) => `${x.fold}:${x.case}:${x.patient}`),
    ['0:a:p-a', '0:b:p-b', '1:c:p-c', '1:d:p-d'],
  );
  // 0.75 - 0.5, 0.5 - 0.25, 0.75 - 0.5, 0.5 - 0.625 (exact in binary)
  assert.deepEqual([...p10.diffs], [0.25, 0.25, 0.25, -0.125]);
  assert.deepEqual([...p10.folds], [0, 0, 1, 1]);
  assert.deepEqual([p10.onlyMethod, p10.onlyBaseline, p10.missingValue], [0, 0, 0]);
  assert.ok(Math.abs(out[2]!.diffs[0]! - 0.1) < 1e-15);
  assert.deepEqual([...out[3]!.diffs], [-0.25]);
});

test('pairDifferences: cases present on one side only, and missing values, are counted and skipped', () => {
  const records = [
    rec('random', 1, 0, [c('a', 0.5), c('b', 0.5), c('y', 0.5), c('n', 0.5)]),
    rec('pcl', 1, 0, [c('a', 0.75), c('b', 0.5), c('x', 0.9), c('n', null)]),
    // fold 1: only the baseline ran it (3 cases); fold 2: only the method (2 cases)
    rec('random', 1, 1, [c('a1', 0.5), c('b1', 0.5), c('c1', 0.5)]),
    rec('pcl', 1, 2, [c('a2', 0.5), c('b2', 0.5)]),
  ];
  const [d] = pairDifferences(records);
  assert.deepEqual([...d!.diffs], [0.25, 0]);
  assert.equal(d!.onlyMethod, 1 + 2); // x; fold 2
  assert.equal(d!.onlyBaseline, 1 + 3); // y; fold 1
  assert.equal(d!.missingValue, 1); // n: pcl's Dice is null
});

test('pairDifferences: meanHd95 and a custom baseline name; a case without HD95 counts as missing', () => {
  const records = [
    rec('scratch', 1, 0, [c('a', 0.5, 10), c('b', 0.5, 8), c('c', 0.5)]),
    rec('pcl', 1, 0, [c('a', 0.5, 7.5), c('b', 0.5, null), c('c', 0.5, 4)]),
  ];
  const [d] = pairDifferences(records, { baseline: 'scratch', metric: 'meanHd95' });
  assert.equal(d!.method, 'pcl');
  assert.deepEqual([...d!.diffs], [-2.5]);
  assert.equal(d!.missingValue, 2);
});

test('pairDifferences: zero matched cases for a method × M is a clear error', () => {
  const records = [rec('random', 1, 0, [c('a', 0.5)]), rec('pcl', 1, 0, [c('b', 0.5)]), rec('pcl', 5, 0, [c('a', 1)])];
  assert.throws(
    () => pairDifferences(records),
    /pcl at M=1 has no test case matched with random \(1 only in pcl, 1 only in random, 0 without a meanDice value\)/,
  );
  // M = 5 has no baseline cell at all
  assert.throws(
    () => pairDifferences([rec('random', 1, 0, [c('a', 0.5)]), rec('pcl', 5, 0, [c('a', 1)])]),
    /pcl at M=5 has no test case matched/,
  );
});

test('pairDifferences: clear errors for a missing baseline, duplicates, a patient mismatch, a non-finite value', () => {
  assert.throws(() => pairDifferences([rec('pcl', 1, 0, [c('a', 1)])]), /no records of the baseline method 'random'/);
  assert.throws(
    () => pairDifferences([rec('random', 1, 0, [c('a', 1)]), rec('random', 1, 0, [c('a', 1)])]),
    /two records for random at M=1, fold 0/,
  );
  assert.throws(
    () => pairDifferences([rec('random', 1, 0, [c('a', 1)]), rec('pcl', 1, 0, [c('a', 1), c('a', 0)])]),
    /case 'a' twice in pcl at M=1, fold 0/,
  );
  const other = { case: 'a', patient: 'q', meanDice: 0.5 };
  assert.throws(
    () => pairDifferences([rec('random', 1, 0, [c('a', 1)]), rec('pcl', 1, 0, [other])]),
    /case 'a' \(M=1, fold 0\) belongs to patient 'q' in pcl but 'p-a' in random/,
  );
  assert.throws(
    () => pairDifferences([rec('random', 1, 0, [c('a', NaN)]), rec('pcl', 1, 0, [c('a', 1)])]),
    /meanDice of case 'a' \(random, M=1, fold 0\) is NaN/,
  );
});

test('pairDifferences: pairs compare each method with its own baseline, in the order given', () => {
  const records = [
    rec('random', 1, 0, [c('a', 0.5), c('b', 0.25)]),
    rec('pcl', 1, 0, [c('a', 0.75), c('b', 0.5)]),
    rec('pcl-transfer', 1, 0, [c('a', 0.625), c('b', 0.125)]),
  ];
  const pairs = [
    { method: 'pcl-transfer', baseline: 'pcl' },
    { method: 'pcl-transfer', baseline: 'random' },
  ];
  const d = pairDifferences(records, { pairs });
  assert.deepEqual(
    d.map((x) => [x.method, x.baseline, [...x.diffs]]),
    [
      ['pcl-transfer', 'pcl', [0.625 - 0.75, 0.125 - 0.5]],
      ['pcl-transfer', 'random', [0.625 - 0.5, 0.125 - 0.25]],
    ],
  );
  // without pairs: every method against 'random', each row naming it
  assert.deepEqual(
    pairDifferences(records).map((x) => `${x.method}-${x.baseline}`),
    ['pcl-random', 'pcl-transfer-random'],
  );
  assert.throws(() => pairDifferences(records, { pairs: [pairs[0]!, pairs[0]!] }), /pcl-transfer − pcl is given twice/);
  assert.throws(() => pairDifferences(records, { pairs: [{ method: 'pcl', baseline: 'pcl' }] }), /paired with itself/);
  assert.throws(
    () => pairDifferences(records, { pairs: [{ method: 'gcl', baseline: 'random' }] }),
    /no records of the method 'gcl' \(paired with 'random'\)/,
  );
  assert.throws(
    () => pairDifferences(records, { pairs: [{ method: 'pcl', baseline: 'gcl' }] }),
    /no records of the baseline method 'gcl'/,
  );
});
