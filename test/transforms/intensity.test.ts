import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, tidy } from '../../src/engine/index.js';
import type { Transform } from '../../src/transforms/batch.js';
import { Rng } from '../../src/util/rng.js';
import { RandomBrightness, RandomContrast, RandomGamma, RandomGaussianNoise } from '../../src/transforms/intensity.js';
import { assertClose, randomArray } from '../engine/helpers.js';

const N = 6;
const C = 2;
const H = 4;
const W = 5;
const PLANE = H * W;

/**
 * The documented draw order: per sample, `rng.next() < p`, then the value U(low, high). Returns the per-sample value
 * or null for skipped samples.
 */
function expectedDraws(seed: number, p: number, range: readonly [number, number]): (number | null)[] {
  const rng = new Rng(seed);
  const out: (number | null)[] = [];
  for (let i = 0; i < N; i++) {
    const applied = rng.next() < p;
    const v = rng.uniform(range[0], range[1]);
    out.push(applied ? v : null);
  }
  return out;
}

function run(t: Transform, img: number[], seed: number, label?: number[]): { image: number[]; label?: number[] } {
  return tidy(() => {
    const out = t.apply(
      {
        image: tensor(img, { shape: [N, C, H, W], dtype: 'float64' }),
        ...(label ? { label: tensor(label, { shape: [N, H, W], dtype: 'int64' }) } : {}),
      },
      new Rng(seed),
    );
    return { image: out.image.toArray(), ...(out.label ? { label: out.label.toArray() } : {}) };
  });
}

/** applies f(x, value, sample, channel) element-wise with plain loops; skipped samples are copied */
function ref(
  img: number[],
  draws: (number | null)[],
  f: (x: number, v: number, values: number[]) => number,
  per: 'channel' | 'sample',
): number[] {
  const out = [...img];
  for (let i = 0; i < N; i++) {
    const v = draws[i];
    if (v === null || v === undefined) continue;
    const groups = per === 'channel' ? C : 1;
    const len = (C * PLANE) / groups;
    for (let g = 0; g < groups; g++) {
      const start = i * C * PLANE + g * len;
      const values = img.slice(start, start + len);
      for (let k = 0; k < len; k++) out[start + k] = f(values[k]!, v, values);
    }
  }
  return out;
}

const IMG = randomArray(new Rng(42), N * C * PLANE, -0.5, 1.5);
const LABEL = Array.from({ length: N * PLANE }, (_, i) => i % 3);

test('brightness (additive and multiplicative) vs hand formulas, per sample with probability', () => {
  const draws = expectedDraws(3, 0.5, [-0.3, 0.3]);
  assert.ok(draws.some((d) => d === null) && draws.some((d) => d !== null), 'seed exercises both branches');
  const out = run(new RandomBrightness({ p: 0.5, range: [-0.3, 0.3] }), IMG, 3, LABEL);
  assertClose(
    out.image,
    ref(IMG, draws, (x, b) => x + b, 'sample'),
    { atol: 1e-12 },
  );
  assert.deepEqual(out.label, LABEL);
  const mult = run(new RandomBrightness({ p: 0.5, range: [0.6, 1.4], mode: 'multiplicative' }), IMG, 3);
  assertClose(
    mult.image,
    ref(IMG, expectedDraws(3, 0.5, [0.6, 1.4]), (x, b) => x * b, 'sample'),
    { atol: 1e-12 },
  );
});

test('contrast: m + c (x - m) with m the per-channel mean of each sample', () => {
  const draws = expectedDraws(8, 0.7, [0.5, 2]);
  assert.ok(draws.includes(null) && draws.some((d) => d !== null), 'seed exercises both branches');
  const out = run(new RandomContrast({ p: 0.7, factor: [0.5, 2] }), IMG, 8, LABEL);
  const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
  assertClose(
    out.image,
    ref(IMG, draws, (x, c, vals) => mean(vals) + c * (x - mean(vals)), 'channel'),
    {
      atol: 1e-12,
    },
  );
  assert.deepEqual(out.label, LABEL);
  // skipped samples are bit-identical
  draws.forEach((d, i) => {
    if (d === null)
      assert.deepEqual(
        out.image.slice(i * C * PLANE, (i + 1) * C * PLANE),
        IMG.slice(i * C * PLANE, (i + 1) * C * PLANE),
      );
  });
});

