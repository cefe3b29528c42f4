/** The ordinal readout (multinomial logistic regression): accuracy and 1-off accuracy against a brute count. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateOutcomes } from '../../../src/eval/outcomes/index.js';
import { Rng } from '../../../src/util/rng.js';
import { gaussian, metric, patientsOf } from './helpers.js';

test('ordinal: grades from thresholds on feature 0 are predicted well; accuracy and 1-off match a brute count', () => {
  const rng = new Rng(21);
  const rows = 400;
  const dim = 4;
  const x = gaussian(rng, rows, dim);
  const cuts = [-1, -0.3, 0.3, 1];
  const grade = Array.from({ length: rows }, (_, i) => cuts.filter((c) => x[i * dim]! >= c).length);
  const report = evaluateOutcomes(x, dim, {
    patients: patientsOf(rows, 2),
    ordinal: [{ name: 'gold', values: grade }],
  });
  const acc = metric(report, 'gold', 'accuracy');
  const off = metric(report, 'gold', 'oneOffAccuracy');
  assert.equal(acc.count, 5);
  assert.ok(acc.mean! > 0.8, `accuracy ${acc.mean}`);
  assert.ok(off.mean! >= acc.mean!);
  const pred = report.outcomes[0]!.predictions;
  for (const f of report.folds) {
    let hit = 0;
    let near = 0;
    for (const i of f.testRows) {
      assert.ok(Number.isInteger(pred[i]!) && pred[i]! >= 0 && pred[i]! <= 4);
      if (pred[i] === grade[i]) hit++;
      if (Math.abs(pred[i]! - grade[i]!) <= 1) near++;
    }
    assert.equal(acc.folds[f.index]!.value, hit / f.testRows.length);
    assert.equal(off.folds[f.index]!.value, near / f.testRows.length);
    assert.ok(off.folds[f.index]!.value! >= acc.folds[f.index]!.value!);
  }
  // random grades: no better than chance (5 roughly balanced grades -> about 0.2)
  const shuffled = new Rng(4).permutation(rows).map((i) => grade[i]!);
  const chance = evaluateOutcomes(x, dim, {
    patients: patientsOf(rows, 2),
    ordinal: [{ name: 'g', values: shuffled }],
  });
  assert.ok(metric(chance, 'g', 'accuracy').mean! < 0.4);
  // non-integer grades are refused
  assert.throws(
    () =>
      evaluateOutcomes(x, dim, { patients: patientsOf(rows, 2), ordinal: [{ name: 'g', values: x.slice(0, rows) }] }),
    /ordinal outcome "g" of row 0 is .*not an integer grade/,
  );
});
