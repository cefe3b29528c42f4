import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapMeanCI, bootstrapP, percentileCI } from '../../../src/eval/stats/bootstrap.js';
import { Rng } from '../../../src/util/rng.js';

/** plain float64 mean and sample standard deviation (test-side reference) */
function meanSd(x: ArrayLike<number>): { mean: number; sd: number } {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]!;
  const mean = s / x.length;
  let ss = 0;
  for (let i = 0; i < x.length; i++) ss += (x[i]! - mean) ** 2;
  return { mean, sd: Math.sqrt(ss / (x.length - 1)) };
}

/** numpy-style type-7 quantile of a sorted array (test-side reference) */
function quantileSorted(x: Float64Array, q: number): number {
  const h = (x.length - 1) * q;
  const lo = Math.floor(h);
  return lo + 1 < x.length ? x[lo]! + (h - lo) * (x[lo + 1]! - x[lo]!) : x[lo]!;
}

test('bootstrapMeanCI: a degenerate sample (all equal) gives that value as mean and both bounds', () => {
  const x = new Array(25).fill(0.37);
  const strata = x.map((_, i) => i % 3);
  const r = bootstrapMeanCI(x, { seed: 1, resamples: 500, strata });
  assert.equal(r.mean, 0.37);
  assert.equal(r.lower, 0.37);
  assert.equal(r.upper, 0.37);
  // every resampled mean is > 0: #{<= 0} = 0 -> p = 2 (0 + 1) / (500 + 1)
  assert.equal(r.p, 2 / 501);
  // all zero: #{<= 0} = #{>= 0} = B -> p = min(1, 2) = 1
  assert.equal(bootstrapMeanCI([0, 0, 0], { seed: 1, resamples: 100 }).p, 1);
});

test('bootstrapMeanCI: a large normal sample gives about mean ± 1.96 sd / sqrt(n)', () => {
  const rng = new Rng(2024);
  const x = Array.from({ length: 400 }, () => rng.normal(0.3, 0.2));
  const { mean, sd } = meanSd(x);
  const half = (1.96 * sd) / Math.sqrt(x.length);
  const r = bootstrapMeanCI(x, { seed: 7 });
  assert.equal(r.resamples, 10000);
  assert.ok(Math.abs(r.mean - mean) < 1e-12);
  assert.ok(Math.abs(r.lower - (mean - half)) < 0.1 * half, `lower ${r.lower} vs ${mean - half}`);
  assert.ok(Math.abs(r.upper - (mean + half)) < 0.1 * half, `upper ${r.upper} vs ${mean + half}`);
  assert.ok(Math.abs((r.upper - r.lower) / 2 - half) < 0.1 * half);
});

test('bootstrapMeanCI: the 95% interval covers the true mean in 90-99% of 200 simulated data sets', () => {
  const rng = new Rng(99);
  let covered = 0;
  for (let k = 0; k < 200; k++) {
    const x = Array.from({ length: 50 }, () => rng.normal(0.1, 0.3));
    const r = bootstrapMeanCI(x, { seed: k, resamples: 1000 });
    if (r.lower <= 0.1 && 0.1 <= r.upper) covered++;
  }
  assert.ok(covered >= 180 && covered <= 198, `covered ${covered} of 200`);
});

