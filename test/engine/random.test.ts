/**
 * Seeded random numbers: global seed, independent Generator streams, state save/restore, and the distributions of
 * rand/randn/randint/randperm/bernoulli/multinomial/uniform_/normal_ checked with moments and chi-square statistics
 * computed here in float64. Seeds are fixed, so the checks are deterministic; tolerances are about 5 standard errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Tensor,
  Generator,
  manualSeed,
  rand,
  randn,
  randint,
  randperm,
  bernoulli,
  multinomial,
  tensor,
  empty,
  full,
} from '../../src/engine/index.js';

const vals = (t: Tensor): Float64Array => t.toFloat64Array();
const same = (a: Tensor, b: Tensor): boolean => Buffer.from(a.data().buffer).equals(Buffer.from(b.data().buffer));

function moments(x: ArrayLike<number>): {
  mean: number;
  variance: number;
  skew: number;
  kurt: number;
} {
  const n = x.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += x[i]!;
  m /= n;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = x[i]! - m;
    m2 += d * d;
    m3 += d * d * d;
    m4 += d * d * d * d;
  }
  m2 /= n;
  m3 /= n;
  m4 /= n;
  return { mean: m, variance: m2, skew: m3 / m2 ** 1.5, kurt: m4 / (m2 * m2) };
}

/** Pearson's chi-square of observed counts against expected counts */
function chiSquare(observed: number[], expected: number[]): number {
  let s = 0;
  for (let i = 0; i < observed.length; i++) s += (observed[i]! - expected[i]!) ** 2 / expected[i]!;
  return s;
}

// 99.9999% quantiles of chi-square: df 9 -> 42.0, df 7 -> 37.3, df 4 -> 31.4, df 2 -> 27.6
const CHI2_MAX: Record<number, number> = { 2: 27.6, 4: 31.4, 7: 37.3, 9: 42.0 };

test('manualSeed makes the default stream reproducible', () => {
  manualSeed(7);
  const a = rand([100]);
  const b = randn([50]);
  const c = randint(0, 1000, [20]);
  const d = randperm(30);
  manualSeed(7);
  assert.ok(same(rand([100]), a));
  assert.ok(same(randn([50]), b));
  assert.ok(same(randint(0, 1000, [20]), c));
  assert.ok(same(randperm(30), d));
  manualSeed(8);
  assert.ok(!same(rand([100]), a));
  // without reseeding the stream moves on
  manualSeed(7);
  const first = rand([100]);
  assert.ok(!same(rand([100]), first));
});

test('Generator streams are reproducible and independent of other streams', () => {
  const g1 = new Generator(42);
  const g2 = new Generator(42);
  const g3 = new Generator(43);
  const a1 = rand([64], { generator: g1 });
  const a2 = rand([64], { generator: g2 });
  const a3 = rand([64], { generator: g3 });
  assert.ok(same(a1, a2), 'same seed, same stream');
  assert.ok(!same(a1, a3), 'different seed, different stream');
  assert.equal(g1.device, 'cpu');

  // g1 draws A then B; a fresh g(42) draws A, then other streams are used, then B: the same B
  const A = randn([32], { generator: new Generator(5) });
  const h1 = new Generator(5);
  const B1 = (randn([32], { generator: h1 }), randn([32], { generator: h1 }));
  const h2 = new Generator(5);
  assert.ok(same(randn([32], { generator: h2 }), A));
  manualSeed(99);
  rand([1000]);
  randn([100], { generator: g3 });
  randint(0, 5, [10], { generator: new Generator(5) });
  const B2 = randn([32], { generator: h2 });
  assert.ok(same(B1, B2));

  // drawing from a generator does not move the default stream
  manualSeed(11);
  const x = rand([16]);
  manualSeed(11);
  rand([1000], { generator: new Generator(11) });
  assert.ok(same(rand([16]), x));
});

