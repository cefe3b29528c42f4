import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  aggregate,
  computeDice,
  computeHausdorff,
  DiceMetric,
  HausdorffMetric,
  type ClassResult,
  type MetricResult,
  type SegmentationMetric,
} from '../../../src/eval/metrics/index.js';

const shape = [1, 4];
const map = (v: number[]) => ({ data: new Uint8Array(v), shape, spacing: [1, 1] });

test('aggregate: per-class mean, population and sample std, included/excluded/absent counts (hand computed)', () => {
  // case A: class 1 Dice 2*1/(2+1) = 2/3, class 2 Dice 1 (identical)
  // case B: class 1 Dice 1, class 2 pred-empty -> 0
  // case C: class 1 both empty -> excluded; class 2 absent from both and not requested -> absent
  const opts = { bothEmpty: 'exclude' as const };
  const a = computeDice(map([1, 1, 2, 0]), map([1, 0, 2, 0]), opts);
  const b = computeDice(map([1, 0, 0, 0]), map([1, 0, 2, 0]), opts);
  const c = computeDice(map([0, 0, 0, 0]), map([0, 0, 0, 0]), { ...opts, classes: [1] });
  const agg = aggregate([a, b, c]);
  assert.equal(agg.metric, 'dice');
  assert.equal(agg.cases, 3);
  const [c1, c2] = agg.classes;
  assert.equal(c1!.classId, 1);
  assert.equal(c1!.included, 2);
  assert.equal(c1!.excluded, 1);
  assert.equal(c1!.absent, 0);
  assert.deepEqual(c1!.statusCounts, { ok: 2, 'both-empty': 1, 'pred-empty': 0, 'ref-empty': 0 });
  const m1 = (2 / 3 + 1) / 2;
  assert.ok(Math.abs(c1!.values.dice.mean! - m1) < 1e-15);
  assert.ok(Math.abs(c1!.values.dice.std! - Math.sqrt(((2 / 3 - m1) ** 2 + (1 - m1) ** 2) / 2)) < 1e-15);
  assert.equal(c1!.values.dice.count, 2);
  assert.equal(c2!.classId, 2);
  assert.equal(c2!.absent, 1);
  assert.equal(c2!.statusCounts['pred-empty'], 1);
  assert.ok(Math.abs(c2!.values.dice.mean! - 0.5) < 1e-15);
  // class means per case: A (2/3 + 1)/2 = 5/6, B (1 + 0)/2 = 1/2, C none -> excluded
  assert.equal(agg.classMean.included, 2);
  assert.equal(agg.classMean.excluded, 1);
  assert.ok(Math.abs(agg.classMean.values.dice.mean! - (5 / 6 + 1 / 2) / 2) < 1e-15);
  const sample = aggregate([a, b, c], { std: 'sample' });
  assert.ok(Math.abs(sample.classMean.values.dice.std! - Math.sqrt(((5 / 6 - 2 / 3) ** 2 * 2) / 1)) < 1e-15);
});

test('aggregate: nothing included gives null statistics, not NaN; a single case has no sample std', () => {
  const z = computeDice(map([0, 0, 0, 0]), map([0, 0, 0, 0]), { classes: [1], bothEmpty: 'exclude' });
  const agg = aggregate([z]);
  assert.deepEqual(agg.classes[0]!.values.dice, { mean: null, std: null, count: 0 });
  assert.deepEqual(agg.classMean.values.dice, { mean: null, std: null, count: 0 });
  const one = aggregate([computeDice(map([1, 0, 0, 0]), map([1, 0, 0, 0]))], { std: 'sample' });
  assert.deepEqual(one.classes[0]!.values.dice, { mean: 1, std: null, count: 1 });
  const pop = aggregate([computeDice(map([1, 0, 0, 0]), map([1, 0, 0, 0]))]);
  assert.deepEqual(pop.classes[0]!.values.dice, { mean: 1, std: 0, count: 1 });
});

test('aggregate: works uniformly for Hausdorff (all three values) and refuses mixed metrics or no results', () => {
  const h1 = computeHausdorff(map([1, 0, 0, 0]), map([0, 0, 0, 1])); // distance 3
  const h2 = computeHausdorff(map([1, 0, 0, 0]), map([0, 1, 0, 0])); // distance 1
  const agg = aggregate([h1, h2]);
  assert.deepEqual(agg.valueNames, ['hd', 'hd95', 'assd']);
  for (const v of ['hd', 'hd95', 'assd'] as const)
    assert.deepEqual(agg.classes[0]!.values[v], { mean: 2, std: 1, count: 2 });
  const d = computeDice(map([1, 0, 0, 0]), map([1, 0, 0, 0]));
  assert.throws(
    () => aggregate([h1, d] as MetricResult<string, ClassResult<string>>[]),
    /aggregate: result 1 is 'dice' but result 0 is 'hausdorff'/,
  );
  assert.throws(() => aggregate([]), /no results/);
});

test('one metric interface: experiment code can loop over metrics', () => {
  const metrics: SegmentationMetric<string>[] = [new DiceMetric(), new HausdorffMetric({ oneEmpty: 'exclude' })];
  const out = metrics.map((m) => m.compute(map([1, 1, 0, 0]), map([0, 1, 1, 0])));
  assert.deepEqual(
    out.map((r) => r.metric),
    ['dice', 'hausdorff'],
  );
  assert.equal(out[0]!.classMean!['dice'], 0.5);
  assert.equal(out[1]!.classMean!['hd'], 1);
});
