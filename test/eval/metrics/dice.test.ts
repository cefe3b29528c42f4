import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DiceMetric, computeDice, type SegmentationMetric } from '../../../src/eval/metrics/index.js';
import { Rng } from '../../../src/util/rng.js';
import { randomLabels } from './reference.js';
import type { Image } from '../../../src/io/image.js';

function countDice(
  pred: ArrayLike<number>,
  ref: ArrayLike<number>,
  c: number,
): { dice: number | null; tp: number; p: number; r: number } {
  let tp = 0;
  let p = 0;
  let r = 0;
  for (let i = 0; i < pred.length; i++) {
    if (pred[i] === c) p++;
    if (ref[i] === c) r++;
    if (pred[i] === c && ref[i] === c) tp++;
  }
  return { dice: p + r === 0 ? null : (2 * tp) / (p + r), tp, p, r };
}

test('Dice per class and class mean equal counting, 2D and 3D random label maps, several seeds', () => {
  for (const shape of [
    [31, 27],
    [8, 13, 11],
  ]) {
    for (const seed of [1, 2, 3, 4]) {
      const rng = new Rng(seed);
      const numClasses = 4;
      const pred = randomLabels(rng, shape, numClasses, 0.1);
      const ref = randomLabels(rng, shape, numClasses, 0.1);
      const r = computeDice({ data: pred, shape }, { data: ref, shape }, { numClasses });
      assert.deepEqual(
        r.classes.map((c) => c.classId),
        [1, 2, 3],
      );
      let sum = 0;
      for (const c of r.classes) {
        const want = countDice(pred, ref, c.classId);
        const expected = want.dice ?? 1;
        assert.ok(Math.abs(c.values!.dice - expected) < 1e-12, `seed ${seed} class ${c.classId}`);
        assert.equal(c.tp, want.tp);
        assert.equal(c.fp, want.p - want.tp);
        assert.equal(c.fn, want.r - want.tp);
        assert.equal(c.predVoxels, want.p);
        assert.equal(c.refVoxels, want.r);
        sum += expected;
      }
      assert.ok(Math.abs(r.classMean!.dice - sum / 3) < 1e-12);
    }
  }
});

test('Dice hand case and background inclusion', () => {
  // pred: 1 1 2 0 ; ref: 1 0 2 2
  const shape = [2, 2];
  const pred = { data: new Uint8Array([1, 1, 2, 0]), shape };
  const ref = { data: new Uint8Array([1, 0, 2, 2]), shape };
  const r = computeDice(pred, ref);
  assert.deepEqual(
    r.classes.map((c) => [c.classId, c.values!.dice]),
    [
      [1, 2 / 3],
      [2, 2 / 3],
    ],
  );
  const withBg = computeDice(pred, ref, { includeBackground: true });
  assert.deepEqual(
    withBg.classes.map((c) => [c.classId, c.values!.dice]),
    [
      [0, 0],
      [1, 2 / 3],
      [2, 2 / 3],
    ],
  );
  const only2 = computeDice(pred, ref, { classes: [2] });
  assert.deepEqual(
    only2.classes.map((c) => c.classId),
    [2],
  );
});

test('Dice empty-mask policy: one empty is 0 and included, both empty is 1 or excluded, never NaN', () => {
  const shape = [3, 3];
  const pred = { data: new Uint8Array([1, 1, 0, 0, 0, 0, 0, 0, 0]), shape };
  const ref = { data: new Uint8Array([0, 0, 0, 0, 2, 0, 0, 0, 0]), shape };
  const r = computeDice(pred, ref, { numClasses: 4 });
  assert.deepEqual(
    r.classes.map((c) => [c.classId, c.status, c.included, c.values?.dice ?? null]),
    [
      [1, 'ref-empty', true, 0],
      [2, 'pred-empty', true, 0],
      [3, 'both-empty', true, 1],
    ],
  );
  assert.ok(Math.abs(r.classMean!.dice - 1 / 3) < 1e-15);
  const x = new DiceMetric({ bothEmpty: 'exclude' }).compute(pred, ref, { numClasses: 4 });
  assert.equal(x.classes[2]!.values, null);
  assert.equal(x.classes[2]!.included, false);
  assert.equal(x.excludedClasses, 1);
  assert.equal(x.classMean!.dice, 0);
  // all background, nothing reported without numClasses: no classes, classMean null
  const z = { data: new Uint8Array(9), shape };
  const e = computeDice(z, z);
  assert.equal(e.classes.length, 0);
  assert.equal(e.classMean, null);
  // excluded only: null mean
  const ex = computeDice(z, z, { numClasses: 2, bothEmpty: 'exclude' });
  assert.equal(ex.classMean, null);
  assert.equal(ex.excludedClasses, 1);
  // explicit class beyond every label present
  const far = computeDice(pred, ref, { classes: [7] });
  assert.equal(far.classes[0]!.status, 'both-empty');
});

