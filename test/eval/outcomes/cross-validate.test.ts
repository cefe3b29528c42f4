/** evaluateOutcomes: patient folds, skipped folds on small data, input errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateOutcomes, formatOutcomeReport, type OutcomeTable } from '../../../src/eval/outcomes/index.js';
import { hashPatients, type Splits } from '../../../src/eval/protocol/kfold.js';
import { Rng } from '../../../src/util/rng.js';
import { gaussian, metric } from './helpers.js';

test('folds: grouped by patient, every row tested once, seeded', () => {
  const rng = new Rng(3);
  const patients: string[] = [];
  for (let p = 0; p < 23; p++) for (let s = 0, n = rng.int(1, 5); s < n; s++) patients.push(`patient-${p}`);
  // interleave the rows so that a patient's scans are not adjacent
  const order = rng.permutation(patients.length).map((i) => patients[i]!);
  const rows = order.length;
  const x = gaussian(rng, rows, 2);
  const y = Array.from({ length: rows }, () => rng.normal());
  const run = (seed: number) =>
    evaluateOutcomes(x, 2, { patients: order, regression: [{ name: 'y', values: y }] }, { seed, folds: 5 });
  const report = run(1);
  assert.equal(report.patients, 23);
  const seen = new Int32Array(rows);
  for (const f of report.folds) {
    const testP = new Set(f.testRows.map((i) => order[i]!));
    const trainP = new Set(f.trainRows.map((i) => order[i]!));
    for (const p of testP) assert.ok(!trainP.has(p), `patient ${p} on both sides of fold ${f.index}`);
    assert.deepEqual([...testP].sort(), [...f.testPatients].sort());
    assert.equal(f.testRows.length + f.trainRows.length, rows);
    for (const i of f.testRows) {
      seen[i]!++;
      assert.equal(report.foldOf[i], f.index);
    }
  }
  assert.ok(seen.every((c) => c === 1));
  // patients per fold differ by at most one
  const sizes = report.folds.map((f) => f.testPatients.length);
  assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1);
  assert.deepEqual(run(1).foldOf, report.foldOf);
  assert.notDeepEqual(run(2).foldOf, report.foldOf);
});

test('small data: single-class training folds, no training events and constant test values are skipped, not faked', () => {
  const ids = Array.from({ length: 10 }, (_, i) => `s${i}`);
  const splits: Splits = {
    unit: 'patient',
    seed: 0,
    k: 5,
    numPatients: 10,
    patientsHash: hashPatients(ids),
    folds: [0, 1, 2, 3, 4].map((f) => [ids[2 * f]!, ids[2 * f + 1]!]),
  };
  const rng = new Rng(1);
  const x = gaussian(rng, 10, 2);
  const inFold0 = (i: number) => i < 2;
  const table: OutcomeTable = {
    patients: ids,
    // fold 1's two test rows share a value: R² undefined there
    regression: [{ name: 'y', values: [0.1, 0.4, 2, 2, -1, 0.5, 0.9, 1.3, -0.2, 0.7] }],
    // grade 1 only in fold 0: fold 0's training part holds a single class
    // h: grade 2 only in fold 2, so fold 2's model has never seen it
    ordinal: [
      { name: 'g', values: ids.map((_, i) => (inFold0(i) ? 1 : 0)) },
      { name: 'h', values: ids.map((_, i) => (inFold0(i) ? 1 : i === 4 || i === 5 ? 2 : 0)) },
    ],
    // events only in fold 0: fold 0 has no training event; the other test parts have no comparable pair
    survival: [{ name: 'os', time: ids.map((_, i) => i + 1), event: ids.map((_, i) => (inFold0(i) ? 1 : 0)) }],
  };
  const report = evaluateOutcomes(x, 2, table, { splits });
  const r2 = metric(report, 'y', 'r2');
  assert.equal(r2.count, 4);
  assert.equal(r2.folds[1]!.value, null);
  assert.match(r2.folds[1]!.skipped!, /all 2 test values are equal: R² is undefined/);
  const acc = metric(report, 'g', 'accuracy');
  assert.equal(acc.count, 4);
  assert.equal(acc.folds[0]!.value, null);
  assert.match(acc.folds[0]!.skipped!, /training part holds a single class \(0\)/);
  assert.equal(metric(report, 'h', 'accuracy').count, 5);
  assert.match(report.outcomes[2]!.notes.join('\n'), /fold 2: test grade\(s\) 2 absent from the training part/);
  for (const m of report.outcomes[3]!.metrics) {
    assert.equal(m.count, 0);
    assert.equal(m.mean, null);
    assert.equal(m.std, null);
    assert.match(m.folds[0]!.skipped!, /no event in the training part/);
    for (let f = 1; f < 5; f++) assert.match(m.folds[f]!.skipped!, /no comparable pairs/);
  }
  const text = formatOutcomeReport(report);
  assert.match(text, /\| y \| R² \| [-\d.]+ ± [\d.]+ \| 4\/5 \|/);
  assert.match(text, /\| os \| Harrell's C \| — \| 0\/5 \|/);
  assert.match(text, /- g \(accuracy, 1-off accuracy\) skipped fold 0: the training part holds a single class \(0\)/);
  assert.ok(!/NaN/.test(text));
});

test('evaluateOutcomes: too few patients, NaN features and mismatched rows are refused, naming the row', () => {
  const x = Float64Array.from([1, 2, 3, 4, 5, 6]);
  assert.throws(
    () => evaluateOutcomes(x, 1, { patients: ['a', 'a', 'b', 'b', 'c', 'c'], regression: [{ name: 'y', values: x }] }),
    /3 patients \(6 rows\) cannot fill 5 folds/,
  );
  const bad = x.slice();
  bad[4] = NaN;
  assert.throws(
    () =>
      evaluateOutcomes(
        bad,
        2,
        {
          patients: ['a', 'b', 'c'],
          rowNames: ['a.nii.gz', 'b.nii.gz', 'c.nii.gz'],
          regression: [{ name: 'y', values: [1, 2, 3] }],
        },
        { folds: 2 },
      ),
    /feature 0 of row 2 \(c\.nii\.gz\) is NaN, must be finite/,
  );
  assert.throws(
    () => evaluateOutcomes(x, 2, { patients: ['a', 'b'], regression: [{ name: 'y', values: [1, 2] }] }, { folds: 2 }),
    /features have 3 rows but the outcome table has 2/,
  );
});
