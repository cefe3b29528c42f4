import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addDays, daysBetween, fillNormal, smoothNoise, streamRng } from '../../src/phantoms/random.js';

test('streamRng: same key same stream, neighbouring keys differ, seed checked', () => {
  const a = streamRng(5, 1, 2);
  const b = streamRng(5, 1, 2);
  const seqA = Array.from({ length: 8 }, () => a.nextU32());
  assert.deepEqual(
    seqA,
    Array.from({ length: 8 }, () => b.nextU32()),
  );
  for (const [s, st, i] of [
    [6, 1, 2],
    [5, 2, 2],
    [5, 1, 3],
  ] as const) {
    const c = streamRng(s, st, i);
    assert.notDeepEqual(
      Array.from({ length: 8 }, () => c.nextU32()),
      seqA,
    );
  }
  assert.throws(() => streamRng(1.5, 0, 0), /seed must be a safe integer/);
});

test('fillNormal: sample mean, std and tail mass match N(mean, std)', () => {
  const n = 200000;
  const x = fillNormal(streamRng(1, 0, 0), new Float32Array(n), 3, 10);
  let s = 0;
  let s2 = 0;
  let beyond2 = 0;
  for (const v of x) {
    s += v;
    s2 += v * v;
    if (Math.abs(v - 10) > 6) beyond2++;
  }
  const mean = s / n;
  const sd = Math.sqrt(s2 / n - mean * mean);
  // standard errors: 3/sqrt(n) = 0.0067 for the mean, about 0.005 for the sd
  assert.ok(Math.abs(mean - 10) < 0.04, `mean ${mean}`);
  assert.ok(Math.abs(sd - 3) < 0.03, `sd ${sd}`);
  // P(|Z| > 2) = 0.0455
  assert.ok(Math.abs(beyond2 / n - 0.0455) < 0.003, `tail ${beyond2 / n}`);
});

test('smoothNoise: right size, unit-ish variance, neighbours strongly correlated (2D and 3D)', () => {
  for (const [shape, cells] of [
    [
      [64, 80],
      [4, 5],
    ],
    [
      [20, 24, 28],
      [2, 3, 3],
    ],
  ] as const) {
    const f = smoothNoise(streamRng(2, 0, 0), shape, cells);
    assert.equal(
      f.length,
      shape.reduce((a, b) => a * b, 1),
    );
    let s = 0;
    let s2 = 0;
    for (const v of f) {
      s += v;
      s2 += v * v;
    }
    const m = s / f.length;
    const v = s2 / f.length - m * m;
    assert.ok(v > 0.05 && v < 3, `variance ${v}`);
    // lag-1 correlation along the last axis (float64 loop)
    const w = shape[shape.length - 1]!;
    let c = 0;
    let cnt = 0;
    for (let i = 0; i + 1 < f.length; i++) {
      if ((i + 1) % w === 0) continue;
      c += (f[i]! - m) * (f[i + 1]! - m);
      cnt++;
    }
    assert.ok(c / cnt / v > 0.9, `lag-1 correlation ${c / cnt / v}`);
  }
  assert.throws(() => smoothNoise(streamRng(0, 0, 0), [4, 4], [2]), /axes/);
});

test('addDays / daysBetween: calendar arithmetic against hand-computed dates', () => {
  assert.equal(addDays('2020-02-28', 1), '2020-02-29'); // leap year
  assert.equal(addDays('2020-02-28', 2), '2020-03-01');
  assert.equal(addDays('2019-12-31', 1), '2020-01-01');
  assert.equal(addDays('2021-03-01', -1), '2021-02-28');
  assert.equal(daysBetween('2020-01-01', '2021-01-01'), 366);
  assert.equal(daysBetween('2021-01-01', '2020-01-01'), -366);
  assert.throws(() => addDays('2020-13-45', 1), /not an ISO date/);
});
