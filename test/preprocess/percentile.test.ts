import { test } from 'node:test';
import assert from 'node:assert/strict';
import { percentiles, select } from '../../src/preprocess/percentile.js';
import { Rng } from '../../src/util/rng.js';
import type { PixelArray } from '../../src/io/image.js';

/** numpy.percentile(method='linear') by a full sort, float64 */
function numpyPercentile(values: ArrayLike<number>, p: number): number {
  const a = Float64Array.from(values as ArrayLike<number>).sort();
  const r = (p / 100) * (a.length - 1);
  const i = Math.floor(r);
  const j = Math.min(i + 1, a.length - 1);
  return a[i]! + (a[j]! - a[i]!) * (r - i);
}

const PS = [0, 0.5, 1, 2.5, 10, 33.3, 50, 66.7, 90, 99, 99.5, 100];

function check(data: PixelArray, label: string): void {
  const before = Array.from(data);
  const got = percentiles(data, PS);
  PS.forEach((p, k) => {
    const want = numpyPercentile(data, p);
    assert.ok(Math.abs(got[k]! - want) <= 1e-9 * Math.max(1, Math.abs(want)), `${label} p${p}: ${got[k]} vs ${want}`);
  });
  assert.deepEqual(Array.from(data), before, `${label}: input modified`);
}

test('hand values (numpy: percentile(1..10, [1, 50, 99]) = 1.09, 5.5, 9.91)', () => {
  const a = Float64Array.from({ length: 10 }, (_, i) => i + 1);
  const [p1, p50, p99] = percentiles(a, [1, 50, 99]);
  assert.ok(Math.abs(p1! - 1.09) < 1e-12);
  assert.equal(p50, 5.5);
  assert.ok(Math.abs(p99! - 9.91) < 1e-12);
  assert.deepEqual(percentiles(Int16Array.from([7]), [0, 1, 50, 100]), [7, 7, 7, 7]);
  assert.deepEqual(percentiles(Uint8Array.from([4, 2]), [0, 25, 100]), [2, 2.5, 4]);
});

test('every array type matches a full-sort reference (random, ties, sorted, reversed)', () => {
  const rng = new Rng(7);
  const n = 5001;
  const make = <T extends PixelArray>(Ctor: new (n: number) => T, f: (i: number) => number): T => {
    const a = new Ctor(n);
    for (let i = 0; i < n; i++) a[i] = f(i);
    return a;
  };
  check(
    make(Float32Array, () => rng.normal(0, 300)),
    'float32 normal',
  );
  check(
    make(Float64Array, () => rng.uniform(-1, 1)),
    'float64 uniform',
  );
  check(
    make(Float32Array, () => (rng.next() < 0.6 ? -1024 : Math.round(rng.uniform(-100, 300)))),
    'float32 air-heavy ties',
  );
  check(
    make(Int16Array, () => (rng.next() < 0.6 ? -1024 : rng.int(-1000, 3000))),
    'int16 CT',
  );
  check(
    make(Uint16Array, () => rng.int(0, 65536)),
    'uint16',
  );
  check(
    make(Uint8Array, () => rng.int(0, 4)),
    'uint8 labels',
  );
  check(
    make(Int8Array, () => rng.int(-128, 128)),
    'int8',
  );
  check(
    make(Int32Array, () => rng.int(-1e9, 1e9)),
    'int32',
  );
  check(
    make(Uint32Array, () => rng.int(0, 4e9)),
    'uint32',
  );
  check(
    make(Float64Array, (i) => i),
    'sorted',
  );
  check(
    make(Float64Array, (i) => n - i),
    'reversed',
  );
  check(
    make(Float32Array, () => 3),
    'constant',
  );
  check(
    make(Float32Array, (i) => (i % 2 ? i : -i)),
    'organ pipe',
  );
});

test('a value range that overflows float64 (falls back to a full quickselect) and infinities', () => {
  const rng = new Rng(11);
  const a = Float64Array.from({ length: 999 }, () => rng.normal(0, 1));
  a[17] = -1e308;
  a[500] = 1e308;
  check(a, 'huge range');
  const inf = Float32Array.from([3, Number.NEGATIVE_INFINITY, 1, 2, Number.POSITIVE_INFINITY]);
  assert.deepEqual(percentiles(inf, [0, 25, 50, 75, 100]), [
    Number.NEGATIVE_INFINITY,
    1,
    2,
    3,
    Number.POSITIVE_INFINITY,
  ]);
});

test('select partitions around rank k', () => {
  const rng = new Rng(3);
  for (let trial = 0; trial < 20; trial++) {
    const n = 1 + rng.int(0, 300);
    const a = Float64Array.from({ length: n }, () => rng.int(0, 20));
    const sorted = Float64Array.from(a).sort();
    const k = rng.int(0, n);
    const v = select(a, k, 0, n - 1);
    assert.equal(v, sorted[k]);
    for (let i = 0; i < k; i++) assert.ok(a[i]! <= v);
    for (let i = k + 1; i < n; i++) assert.ok(a[i]! >= v);
  }
});

test('bad input: NaN, empty, p outside [0, 100]', () => {
  assert.throws(
    () => percentiles(Float32Array.from([1, Number.NaN]), [50], 'percentileNormalize: /x.nii'),
    /^RangeError: percentileNormalize: \/x\.nii: value at index 1 is NaN/,
  );
  assert.throws(() => percentiles(new Float32Array(0), [50]), /percentiles: no values/);
  assert.throws(() => percentiles(Float32Array.from([1]), [101]), /percentile must be in \[0, 100\], got 101/);
});