test('getState/setState restores the exact stream (on the same or another generator)', () => {
  const g = new Generator(1);
  rand([17], { generator: g });
  const state = g.getState();
  assert.equal(state.dtype, 'uint8');
  assert.ok(state.numel > 0);
  const saved = state.clone();
  const a = rand([40], { generator: g });
  const b = randn([40], { generator: g });
  const c = randint(0, 100, [40], { generator: g });
  assert.ok(same(state, saved), 'the state tensor is a copy, not a live view');
  g.setState(state);
  assert.ok(same(rand([40], { generator: g }), a));
  assert.ok(same(randn([40], { generator: g }), b));
  assert.ok(same(randint(0, 100, [40], { generator: g }), c));
  const other = new Generator(12345);
  other.setState(state);
  assert.ok(same(rand([40], { generator: other }), a));
  assert.throws(() => g.setState(tensor([1, 2, 3])), Error);
});

test('rand: uniform on [0, 1): range, moments, histogram', () => {
  const n = 200_000;
  const x = rand([n], { generator: new Generator(2024) });
  assert.equal(x.dtype, 'float32');
  assert.deepEqual(x.shape, [n]);
  const v = vals(x);
  let lo = Infinity;
  let hi = -Infinity;
  for (const u of v) {
    lo = Math.min(lo, u);
    hi = Math.max(hi, u);
  }
  assert.ok(lo >= 0 && hi < 1, `range [${lo}, ${hi}]`);
  assert.ok(lo < 1e-3 && hi > 1 - 1e-3);
  const m = moments(v);
  assert.ok(Math.abs(m.mean - 0.5) < 5 * Math.sqrt(1 / 12 / n), `mean ${m.mean}`);
  assert.ok(Math.abs(m.variance - 1 / 12) < 5 * Math.sqrt(1 / 180 / n), `variance ${m.variance}`);
  const bins = new Array<number>(10).fill(0);
  for (const u of v) bins[Math.floor(u * 10)]!++;
  assert.ok(chiSquare(bins, new Array(10).fill(n / 10)) < CHI2_MAX[9]!, `bins ${bins}`);
  // shape and dtype options
  const d = rand([3, 4], { dtype: 'float64', generator: new Generator(1) });
  assert.deepEqual(d.shape, [3, 4]);
  assert.equal(d.dtype, 'float64');
});

test('randn: standard normal moments and the 1-sigma mass', () => {
  const n = 200_000;
  const v = vals(randn([n], { generator: new Generator(77) }));
  const m = moments(v);
  assert.ok(Math.abs(m.mean) < 5 / Math.sqrt(n), `mean ${m.mean}`);
  assert.ok(Math.abs(m.variance - 1) < 5 * Math.sqrt(2 / n), `variance ${m.variance}`);
  assert.ok(Math.abs(m.skew) < 5 * Math.sqrt(6 / n), `skewness ${m.skew}`);
  assert.ok(Math.abs(m.kurt - 3) < 5 * Math.sqrt(24 / n), `kurtosis ${m.kurt}`);
  let inside = 0;
  for (const u of v) if (Math.abs(u) < 1) inside++;
  const p = 0.6826894921370859;
  assert.ok(Math.abs(inside / n - p) < 5 * Math.sqrt((p * (1 - p)) / n), `P(|z| < 1) = ${inside / n}`);
  // small draws (below the vectorised size) are normal too, and float64 works
  const small = vals(randn([8], { generator: new Generator(3), dtype: 'float64' }));
  assert.equal(small.length, 8);
  assert.ok(small.every((u) => Number.isFinite(u) && Math.abs(u) < 7));
});

test('randint: integers in [low, high), uniform over the range', () => {
  const n = 80_000;
  const t = randint(-3, 5, [n], { generator: new Generator(8) });
  assert.equal(t.dtype, 'int64');
  const v = vals(t);
  const counts = new Array<number>(8).fill(0);
  for (const u of v) {
    assert.ok(Number.isInteger(u) && u >= -3 && u < 5, `value ${u}`);
    counts[u + 3]!++;
  }
  assert.ok(
    counts.every((c) => c > 0),
    'every value occurs, including low and high - 1',
  );
  assert.ok(chiSquare(counts, new Array(8).fill(n / 8)) < CHI2_MAX[7]!, `counts ${counts}`);
  const i32 = randint(0, 2, [2, 3], {
    dtype: 'int32',
    generator: new Generator(1),
  });
  assert.equal(i32.dtype, 'int32');
  assert.deepEqual(i32.shape, [2, 3]);
  assert.ok(vals(i32).every((u) => u === 0 || u === 1));
});

