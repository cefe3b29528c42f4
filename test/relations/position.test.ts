import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  POSITION_THRESHOLD_CT,
  POSITION_THRESHOLD_MRI,
  positionRelation,
  slicePosition,
} from '../../src/relations/position.js';
import { Rng } from '../../src/util/rng.js';
import { loopMask, toRows } from './helpers.js';

test('paper defaults: t = 0.1 (CT) and 0.35 (MRI)', () => {
  assert.equal(POSITION_THRESHOLD_CT, 0.1);
  assert.equal(POSITION_THRESHOLD_MRI, 0.35);
});

test('slicePosition = (index + 1) / slices', () => {
  assert.equal(slicePosition(0, 10), 0.1);
  assert.equal(slicePosition(9, 10), 1);
  assert.equal(slicePosition(4, 8), 5 / 8);
});

test('positionRelation on hand-made slices, compared with a double loop in exact integer arithmetic', () => {
  // (sliceIndex, slicesInVolume) from volumes of different depths
  const s = [
    [0, 10], // pos 0.1
    [1, 10], // pos 0.2
    [2, 20], // pos 0.15
    [9, 10], // pos 1.0
    [19, 20], // pos 1.0
    [5, 40], // pos 0.15
    [3, 10], // pos 0.4
    [6, 20], // pos 0.35
  ] as const;
  const samples = s.map(([sliceIndex, slicesInVolume], i) => ({ sliceIndex, slicesInVolume, volume: i % 3 }));
  for (const t of [0.1, 0.35, 0.05]) {
    // |(a+1)/n - (b+1)/m| < t  <=>  |(a+1)m - (b+1)n| * 1000 < t*1000 * n m, all integers (t has <= 3 decimals)
    const T = Math.round(t * 1000);
    const expected = loopMask(s.length, (i, j) => {
      const [a, n] = s[i]!;
      const [b, m] = s[j]!;
      return Math.abs((a + 1) * m - (b + 1) * n) * 1000 < T * n * m;
    });
    assert.deepEqual(toRows(positionRelation(samples, { threshold: t })), expected, `t=${t}`);
  }
  // hand checks at t = 0.1: 0.1 vs 0.15 positive, 0.1 vs 0.2 exactly t apart -> negative, 1.0 vs 1.0 positive
  const r = toRows(positionRelation(samples));
  assert.equal(r[0]![2], 1);
  assert.equal(r[0]![1], 0);
  assert.equal(r[3]![4], 1);
  assert.equal(r[6]![7], 1); // |0.4 - 0.35| = 0.05
});

test('positionRelation: exact ties at t are negative whatever float rounding does', () => {
  // 0.3 - 0.2 = 0.09999999999999998 in float64, 0.2 - 0.1 = 0.1: both are exact ties of t = 0.1
  const samples = [
    { sliceIndex: 1, slicesInVolume: 10 },
    { sliceIndex: 2, slicesInVolume: 10 },
    { sliceIndex: 0, slicesInVolume: 10 },
  ];
  const r = toRows(positionRelation(samples, { threshold: 0.1 }));
  assert.equal(r[0]![1], 0);
  assert.equal(r[1]![0], 0);
  assert.equal(r[0]![2], 0);
});

test('positionRelation on random slices agrees with an exact rational double loop', () => {
  const rng = new Rng(5);
  const samples = Array.from({ length: 60 }, () => {
    const slicesInVolume = rng.int(1, 300);
    return { sliceIndex: rng.int(0, slicesInVolume), slicesInVolume };
  });
  const expected = loopMask(samples.length, (i, j) => {
    const { sliceIndex: a, slicesInVolume: n } = samples[i]!;
    const { sliceIndex: b, slicesInVolume: m } = samples[j]!;
    return Math.abs((a + 1) * m - (b + 1) * n) * 100 < 35 * n * m;
  });
  assert.deepEqual(toRows(positionRelation(samples, { threshold: 0.35 })), expected);
});

test('positionRelation validates its inputs', () => {
  assert.throws(
    () => positionRelation([{ sliceIndex: 0 }]),
    /positionRelation: samples\[0\]\.slicesInVolume: required/,
  );
  assert.throws(
    () => positionRelation([{ sliceIndex: 10, slicesInVolume: 10 }]),
    /samples\[0\]\.sliceIndex: expected an integer in \[0, 9\], got 10/,
  );
  assert.throws(
    () => positionRelation([{ sliceIndex: 0, slicesInVolume: 0 }]),
    /slicesInVolume: expected an integer >= 1/,
  );
  assert.throws(() => positionRelation([], { threshold: 0 }), /threshold/);
});