test('Dice accepts any integer typed array and an Image-like map, float labels when whole', () => {
  const shape = [2, 3];
  const a = computeDice(
    { data: new Float32Array([0, 1, 1, 2, 2, 0]), shape, spacing: [1, 1] },
    { data: new Int16Array([0, 1, 0, 2, 2, 2]), shape },
  );
  assert.deepEqual(
    a.classes.map((c) => c.values!.dice),
    [2 / 3, 0.8],
  );
});

test('Dice takes an Image from src/io/image.ts as it is', () => {
  const img = (v: number[]): Image<Uint8Array> => ({
    data: new Uint8Array(v),
    shape: [1, 2, 2],
    spacing: [3, 1, 1],
    origin: [0, 0, 0],
    direction: [1, 0, 0, 0, 1, 0, 0, 0, 1],
  });
  const r = new DiceMetric().compute(img([1, 1, 0, 0]), img([1, 0, 0, 0]));
  assert.equal(r.classes[0]!.values!.dice, 2 / 3);
  assert.deepEqual(r.spacing, [3, 1, 1]);
});

test('Dice validation errors', () => {
  const m: SegmentationMetric<'dice'> = new DiceMetric();
  const a = { data: new Uint8Array(6), shape: [2, 3] };
  assert.throws(
    () => m.compute(a, { data: new Uint8Array(6), shape: [3, 2] }),
    /dice: shapes differ: pred \[2, 3\] vs ref \[3, 2\]/,
  );
  assert.throws(
    () => m.compute(a, { data: new Uint8Array(6), shape: [1, 2, 3] }),
    /dice: shapes differ: pred \[2, 3\] vs ref \[1, 2, 3\]/,
  );
  assert.throws(
    () => m.compute(a, { data: new Float64Array([0, 0, 0.5, 0, 0, 0]), shape: [2, 3] }),
    /dice: ref: label 0.5 at voxel 2/,
  );
  assert.throws(
    () => m.compute(a, { data: new Float64Array([0, 0, NaN, 0, 0, 0]), shape: [2, 3] }),
    /dice: ref: label NaN at voxel 2/,
  );
  assert.throws(
    () => m.compute({ ...a, spacing: [1, 1, 1] }, a),
    /dice: pred: spacing \[1, 1, 1\] has 3 entries but shape \[2, 3\] has 2 axes/,
  );
  assert.throws(() => m.compute({ ...a, spacing: [1, -1] }, a), /must be finite and positive/);
  assert.throws(
    () => m.compute({ data: new Uint8Array([0, 0, 3, 0, 0, 0]), shape: [2, 3] }, a, { numClasses: 3 }),
    /dice: pred: label 3 is out of range for numClasses 3/,
  );
  assert.throws(() => m.compute(a, a, { classes: [1.5] }), /options.classes has 1.5/);
  assert.throws(() => m.compute(a, a, { bothEmpty: 'skip' as never }), /bothEmpty/);
  assert.throws(
    () => m.compute(a, { data: new Int32Array([0, 70000, 0, 0, 0, 0]), shape: [2, 3] }),
    /dice: label 70000 is above 65535/,
  );
  assert.throws(() => m.compute(a, a, { numClasses: 0 }), /numClasses must be an integer in \[1, 65536\]/);
});