test('randperm: a permutation, uniform over first positions', () => {
  const g = new Generator(31);
  const p = randperm(1000, { generator: g });
  assert.equal(p.dtype, 'int64');
  const v = Array.from(vals(p));
  assert.deepEqual(
    [...v].sort((a, b) => a - b),
    Array.from({ length: 1000 }, (_, i) => i),
  );
  assert.notDeepEqual(
    v.slice(0, 20),
    Array.from({ length: 20 }, (_, i) => i),
  );
  // the first element of randperm(5) is uniform over 0..4
  const trials = 2000;
  const first = new Array<number>(5).fill(0);
  for (let k = 0; k < trials; k++) {
    const q = randperm(5, { generator: g });
    first[q.toArray()[0]!]!++;
    q.dispose();
  }
  assert.ok(chiSquare(first, new Array(5).fill(trials / 5)) < CHI2_MAX[4]!, `first elements ${first}`);
});

test('bernoulli: 0/1 draws with the given probabilities, reproducible with a generator', () => {
  const n = 30_000;
  const ps = [0, 0.1, 0.5, 0.9, 1];
  const p = tensor(
    ps.flatMap((q) => new Array<number>(n).fill(q)),
    { shape: [5, n] },
  );
  const b = bernoulli(p, new Generator(4));
  assert.equal(b.dtype, 'float32');
  assert.deepEqual(b.shape, [5, n]);
  const v = vals(b);
  assert.ok(v.every((u) => u === 0 || u === 1));
  ps.forEach((q, r) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += v[r * n + i]!;
    const rate = s / n;
    if (q === 0 || q === 1) assert.equal(rate, q);
    else assert.ok(Math.abs(rate - q) < 5 * Math.sqrt((q * (1 - q)) / n), `p=${q}: rate ${rate}`);
  });
  assert.ok(same(bernoulli(p, new Generator(4)), b));
  const half = full([1000], 0.5);
  assert.ok(!same(bernoulli(half, new Generator(4)), bernoulli(half, new Generator(5))));
});

test('multinomial: frequencies with replacement, distinct draws without', () => {
  const probs = tensor([0.1, 0.2, 0.7]);
  const n = 30_000;
  const s = multinomial(probs, n, true, new Generator(6));
  assert.equal(s.dtype, 'int64');
  const counts = [0, 0, 0];
  for (const u of vals(s)) counts[u]!++;
  assert.ok(chiSquare(counts, [0.1 * n, 0.2 * n, 0.7 * n]) < CHI2_MAX[2]!, `counts ${counts}`);
  // unnormalised weights are fine
  const w = multinomial(tensor([1, 0, 3]), 1000, true, new Generator(6));
  assert.ok(vals(w).every((u) => u === 0 || u === 2));
  const perm = multinomial(tensor([0.2, 0.3, 0.5]), 3, false, new Generator(7));
  assert.deepEqual(
    Array.from(vals(perm)).sort((a, b) => a - b),
    [0, 1, 2],
  );
});

test('uniform_ and normal_ fill in place with the requested parameters', () => {
  const n = 100_000;
  const u = empty([n]);
  const r = u.uniform_(-2, 3, new Generator(9));
  assert.equal(r, u);
  const uv = vals(u);
  assert.ok(uv.every((x) => x >= -2 && x < 3));
  const mu = moments(uv);
  assert.ok(Math.abs(mu.mean - 0.5) < 5 * Math.sqrt(25 / 12 / n), `mean ${mu.mean}`);
  assert.ok(Math.abs(mu.variance - 25 / 12) < 5 * Math.sqrt(625 / 180 / n), `variance ${mu.variance}`);
  const z = empty([n], { dtype: 'float64' }).normal_(1, 2, new Generator(10));
  const mz = moments(vals(z));
  assert.ok(Math.abs(mz.mean - 1) < 5 * (2 / Math.sqrt(n)), `mean ${mz.mean}`);
  assert.ok(Math.abs(Math.sqrt(mz.variance) - 2) < 5 * (2 / Math.sqrt(2 * n)), `std ${Math.sqrt(mz.variance)}`);
  // same generator seed, same fill
  const a = empty([50]).normal_(0, 1, new Generator(3));
  const b = empty([50]).normal_(0, 1, new Generator(3));
  assert.ok(same(a, b));
});
