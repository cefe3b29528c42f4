import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  evaluateOutcomes,
  formatOutcomeReport,
  LUNGCT_OUTCOMES,
  outcomeTableFromManifest,
  type OutcomeReport,
  type OutcomeTable,
} from '../../src/eval/outcomes.js';
import { hashPatients, type Splits } from '../../src/eval/protocol/kfold.js';
import type { ManifestItem } from '../../src/io/manifest.js';
import { loadManifest } from '../../src/io/manifest.js';
import { writePhantoms } from '../../src/phantoms/write.js';
import { Rng } from '../../src/util/rng.js';
import { gaussSolve, normalEquations } from './readout/reference.js';

/** rows × dim standard normal features, row-major */
function gaussian(rng: Rng, rows: number, dim: number): Float64Array {
  return Float64Array.from({ length: rows * dim }, () => rng.normal());
}

/** `perPatient` scans per patient, patients p00, p01, … in row order */
function patientsOf(rows: number, perPatient: number): string[] {
  return Array.from({ length: rows }, (_, i) => `p${String(Math.floor(i / perPatient)).padStart(2, '0')}`);
}

function metric(report: OutcomeReport, outcome: string, key: string) {
  const o = report.outcomes.find((r) => r.name === outcome);
  assert.ok(o, `outcome ${outcome} in the report`);
  const m = o.metrics.find((x) => x.key === key);
  assert.ok(m, `metric ${key} of ${outcome}`);
  return m;
}

/** Harrell's C by brute force over all pairs (event i earlier than j, or same time with j censored) */
function bruteHarrell(time: number[], event: number[], risk: number[]): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < time.length; i++) {
    if (!event[i]) continue;
    for (let j = 0; j < time.length; j++) {
      if (j === i) continue;
      if (!(time[i]! < time[j]! || (time[i] === time[j] && !event[j]))) continue;
      den++;
      num += risk[i]! > risk[j]! ? 1 : risk[i] === risk[j] ? 0.5 : 0;
    }
  }
  return num / den;
}

function item(index: number, image: string, meta: ManifestItem['meta']): ManifestItem {
  return { index, image: `/data/${image}`, patient: `p${index}`, kind: '3d', meta };
}

test('regression: outcome linear in feature 0 gives CV R² > 0.95; random features give R² ≤ 0.2', () => {
  const rng = new Rng(11);
  const rows = 120;
  const dim = 6;
  const x = gaussian(rng, rows, dim);
  const signal = Array.from({ length: rows }, (_, i) => 2 * x[i * dim]! + 1 + 0.05 * rng.normal());
  const noise = Array.from({ length: rows }, () => rng.normal());
  const table: OutcomeTable = {
    patients: patientsOf(rows, 2),
    regression: [
      { name: 'signal', values: signal },
      { name: 'noise', values: noise },
    ],
  };
  const report = evaluateOutcomes(x, dim, table, { seed: 3 });
  assert.equal(report.k, 5);
  assert.equal(report.patients, 60);
  const good = metric(report, 'signal', 'r2');
  assert.equal(good.foldsUsed, 5);
  assert.ok(good.mean! > 0.95, `R² ${good.mean}`);
  const bad = metric(report, 'noise', 'r2');
  assert.equal(bad.foldsUsed, 5);
  assert.ok(bad.mean! <= 0.2, `R² of noise ${bad.mean}`);
  // mean and population sd of the per-fold values
  const vals = good.folds.map((f) => f.value!);
  const mean = vals.reduce((s, v) => s + v, 0) / 5;
  assert.ok(Math.abs(good.mean! - mean) < 1e-12);
  assert.ok(Math.abs(good.sd! - Math.sqrt(vals.reduce((s, v) => s + (v - mean) ** 2, 0) / 5)) < 1e-12);
  // deterministic for a seed
  const again = evaluateOutcomes(x, dim, table, { seed: 3 });
  assert.deepEqual(metric(again, 'noise', 'r2').folds, bad.folds);
});

