/**
 * Patch classification, scheme (a): the linear readout recovers separable synthetic features (F1 ≈ 1) and stays at
 * chance on labels independent of the features; folds group samples by patient.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linearReadoutCV } from '../../src/eval/patch-linear-readout.js';
import { patientFolds } from '../../src/eval/protocol/patient-folds.js';
import { Rng } from '../../src/util/rng.js';

function gaussianFeatures(n: number, cols: number, rng: Rng, shift: (i: number) => number): Float64Array {
  const x = new Float64Array(n * cols);
  for (let i = 0; i < n; i++) for (let c = 0; c < cols; c++) x[i * cols + c] = rng.normal() + (c === 0 ? shift(i) : 0);
  return x;
}

test('linearReadoutCV: separable features give F1 ≈ 1, independent labels stay at chance; folds by patient', () => {
  const rng = new Rng(3);
  const n = 240;
  const cols = 8;
  const patient = Array.from({ length: n }, (_, i) => `p${Math.floor(i / 12)}`); // 20 patients × 12 samples
  const y = Uint8Array.from({ length: n }, () => (rng.next() < 0.5 ? 1 : 0));
  const sep = linearReadoutCV({
    features: { data: gaussianFeatures(n, cols, rng, (i) => 4 * y[i]!), cols },
    y,
    patient,
  });
  assert.equal(sep.folds.length, 5);
  assert.ok(sep.summary.f1.mean! > 0.95, `separable F1 ${sep.summary.f1.mean}`);
  assert.ok(sep.summary.precision.mean! > 0.95 && sep.summary.recall.mean! > 0.95);
  const sd = sep.summary.f1.std;
  assert.ok(sd !== null && sd >= 0 && sd < 0.05);
  assert.equal(sep.pooled.count, n);

  const noise = linearReadoutCV(
    { features: { data: gaussianFeatures(n, cols, rng, () => 0), cols }, y, patient },
    { seed: 4 },
  );
  assert.ok(noise.pooled.accuracy > 0.35 && noise.pooled.accuracy < 0.65, `chance accuracy ${noise.pooled.accuracy}`);
  assert.ok(noise.summary.f1.mean !== null && noise.summary.f1.mean < 0.7, `chance F1 ${noise.summary.f1.mean}`);

  // folds: every patient in exactly one test fold, all its samples there, never in its own fold's training part
  for (const r of [sep, noise]) {
    const seen = new Map<string, number>();
    r.folds.forEach((f) => {
      for (const p of f.testPatients) {
        assert.ok(!seen.has(p), `${p} in two test folds`);
        seen.set(p, f.fold);
        assert.ok(!f.trainPatients.includes(p));
      }
      assert.equal(f.trainPatients.length + f.testPatients.length, 20);
    });
    assert.equal(seen.size, 20);
    patient.forEach((p, i) => assert.equal(r.foldOf[i], seen.get(p)));
  }
  // seeded: the same seed gives the same folds, another seed other folds
  assert.deepEqual(patientFolds(patient, { seed: 4 }).splits.folds, noise.splits.folds);
  assert.notDeepEqual(patientFolds(patient, { seed: 5 }).splits.folds, noise.splits.folds);
  // a single-class training part is refused with a message
  assert.throws(
    () => linearReadoutCV({ features: { data: new Float64Array(n * cols), cols }, y: new Uint8Array(n), patient }),
    /single class/,
  );
});
