/**
 * Folds over patients: every row of a patient in that patient's fold, given splits used as they are (and checked),
 * the same folds as kFold over the distinct patients, and errors that name the caller.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kFold } from '../../../src/eval/protocol/kfold.js';
import { patientFolds } from '../../../src/eval/protocol/patient-folds.js';

test('patientFolds: rows follow their patient; new folds are kFold over the distinct patients in row order', () => {
  const patients = ['b', 'a', 'b', 'c', 'd', 'a', 'e', 'f', 'c'];
  const { splits, foldOf } = patientFolds(patients, { k: 3, seed: 7 });
  assert.deepEqual(splits.folds, kFold(['b', 'a', 'c', 'd', 'e', 'f'], { k: 3, seed: 7 }).folds);
  patients.forEach((p, i) => assert.ok(splits.folds[foldOf[i]!]!.includes(p), `row ${i} (${p})`));
  const given = kFold(['a', 'b', 'c', 'd', 'e', 'f'], { k: 2, seed: 1 });
  const again = patientFolds(patients, { splits: given });
  assert.equal(again.splits, given);
  patients.forEach((p, i) => assert.ok(given.folds[again.foldOf[i]!]!.includes(p)));
});

test('patientFolds: too few patients, a bad k and splits of other patients are refused, naming the caller', () => {
  assert.throws(
    () => patientFolds(['a', 'a', 'b'], { k: 3 }, 'readout'),
    /^Error: readout: 2 patients \(3 rows\) cannot fill 3 folds/,
  );
  assert.throws(
    () => patientFolds(['a', 'b', 'c'], { k: 1 }, 'readout'),
    /readout: the number of folds must be an integer >= 2/,
  );
  const other = kFold(['x', 'y', 'z'], { k: 3, seed: 0 });
  assert.throws(() => patientFolds(['a', 'b', 'c'], { splits: other }, 'readout'), /readout: splits/);
});