test('regression: with ridge 0 each fold equals OLS by normal equations on its training rows', () => {
  const rng = new Rng(5);
  const rows = 40;
  const dim = 3;
  const x = gaussian(rng, rows, dim);
  const y = Array.from({ length: rows }, (_, i) => x[i * dim]! - 0.5 * x[i * dim + 2]! + 0.3 * rng.normal());
  const report = evaluateOutcomes(
    x,
    dim,
    { patients: patientsOf(rows, 1), regression: [{ name: 'y', values: y }] },
    {
      ridge: 0,
      folds: 4,
    },
  );
  const res = report.outcomes[0]!;
  for (const f of report.folds) {
    // design with an intercept column, solved independently
    const design = f.trainRows.map((i) => [1, x[i * dim]!, x[i * dim + 1]!, x[i * dim + 2]!]);
    const { a, b } = normalEquations(
      design,
      f.trainRows.map((i) => y[i]!),
    );
    const beta = gaussSolve(a, b, 4);
    const yt = f.testRows.map((i) => y[i]!);
    const pred = f.testRows.map(
      (i) => beta[0]! + beta[1]! * x[i * dim]! + beta[2]! * x[i * dim + 1]! + beta[3]! * x[i * dim + 2]!,
    );
    f.testRows.forEach((i, t) => assert.ok(Math.abs(res.predictions[i]! - pred[t]!) < 1e-9));
    const m = yt.reduce((s, v) => s + v, 0) / yt.length;
    const r2 = 1 - yt.reduce((s, v, t) => s + (v - pred[t]!) ** 2, 0) / yt.reduce((s, v) => s + (v - m) ** 2, 0);
    assert.ok(Math.abs(res.metrics[0]!.folds[f.index]!.value! - r2) < 1e-9);
  }
});

test('regression: ridge on features z-scored with the training fold only (independent solve)', () => {
  const rng = new Rng(6);
  const rows = 30;
  const dim = 4;
  // columns on very different scales and offsets, so that the standardisation matters
  const x = Float64Array.from({ length: rows * dim }, (_, q) => (q % dim) * 10 + (1 + (q % dim) ** 2) * rng.normal());
  const y = Array.from({ length: rows }, (_, i) => 0.1 * x[i * dim + 3]! + x[i * dim]! + rng.normal());
  const lambda = 3;
  const report = evaluateOutcomes(
    x,
    dim,
    { patients: patientsOf(rows, 1), regression: [{ name: 'y', values: y }] },
    {
      ridge: lambda,
      folds: 3,
    },
  );
  const pred = report.outcomes[0]!.predictions;
  for (const f of report.folds) {
    const n = f.trainRows.length;
    const mean = Array.from({ length: dim }, (_, j) => f.trainRows.reduce((s, i) => s + x[i * dim + j]!, 0) / n);
    const sd = mean.map((m, j) => Math.sqrt(f.trainRows.reduce((s, i) => s + (x[i * dim + j]! - m) ** 2, 0) / n));
    const z = (i: number) => mean.map((m, j) => (x[i * dim + j]! - m) / sd[j]!);
    const yBar = f.trainRows.reduce((s, i) => s + y[i]!, 0) / n;
    const { a, b } = normalEquations(
      f.trainRows.map(z),
      f.trainRows.map((i) => y[i]! - yBar),
      lambda,
    );
    const beta = gaussSolve(a, b, dim);
    for (const i of f.testRows) {
      const expected = yBar + z(i).reduce((s, v, j) => s + v * beta[j]!, 0);
      assert.ok(Math.abs(pred[i]! - expected) < 1e-9, `fold ${f.index} row ${i}: ${pred[i]} vs ${expected}`);
    }
  }
});

test('regression: log transform regresses log(y); non-positive values are refused naming the row', () => {
  const rng = new Rng(2);
  const rows = 50;
  const x = gaussian(rng, rows, 1);
  const y = Array.from(x, (v) => 100 * Math.exp(-0.8 * v));
  const patients = patientsOf(rows, 1);
  const logged = evaluateOutcomes(x, 1, { patients, regression: [{ name: 'fev', values: y, log: true }] });
  assert.equal(logged.outcomes[0]!.label, 'log(fev)');
  assert.ok(metric(logged, 'fev', 'r2').mean! > 0.999); // exactly linear on the log scale
  const raw = evaluateOutcomes(x, 1, { patients, regression: [{ name: 'fev', values: y }] });
  assert.ok(metric(raw, 'fev', 'r2').mean! < metric(logged, 'fev', 'r2').mean!);
  const bad = y.slice();
  bad[7] = 0;
  assert.throws(
    () =>
      evaluateOutcomes(x, 1, {
        patients,
        rowNames: patients.map((p) => `${p}.nii.gz`),
        regression: [{ name: 'fev', values: bad, log: true }],
      }),
    /outcome "fev" of row 7 \(p07\.nii\.gz\) is 0; its log needs values > 0/,
  );
});

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
  assert.equal(acc.foldsUsed, 5);
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

