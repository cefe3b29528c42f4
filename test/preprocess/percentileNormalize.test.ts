import { test } from 'node:test';
import assert from 'node:assert/strict';
import { percentileNormalize } from '../../src/preprocess/percentileNormalize.js';
import { Rng } from '../../src/util/rng.js';
import { makeImage } from './fixtures.js';

function sortedPercentile(values: ArrayLike<number>, p: number): number {
  const a = Float64Array.from(values as ArrayLike<number>).sort();
  const r = (p / 100) * (a.length - 1);
  const i = Math.floor(r);
  const j = Math.min(i + 1, a.length - 1);
  return a[i]! + (a[j]! - a[i]!) * (r - i);
}

function ctVolume(seed: number): Int16Array {
  const rng = new Rng(seed);
  return Int16Array.from({ length: 8 * 12 * 10 }, () => (rng.next() < 0.4 ? -1024 : Math.round(rng.normal(40, 200))));
}

test('min-max after clipping to the 1st/99th percentile equals a float64 reference', () => {
  const data = ctVolume(1);
  const img = makeImage(data, [8, 12, 10], { spacing: [2, 0.8, 0.8], source: '/chd/ct_1.nii.gz' });
  const r = percentileNormalize(img);
  const lo = sortedPercentile(data, 1),
    hi = sortedPercentile(data, 99);
  assert.ok(Math.abs(r.clip[0] - lo) < 1e-9 && Math.abs(r.clip[1] - hi) < 1e-9);
  assert.equal(r.background, 0);
  assert.ok(r.image.data instanceof Float32Array);
  assert.deepEqual(r.image.shape, [8, 12, 10]);
  assert.equal(r.image.source, '/chd/ct_1.nii.gz');
  let min = Infinity,
    max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const want = (Math.min(Math.max(data[i]!, lo), hi) - lo) / (hi - lo);
    assert.ok(Math.abs(r.image.data[i]! - want) < 1e-6);
    min = Math.min(min, r.image.data[i]!);
    max = Math.max(max, r.image.data[i]!);
  }
  assert.equal(min, 0);
  assert.equal(max, 1);
});

test('z-score of the clipped values, population std; background = normalised lower bound', () => {
  const data = ctVolume(2);
  const img = makeImage(data, [8, 12, 10]);
  const r = percentileNormalize(img, { low: 2, high: 98, normalization: 'zscore' });
  const lo = sortedPercentile(data, 2),
    hi = sortedPercentile(data, 98);
  const c = Array.from(data, (x) => Math.min(Math.max(x, lo), hi));
  const mean = c.reduce((a, b) => a + b, 0) / c.length;
  const std = Math.sqrt(c.reduce((a, b) => a + (b - mean) ** 2, 0) / c.length);
  for (let i = 0; i < c.length; i++) assert.ok(Math.abs(r.image.data[i]! - (c[i]! - mean) / std) < 1e-5);
  assert.ok(Math.abs(r.background - (lo - mean) / std) < 1e-12);
});

test('a constant image normalises to zeros, not NaN', () => {
  const img = makeImage(new Float32Array(27).fill(-1024), [3, 3, 3]);
  for (const normalization of ['minmax', 'zscore'] as const) {
    const r = percentileNormalize(img, { normalization });
    assert.ok(Array.from(r.image.data).every((v) => v === 0));
    assert.equal(r.background, 0);
  }
});

test('invalid options are rejected naming the parameter and the source', () => {
  const img = makeImage(new Float32Array(8), [2, 2, 2], { source: '/acdc/p1.nii.gz' });
  assert.throws(
    () => percentileNormalize(img, { low: 99, high: 1 }),
    /^RangeError: percentileNormalize: \/acdc\/p1\.nii\.gz: need 0 <= low < high <= 100, got low 99, high 1/,
  );
  assert.throws(() => percentileNormalize(img, { high: 101 }), /need 0 <= low < high <= 100/);
  assert.throws(
    () => percentileNormalize(img, { normalization: 'robust' as 'zscore' }),
    /normalization must be 'minmax' or 'zscore'/,
  );
  const nan = makeImage(Float32Array.from([0, 1, Number.NaN, 2]), [4], { source: '/acdc/p2.nii.gz' });
  assert.throws(() => percentileNormalize(nan), /percentileNormalize: \/acdc\/p2\.nii\.gz: value at index 2 is NaN/);
});
