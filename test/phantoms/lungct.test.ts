import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LUNGCT_INFO, lungCtPhantoms, lungCtSubject, outcomesFromBurden } from '../../src/phantoms/lungct.js';

const SHAPE: [number, number, number] = [32, 56, 56];
const N = 6;
const opts = { seed: 31, subjects: N, shape: SHAPE };
const subjects = Array.from({ length: N }, (_, i) => lungCtSubject(opts, i));
const [, NY, NX] = SHAPE;

test('lungct: deterministic per seed, different for another seed', () => {
  const again = lungCtSubject(opts, 2);
  assert.deepEqual(again.image.data, subjects[2]!.image.data);
  assert.deepEqual(again.label.data, subjects[2]!.label.data);
  assert.deepEqual(again.meta, subjects[2]!.meta);
  assert.notDeepEqual(lungCtSubject({ ...opts, seed: 32 }, 2).image.data, subjects[2]!.image.data);
  assert.deepEqual(
    lungCtPhantoms(opts).items.map((it) => it.meta),
    subjects.map((s) => s.meta),
  );
  assert.deepEqual(LUNGCT_INFO.classes, ['background', 'left_lung', 'right_lung', 'lesion']);
});

test('lungct: labels, sides, HU of lung, lesions and body', () => {
  for (const s of subjects) {
    const d = s.image.data;
    const l = s.label.data;
    const n = [0, 0, 0, 0];
    const xs = [0, 0, 0, 0];
    let lungHu = 0;
    let lesionHu = 0;
    let maxHu = -Infinity;
    for (let p = 0; p < l.length; p++) {
      const c = l[p]!;
      assert.ok(c <= 3);
      n[c]!++;
      xs[c]! += p % NX;
      if (c === 1 || c === 2) lungHu += d[p]!;
      if (c === 3) lesionHu += d[p]!;
      maxHu = Math.max(maxHu, d[p]!);
    }
    assert.ok(n[1]! > 200 && n[2]! > 200, `${s.id}: lung voxels ${n}`);
    assert.ok(xs[1]! / n[1]! > NX / 2 && xs[2]! / n[2]! < NX / 2, 'left lung at larger x (LPS)');
    const lung = lungHu / (n[1]! + n[2]!);
    assert.ok(lung > -900 && lung < -700, `${s.id}: mean lung ${lung}`);
    if (n[3]! > 0) assert.ok(lesionHu / n[3]! < lung - 60, `${s.id}: lesions ${lesionHu / n[3]!} vs lung ${lung}`);
    assert.ok(maxHu > 300, 'ribs and spine');
    assert.ok(d[0]! < -900, 'air in the corner');
  }
});

test('lungct: burden in meta is the lesion fraction of the lung mask, and it spans the stages', () => {
  const stages = new Set<number>();
  for (const s of subjects) {
    let lesion = 0;
    let lung = 0;
    for (const c of s.label.data) {
      if (c > 0) lung++;
      if (c === 3) lesion++;
    }
    assert.ok(
      Math.abs(Number(s.meta.burden) - lesion / lung) < 1e-6,
      `${s.id}: meta ${s.meta.burden} vs ${lesion / lung}`,
    );
    stages.add(Number(s.meta.stage));
  }
  assert.ok(stages.size >= 4, `stages ${[...stages]}`);
});

test('lungct: lesions favour the upper zones', () => {
  let upper = 0;
  let withLesions = 0;
  for (const s of subjects) {
    let lz = 0;
    let ln = 0;
    let ez = 0;
    let en = 0;
    s.label.data.forEach((c, p) => {
      const z = Math.floor(p / (NY * NX));
      if (c > 0) {
        lz += z;
        ln++;
      }
      if (c === 3) {
        ez += z;
        en++;
      }
    });
    if (en === 0) continue;
    withLesions++;
    if (ez / en > lz / ln) upper++;
  }
  assert.ok(
    withLesions >= N - 1 && upper >= withLesions - 1,
    `${upper} of ${withLesions} subjects with lesions above the lung centre`,
  );
});

test('lungct: outcomes are monotone in the lesion burden', () => {
  const sorted = [...subjects].sort((a, b) => Number(a.meta.burden) - Number(b.meta.burden));
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1]!.meta;
    const b = sorted[i]!.meta;
    assert.ok(Number(b.score) <= Number(a.score), 'score falls');
    assert.ok(Number(b.stage) >= Number(a.stage), 'stage rises');
    assert.ok(Number(b.survivalYears) <= Number(a.survivalYears), 'survival shortens');
    assert.ok(Number(b.event) >= Number(a.event), 'events rise');
  }
  assert.ok(Number(sorted[0]!.meta.score) > Number(sorted[N - 1]!.meta.score));
});

test('lungct: the outcome model at hand-computed points', () => {
  const o0 = outcomesFromBurden(0);
  assert.deepEqual(o0, { burden: 0, score: 100, stage: 0, survivalYears: 8, event: 0 });
  const o = outcomesFromBurden(0.05);
  assert.ok(Math.abs(o.score - 74.0818220682) < 1e-9); // 100 e^-0.3
  assert.equal(o.stage, 2);
  assert.ok(Math.abs(o.survivalYears - 5.4881163609) < 1e-9); // 10 e^-0.6
  assert.equal(o.event, 1);
  assert.equal(outcomesFromBurden(0.0099).stage, 0);
  assert.equal(outcomesFromBurden(0.01).stage, 1);
  assert.equal(outcomesFromBurden(0.1).stage, 4);
  // censored just below T = 8 years: 10 e^(-12 b) = 8  <=>  b = ln(1.25) / 12 = 0.018595
  assert.equal(outcomesFromBurden(0.0185).event, 0);
  assert.equal(outcomesFromBurden(0.0187).event, 1);
});