test('survival: exponential times with hazard exp(βx) give C > 0.8; shuffled features give C ≈ 0.5', () => {
  const rng = new Rng(8);
  const rows = 240;
  const dim = 3;
  const beta = 3;
  const x = gaussian(rng, rows, dim);
  const time: number[] = [];
  const event: number[] = [];
  for (let i = 0; i < rows; i++) {
    const t = -Math.log(1 - rng.next()) * Math.exp(-beta * x[i * dim]!); // rate exp(βx)
    const c = rng.uniform(0, 6); // independent censoring
    time.push(Math.min(t, c));
    event.push(t <= c ? 1 : 0);
  }
  assert.ok(event.filter((e) => e === 0).length > 10, 'some censoring');
  const patients = patientsOf(rows, 2);
  const table: OutcomeTable = { patients, survival: [{ name: 'os', time, event }] };
  const report = evaluateOutcomes(x, dim, table);
  const keys = report.outcomes[0]!.metrics.map((m) => m.key);
  assert.deepEqual(keys, ['uno@0.25', 'uno@0.5', 'uno@0.75', 'harrell']);
  for (const key of keys) {
    const m = metric(report, 'os', key);
    assert.equal(m.foldsUsed, 5);
    assert.ok(m.mean! > 0.8, `${key} ${m.mean}`);
  }
  // τ per fold: increasing quantiles of the training fold's event times
  const taus = [0, 1, 2].map((q) => report.outcomes[0]!.metrics[q]!.folds[0]!.tau!);
  assert.ok(taus[0]! < taus[1]! && taus[1]! < taus[2]!);
  // Harrell's C of each fold against a brute-force pair count on the out-of-fold risks
  const risk = report.outcomes[0]!.predictions;
  const harrell = metric(report, 'os', 'harrell');
  for (const f of report.folds) {
    const c = bruteHarrell(
      f.testRows.map((i) => time[i]!),
      f.testRows.map((i) => event[i]!),
      f.testRows.map((i) => risk[i]!),
    );
    assert.ok(Math.abs(harrell.folds[f.index]!.value! - c) < 1e-12);
  }
  // features shuffled across rows: no information
  const perm = new Rng(99).permutation(rows);
  const xs = new Float64Array(rows * dim);
  perm.forEach((src, i) => xs.set(x.subarray(src * dim, (src + 1) * dim), i * dim));
  const shuffled = evaluateOutcomes(xs, dim, table);
  const h = metric(shuffled, 'os', 'harrell');
  assert.ok(Math.abs(h.mean! - 0.5) < 0.08, `shuffled Harrell ${h.mean}`);
  for (const key of keys) {
    const m = metric(shuffled, 'os', key);
    assert.ok(m.mean! > 0.4 && m.mean! < 0.7, `shuffled ${key} ${m.mean}`); // Uno at q25 rests on few early events
  }
});

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
  assert.equal(r2.foldsUsed, 4);
  assert.equal(r2.folds[1]!.value, null);
  assert.match(r2.folds[1]!.skipped!, /all 2 test values are equal: R² is undefined/);
  const acc = metric(report, 'g', 'accuracy');
  assert.equal(acc.foldsUsed, 4);
  assert.equal(acc.folds[0]!.value, null);
  assert.match(acc.folds[0]!.skipped!, /training part holds a single class \(0\)/);
  assert.equal(metric(report, 'h', 'accuracy').foldsUsed, 5);
  assert.match(report.outcomes[2]!.notes.join('\n'), /fold 2: test grade\(s\) 2 absent from the training part/);
  for (const m of report.outcomes[3]!.metrics) {
    assert.equal(m.foldsUsed, 0);
    assert.equal(m.mean, null);
    assert.equal(m.sd, null);
    assert.match(m.folds[0]!.skipped!, /no event in the training part/);
    for (let f = 1; f < 5; f++) assert.match(m.folds[f]!.skipped!, /no comparable pairs/);
  }
  const text = formatOutcomeReport(report);
  assert.match(text, /\| y \| R² \| [-\d.]+ ± [\d.]+ \| 4\/5 \|/);
  assert.match(text, /\| os \| Harrell's C \| — \| 0\/5 \|/);
  assert.match(text, /- g \(accuracy, 1-off accuracy\) skipped fold 0: the training part holds a single class \(0\)/);
  assert.ok(!/NaN/.test(text));
});