test('bootstrapMeanCI: stratified resampling keeps each fold its size, and is narrower than unstratified', () => {
  // fold 0 near 0, fold 1 near 1 (20 cases each): a resample with 20 + 20 cases has a mean in
  // [(min0 + min1) / 2, (max0 + max1) / 2] = [0.5, 0.519]; other fold counts would leave that range
  const rng = new Rng(3);
  const x = [
    ...Array.from({ length: 20 }, (_, i) => 0.001 * i),
    ...Array.from({ length: 20 }, (_, i) => 1 + 0.001 * i),
  ];
  rng.shuffle(x);
  const strata = x.map((v) => (v < 0.5 ? 0 : 1));
  const r = bootstrapMeanCI(x, { seed: 4, resamples: 2000, strata });
  for (const m of r.means) assert.ok(m >= 0.5 - 1e-12 && m <= 0.519 + 1e-12, `resampled mean ${m}`);
  // the unstratified percentile interval, by a plain loop: draw 40 of the 40 with replacement
  const B = 2000;
  const plain = new Float64Array(B);
  for (let b = 0; b < B; b++) {
    let s = 0;
    for (let k = 0; k < x.length; k++) s += x[rng.int(0, x.length)]!;
    plain[b] = s / x.length;
  }
  plain.sort();
  const [plo, phi] = [quantileSorted(plain, 0.025), quantileSorted(plain, 0.975)];
  assert.ok(phi - plo > 0.2, `unstratified width ${phi - plo}`); // ~ 2 * 1.96 * 0.5 / sqrt(40) = 0.31
  assert.ok(r.upper - r.lower < 0.01, `stratified width ${r.upper - r.lower}`);
  assert.ok(r.lower <= r.mean && r.mean <= r.upper);
});

test('bootstrapP and percentileCI: hand-computed values', () => {
  // #{<= 0} = 2 (-1, 0), #{>= 0} = 3 -> min(1, 2 * 3 / 5) = 1
  assert.equal(bootstrapP([-1, 0, 1, 2]), 1);
  // #{<= 0} = 1 -> 2 * 2 / 6
  assert.equal(bootstrapP([1, 2, 3, 4, -1]), 4 / 6);
  // #{>= 0} = 0 -> 2 * 1 / 4
  assert.equal(bootstrapP([-1, -2, -3]), 0.5);
  // 0..100: the 5th and 95th percentiles are 5 and 95; level 0.95 on 0..40: h = 40 * 0.025 = 1, 40 * 0.975 = 39
  const near = ([lo, hi]: [number, number], [a, b]: [number, number]) =>
    assert.ok(Math.abs(lo - a) < 1e-9 && Math.abs(hi - b) < 1e-9, `[${lo}, ${hi}] vs [${a}, ${b}]`);
  near(
    percentileCI(
      Array.from({ length: 101 }, (_, i) => 100 - i),
      0.9,
    ),
    [5, 95],
  );
  near(
    percentileCI(
      Array.from({ length: 41 }, (_, i) => i),
      0.95,
    ),
    [1, 39],
  );
  // between order statistics: 0, 10, 20, 30 at level 0.5: h = 3 * 0.25 = 0.75 -> 7.5, h = 2.25 -> 22.5
  near(percentileCI([30, 0, 20, 10], 0.5), [7.5, 22.5]);
});

test('bootstrapMeanCI: same seed and stream -> identical output; another stream draws differently', () => {
  const rng = new Rng(8);
  const x = Array.from({ length: 60 }, () => rng.normal(0, 1));
  const strata = x.map((_, i) => i % 5);
  const a = bootstrapMeanCI(x, { seed: 3, resamples: 300, strata, stream: 'bootstrap|pcl|1' });
  const b = bootstrapMeanCI(x, { seed: 3, resamples: 300, strata, stream: 'bootstrap|pcl|1' });
  assert.deepEqual(a, b);
  const c = bootstrapMeanCI(x, { seed: 3, resamples: 300, strata, stream: 'bootstrap|pcl|2' });
  assert.notDeepEqual(a.means, c.means);
  const d = bootstrapMeanCI(x, { seed: 4, resamples: 300, strata, stream: 'bootstrap|pcl|1' });
  assert.notDeepEqual(a.means, d.means);
});

test('bootstrapMeanCI: clear errors for empty input, bad strata, bad level, non-finite values', () => {
  assert.throws(() => bootstrapMeanCI([], { seed: 0 }), /no values/);
  assert.throws(() => bootstrapMeanCI([1, 2], { seed: 0, strata: [0] }), /1 strata for 2 values/);
  assert.throws(() => bootstrapMeanCI([1, 2], { seed: 0, level: 1 }), /level must be in \(0, 1\)/);
  assert.throws(() => bootstrapMeanCI([1, NaN], { seed: 0 }), /value 1 is NaN/);
  assert.throws(() => bootstrapMeanCI([1, 2], { seed: 0, resamples: 0 }), /resamples/);
});