test("gamma 'unit': clamp to [0, 1] then x^γ; 'minmax': per-sample [min, max] to [0, 1] and back", () => {
  const draws = expectedDraws(9, 0.6, [0.5, 2]);
  assert.ok(draws.includes(null) && draws.some((d) => d !== null), 'seed exercises both branches');
  const unit = run(new RandomGamma({ p: 0.6, gamma: [0.5, 2] }), IMG, 9);
  assertClose(
    unit.image,
    ref(IMG, draws, (x, g) => Math.min(Math.max(x, 0), 1) ** g, 'sample'),
    { atol: 1e-12 },
  );
  assert.ok(
    unit.image.every((v) => Number.isFinite(v)),
    'no NaN from negative inputs',
  );
  const mm = run(new RandomGamma({ p: 0.6, gamma: [0.5, 2], domain: 'minmax' }), IMG, 9);
  const expected = ref(
    IMG,
    draws,
    (x, g, vals) => {
      const lo = Math.min(...vals);
      const hi = Math.max(...vals);
      return ((x - lo) / (hi - lo)) ** g * (hi - lo) + lo;
    },
    'sample',
  );
  assertClose(mm.image, expected, { atol: 1e-12 });
  // a constant sample stays constant (no 0/0)
  const constant = new Array<number>(N * C * PLANE).fill(0.25);
  const c = run(new RandomGamma({ gamma: [2, 3], domain: 'minmax' }), constant, 1);
  assert.deepEqual(c.image, constant);
});

test('Gaussian noise: unselected samples exact, selected have the drawn std; deterministic per seed', () => {
  const n = N;
  const big = 64 * 64;
  const img = new Array<number>(n * big).fill(0.5);
  const draws = expectedDraws(10, 0.5, [0.1, 0.3]);
  assert.ok(draws.includes(null) && draws.some((d) => d !== null), 'seed exercises both branches');
  const t = new RandomGaussianNoise({ p: 0.5, std: [0.1, 0.3] });
  const once = (seed: number): number[] =>
    tidy(() =>
      t.apply({ image: tensor(img, { shape: [n, 1, 64, 64], dtype: 'float64' }) }, new Rng(seed)).image.toArray(),
    );
  const a = once(10);
  assert.deepEqual(a, once(10));
  assert.notDeepEqual(a, once(11));
  for (let i = 0; i < n; i++) {
    const s = a.slice(i * big, (i + 1) * big).map((v) => v - 0.5);
    const d = draws[i];
    if (d === null || d === undefined) {
      assert.ok(
        s.every((v) => v === 0),
        `sample ${i} skipped but changed`,
      );
      continue;
    }
    const m = s.reduce((p, q) => p + q, 0) / big;
    const sd = Math.sqrt(s.reduce((p, q) => p + (q - m) ** 2, 0) / (big - 1));
    // 4096 draws: the sample std is within ~3% of σ, the mean within ~4σ/64
    assert.ok(Math.abs(sd / d - 1) < 0.05, `sample ${i}: std ${sd} vs drawn ${d}`);
    assert.ok(Math.abs(m) < (4 * d) / 64, `sample ${i}: mean ${m}`);
  }
});

test('intensity transforms: validation', () => {
  assert.throws(() => new RandomGamma({ gamma: [0, 1] }), /RandomGamma: gamma: low must be > 0/);
  assert.throws(() => new RandomGamma({ gamma: [1, 2], domain: 'log' as 'unit' }), /RandomGamma: domain/);
  assert.throws(() => new RandomGaussianNoise({ std: [-1, 1] }), /RandomGaussianNoise: std/);
  assert.throws(() => new RandomContrast({ factor: [2, 1] }), /RandomContrast: factor/);
  assert.throws(() => new RandomBrightness({ range: [0, Number.NaN] }), /RandomBrightness: range/);
  assert.throws(() => new RandomBrightness({ range: [0, 1], p: 1.5 }), /RandomBrightness: p/);
});