test('errors: missing or non-numeric meta names the item and field; too few patients; NaN features', () => {
  const items = [
    item(0, 'a.nii.gz', { score: 90, stage: 0, survivalYears: 8, event: 0 }),
    item(1, 'b.nii.gz', { stage: 1, survivalYears: 5, event: true }),
    item(2, 'c.nii.gz', { score: 'high', stage: 2, survivalYears: 3, event: 1 }),
  ];
  assert.throws(
    () => outcomeTableFromManifest(items, LUNGCT_OUTCOMES),
    (e: Error) => {
      assert.match(e.message, /2 problems/);
      assert.match(e.message, /item 1 \/data\/b\.nii\.gz: meta field "score" is missing/);
      assert.match(e.message, /item 2 \/data\/c\.nii\.gz: meta field "score" = "high" is not a finite number/);
      return true;
    },
  );
  assert.throws(
    () => outcomeTableFromManifest(items, { regression: ['stage'], logTransform: ['score'] }),
    /logTransform names "score", which is not one of the regression fields/,
  );
  const ok = outcomeTableFromManifest(items, {
    ordinal: ['stage'],
    survival: { time: 'survivalYears', event: 'event' },
  });
  assert.deepEqual(Array.from(ok.ordinal![0]!.values), [0, 1, 2]);
  assert.deepEqual(Array.from(ok.survival![0]!.event), [0, 1, 1]);
  assert.deepEqual(ok.patients, ['p0', 'p1', 'p2']);

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

test('end to end: lung CT phantom manifest, burden as a 1-d feature predicts score, stage and survival', async () => {
  const out = await mkdtemp(join(tmpdir(), 'medcl-outcomes-'));
  try {
    const res = await writePhantoms({
      out,
      seed: 7,
      kinds: ['lungct'],
      lungct: { subjects: 15, shape: [16, 32, 32] },
    });
    const manifest = await loadManifest(res.manifests.lungct!);
    const table = outcomeTableFromManifest(manifest.items, LUNGCT_OUTCOMES);
    const burden = Float64Array.from(manifest.items, (it) => it.meta.burden as number);
    const report = evaluateOutcomes(burden, 1, table, { seed: 1 });
    assert.equal(report.patients, 15);
    // log(score) = log 100 - 6 burden exactly (up to the manifest's rounding)
    assert.ok(metric(report, 'score', 'r2').mean! > 0.9, `R² ${metric(report, 'score', 'r2').mean}`);
    const stages = manifest.items.map((it) => it.meta.stage as number);
    const counts = new Map<number, number>();
    for (const s of stages) counts.set(s, (counts.get(s) ?? 0) + 1);
    const chance = Math.max(...counts.values()) / stages.length;
    const acc = metric(report, 'stage', 'accuracy');
    assert.ok(acc.mean! > chance, `stage accuracy ${acc.mean} vs majority ${chance}`);
    assert.ok(metric(report, 'stage', 'oneOffAccuracy').mean! >= acc.mean!);
    const harrell = metric(report, 'survivalYears', 'harrell');
    assert.ok(harrell.foldsUsed >= 3 && harrell.mean! > 0.8, `Harrell ${harrell.mean} over ${harrell.foldsUsed}`);
    const text = formatOutcomeReport(report);
    assert.match(text, /^5-fold cross-validation over 15 patients \(15 scans, 1-d features\)/);
    assert.match(text, /\| log\(score\) \| R² \| /);
    assert.match(text, /\| stage \| 1-off accuracy \| /);
    assert.match(text, /\| survivalYears \| Uno C\(τ = q50\) \| /);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
