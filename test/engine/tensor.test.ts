/**
 * Tensor core: creation, dtypes, elementwise math, promotion, comparisons, reductions, linear algebra, shape and
 * indexing ops, in-place ops and views. Every expected value comes from float64 loops, index arithmetic done here,
 * or hand values (IEEE bit patterns).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Tensor,
  tensor,
  zeros,
  ones,
  full,
  empty,
  zerosLike,
  onesLike,
  fullLike,
  arange,
  linspace,
  eye,
  where,
  cat,
  stack,
  einsum,
  solve,
  type DType,
} from '../../src/engine/index.js';
import { Rng } from '../../src/util/rng.js';
import { assertClose, randomArray, broadcastRef, reduceRef, unravel, ravel, numel } from './helpers.js';

const vals = (t: Tensor): Float64Array => t.toFloat64Array();
/** the raw elements of a non-int64 tensor as numbers (float16/bfloat16 as bits, bool as 0/1) */
const raw = (t: Tensor): number[] => Array.from(t.data() as ArrayLike<number>);

/** plain float64 matrix product of row-major A (m×k) and B (k×n) */
function matmulRef(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p]! * b[p * n + j]!;
      out[i * n + j] = s;
    }
  return out;
}

/** erf by its Taylor series (float64-accurate for |x| <= 3) */
function erf(x: number): number {
  let term = x;
  let sum = x;
  for (let n = 1; n < 80; n++) {
    term *= (-x * x) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const r = v - f;
  if (r > 0.5) return f + 1;
  if (r < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** IEEE half bits of float32(x), round to nearest even, subnormals and overflow to infinity */
function f16Bits(x: number): number {
  x = Math.fround(x);
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a === 0) return sign;
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  if (2 ** (e + 1) <= a) e++;
  if (e < -14) return sign | roundHalfEven(a / 2 ** -24); // subnormal (1024 carries into the smallest normal)
  let m = roundHalfEven(a / 2 ** (e - 10));
  if (m === 2048) {
    m = 1024;
    e++;
  }
  if (e > 15) return sign | 0x7c00;
  return sign | ((e + 15) << 10) | (m - 1024);
}

function f16Value(b: number): number {
  const s = b & 0x8000 ? -1 : 1;
  const e = (b >> 10) & 0x1f;
  const m = b & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** bfloat16 bits of float32(x): the top 16 bits, round to nearest even */
function bf16Bits(x: number): number {
  const u = new Uint32Array(Float32Array.of(x).buffer)[0]!;
  const lsb = Math.floor(u / 65536) & 1;
  return Math.floor((u + 0x7fff + lsb) / 65536) & 0xffff;
}

function bf16Value(b: number): number {
  return new Float32Array(Uint32Array.of(b * 65536).buffer)[0]!;
}

// ---------------------------------------------------------------------------------------------------------------
// creation

test('tensor() from nested arrays infers shape, defaults to float32, and keeps C order', () => {
  const t = tensor([
    [
      [1, 2],
      [3, 4],
      [5, 6],
    ],
    [
      [7, 8],
      [9, 10],
      [11, 12],
    ],
  ]);
  assert.deepEqual(t.shape, [2, 3, 2]);
  assert.equal(t.ndim, 3);
  assert.equal(t.numel, 12);
  assert.equal(t.dtype, 'float32');
  assert.equal(t.device, 'cpu');
  assert.deepEqual(t.strides, [6, 2, 1]);
  assert.deepEqual(t.toArray(), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  assert.equal(t.size(-1), 2);
  assert.equal(t.size(1), 3);
  assert.throws(() => t.size(3), RangeError);

  const s = tensor(3.5);
  assert.deepEqual(s.shape, []);
  assert.equal(s.numel, 1);
  assert.equal(s.item(), 3.5);

  const e = tensor([]);
  assert.deepEqual(e.shape, [0]);
  assert.equal(e.numel, 0);
  assert.equal(e.toArray().length, 0);

  const b = tensor([true, false, true]);
  assert.equal(b.dtype, 'float32');
  assert.deepEqual(b.toArray(), [1, 0, 1]);
  assert.equal(tensor([true, false], { dtype: 'bool' }).dtype, 'bool');
  assert.equal(tensor([false], { dtype: 'bool' }).item(), 0);
});

test('tensor() with a flat array and shape, and dtype conversion of JS numbers', () => {
  const t = tensor([1, 2, 3, 4, 5, 6], { shape: [3, 2] });
  assert.deepEqual(t.shape, [3, 2]);
  assert.deepEqual(t.toArray(), [1, 2, 3, 4, 5, 6]);
  const i = tensor([1.9, -1.9, 3], { dtype: 'int32' });
  assert.equal(i.dtype, 'int32');
  assert.deepEqual(Array.from(i.data() as Int32Array), [1, -1, 3]); // truncation toward zero, like a C cast
  const l = tensor([1.9, -1.9, 3], { dtype: 'int64' });
  assert.deepEqual(Array.from(l.data() as BigInt64Array), [1n, -1n, 3n]);
});

test('tensor() from typed arrays keeps their dtype, honours byteOffset, and converts on request', () => {
  const cases: [ArrayBufferView, DType][] = [
    [Float32Array.of(1.5, -2, 3), 'float32'],
    [Float64Array.of(1.5, -2, 3), 'float64'],
    [BigInt64Array.of(1n, -2n, 3n), 'int64'],
    [Int32Array.of(1, -2, 3), 'int32'],
    [Int16Array.of(1, -2, 3), 'int16'],
    [Int8Array.of(1, -2, 3), 'int8'],
    [Uint8Array.of(1, 254, 3), 'uint8'],
  ];
  for (const [arr, dt] of cases) {
    const t = tensor(arr);
    assert.equal(t.dtype, dt, dt);
    assert.deepEqual(t.shape, [3]);
    const back = t.data();
    assert.equal(back.constructor, arr.constructor, dt);
    assert.deepEqual(Array.from(back as ArrayLike<number>), Array.from(arr as unknown as ArrayLike<number>), dt);
  }
  // a view into the middle of a larger buffer
  const buf = Float32Array.from({ length: 10 }, (_, i) => i * 10);
  const sub = buf.subarray(3, 9);
  const t = tensor(sub, { shape: [2, 3] });
  assert.deepEqual(t.shape, [2, 3]);
  assert.deepEqual(t.toArray(), [30, 40, 50, 60, 70, 80]);
  // the tensor owns a copy
  sub[0] = -1;
  assert.equal(t.toArray()[0], 30);
  // conversion of a typed array to another dtype
  const d = tensor(Float32Array.of(1.25, -7.5), { dtype: 'float64' });
  assert.equal(d.dtype, 'float64');
  assert.deepEqual(Array.from(d.data() as Float64Array), [1.25, -7.5]);
  const n = tensor(Int16Array.of(300, -5), { dtype: 'float32' });
  assert.deepEqual(Array.from(n.data() as Float32Array), [300, -5]);
});

test('tensor() from a BigInt64Array converts to a float dtype on request', () => {
  // converting int64 data to float32 should work like any other typed array
  const t = tensor(BigInt64Array.of(5n, -3n, 1n << 40n), { dtype: 'float32' });
  assert.equal(t.dtype, 'float32');
  assert.deepEqual(t.toArray(), [5, -3, 2 ** 40]);
});

test('int64 keeps values beyond 2^53 exactly through data()', () => {
  const big = [2n ** 60n + 1n, -(2n ** 62n) - 3n, 9007199254740993n];
  const t = tensor(BigInt64Array.from(big));
  assert.deepEqual(Array.from(t.data() as BigInt64Array), big);
  assert.deepEqual(
    Array.from(t.add(1).data() as BigInt64Array),
    big.map((v) => v + 1n),
  );
});

test('full/zeros/ones/empty/like/eye/linspace/arange against hand values', () => {
  const z = zeros([2, 3]);
  assert.deepEqual(z.shape, [2, 3]);
  assert.equal(z.dtype, 'float32');
  assert.deepEqual(z.toArray(), [0, 0, 0, 0, 0, 0]);
  assert.deepEqual(ones([4], { dtype: 'int32' }).data(), Int32Array.of(1, 1, 1, 1));
  const f = full([2, 2], 7.25, { dtype: 'float64' });
  assert.equal(f.dtype, 'float64');
  assert.deepEqual(f.toArray(), [7.25, 7.25, 7.25, 7.25]);
  assert.deepEqual(full([3], true, { dtype: 'bool' }).data(), Uint8Array.of(1, 1, 1));
  const em = empty([3, 0, 2]);
  assert.deepEqual(em.shape, [3, 0, 2]);
  assert.equal(em.numel, 0);
  assert.deepEqual(empty([2, 5], { dtype: 'int16' }).shape, [2, 5]);

  const base = tensor([1, 2, 3], { dtype: 'int16' });
  const zl = zerosLike(base);
  assert.equal(zl.dtype, 'int16');
  assert.deepEqual(zl.toArray(), [0, 0, 0]);
  assert.deepEqual(onesLike(base, { dtype: 'float64' }).toArray(), [1, 1, 1]);
  assert.equal(onesLike(base, { dtype: 'float64' }).dtype, 'float64');
  assert.deepEqual(fullLike(base, 4).toArray(), [4, 4, 4]);

  const I = eye(3);
  assert.deepEqual(I.toArray(), [1, 0, 0, 0, 1, 0, 0, 0, 1]);
  assert.deepEqual(linspace(0, 1, 5).toArray(), [0, 0.25, 0.5, 0.75, 1]);
  assert.deepEqual(linspace(-2, 2, 3, { dtype: 'float64' }).toArray(), [-2, 0, 2]);

  const a = arange(5);
  assert.equal(a.dtype, 'int64');
  assert.deepEqual(a.toArray(), [0, 1, 2, 3, 4]);
  assert.deepEqual(arange(2, 11, 3).toArray(), [2, 5, 8]);
  assert.deepEqual(arange(5, 0, -2).toArray(), [5, 3, 1]);
  assert.deepEqual(arange(1, 2, 0.25, { dtype: 'float32' }).toArray(), [1, 1.25, 1.5, 1.75]);
  const g = zeros([2], { requiresGrad: true });
  assert.equal(g.requiresGrad, true);
});

test('arange with a fractional step gives the fractional range (as torch.arange infers a float dtype)', () => {
  // "start, start+step, ... < end": a fractional step cannot mean an integer dtype
  const a = arange(0, 1, 0.25);
  assert.ok(a.dtype === 'float32' || a.dtype === 'float64', `dtype ${a.dtype}`);
  assert.deepEqual(a.toArray(), [0, 0.25, 0.5, 0.75]);
  // fractional start or end: ceil((end - start) / step) elements from start
  assert.deepEqual(arange(0.5, 3).toArray(), [0.5, 1.5, 2.5]);
  assert.deepEqual(arange(0, 2.5).toArray(), [0, 1, 2]);
});

// ---------------------------------------------------------------------------------------------------------------
// dtypes

test('every dtype round-trips through data() and toFloat64Array()', () => {
  const cases: { dtype: DType; values: number[]; ctor: abstract new (...args: never[]) => unknown }[] = [
    {
      dtype: 'float32',
      values: [0, -1.5, 3.25, 1e-30, -3.4e38, 0.1].map(Math.fround),
      ctor: Float32Array,
    },
    {
      dtype: 'float64',
      values: [0, -1.5, 0.1, 1e-300, -1.7e308, Math.PI],
      ctor: Float64Array,
    },
    {
      dtype: 'int64',
      values: [0, -1, 2 ** 53, -(2 ** 53), 123456789012],
      ctor: BigInt64Array,
    },
    {
      dtype: 'int32',
      values: [0, -1, 2147483647, -2147483648, 12345],
      ctor: Int32Array,
    },
    { dtype: 'int16', values: [0, -1, 32767, -32768, 1234], ctor: Int16Array },
    { dtype: 'int8', values: [0, -1, 127, -128, 12], ctor: Int8Array },
    { dtype: 'uint8', values: [0, 1, 255, 128, 12], ctor: Uint8Array },
    { dtype: 'bool', values: [1, 0, 1, 1, 0], ctor: Uint8Array },
  ];
  for (const c of cases) {
    const t = tensor(c.values, { dtype: c.dtype });
    assert.equal(t.dtype, c.dtype);
    const d = t.data();
    assert.equal(d.constructor, c.ctor, c.dtype);
    const asNum = Array.from(d as ArrayLike<number | bigint>, (v) => Number(v));
    assert.deepEqual(asNum, c.values, `${c.dtype} data()`);
    assert.deepEqual(Array.from(t.toFloat64Array()), c.values, `${c.dtype} toFloat64Array()`);
    assertClose(t.toFloat32Array(), c.values.map(Math.fround), {
      rtol: 0,
      atol: 0,
      msg: `${c.dtype} toFloat32Array`,
    });
  }
  // bool of any non-zero is true
  assert.deepEqual(raw(tensor([2, -0.5, 0], { dtype: 'bool' })), [1, 1, 0]);
});

test('float16 and bfloat16: known bit patterns', () => {
  const h = tensor([1, -2, 0.5, 65504, 2 ** -24, 1 / 3, 1e5, 0], {
    dtype: 'float16',
  });
  assert.equal(h.dtype, 'float16');
  assert.ok(h.data() instanceof Uint16Array);
  assert.deepEqual(raw(h), [0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0x3555, 0x7c00, 0]);
  assert.deepEqual(Array.from(h.toFloat64Array()), [1, -2, 0.5, 65504, 2 ** -24, 0.333251953125, Infinity, 0]);

  const b = tensor([1, -2, 0.5, 1 / 3, Math.PI, 65504, 0], {
    dtype: 'bfloat16',
  });
  assert.equal(b.dtype, 'bfloat16');
  assert.ok(b.data() instanceof Uint16Array);
  // float32(1/3) = 0x3eaaaaab rounds up to 0x3eab; float32(pi) = 0x40490fdb rounds down to 0x4049;
  // 65504 = 0x477fe000 rounds up to 0x4780 = 65536
  assert.deepEqual(raw(b), [0x3f80, 0xc000, 0x3f00, 0x3eab, 0x4049, 0x4780, 0]);
  assert.deepEqual(Array.from(b.toFloat64Array()), [1, -2, 0.5, 0.333984375, 3.140625, 65536, 0]);
});

test('float16 and bfloat16 round random values to nearest even, within their precision', () => {
  const rng = new Rng(11);
  const xs = Array.from({ length: 2000 }, () => rng.uniform(-1, 1) * 2 ** rng.int(-26, 17));
  const h = tensor(xs, { dtype: 'float16' });
  const hb = raw(h);
  assert.deepEqual(hb, xs.map(f16Bits));
  const hv = h.toFloat64Array();
  assert.deepEqual(Array.from(hv), hb.map(f16Value));
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!;
    if (Math.abs(x) >= 2 ** -14 && Math.abs(x) < 65504)
      assert.ok(Math.abs(hv[i]! - x) <= 2 ** -11 * Math.abs(x) * (1 + 1e-9), `float16 of ${x} is ${hv[i]}`);
  }
  const b = tensor(xs, { dtype: 'bfloat16' });
  const bb = raw(b);
  assert.deepEqual(bb, xs.map(bf16Bits));
  const bv = b.toFloat64Array();
  assert.deepEqual(Array.from(bv), bb.map(bf16Value));
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!;
    if (x !== 0) assert.ok(Math.abs(bv[i]! - x) <= 2 ** -8 * Math.abs(x) * (1 + 1e-6), `bfloat16 of ${x} is ${bv[i]}`);
  }
});

test('to(): dtype conversion, no copy when nothing changes, copy on request; clone is independent', () => {
  const x = tensor([1.75, -2.5, 3]);
  const same = x.to({ dtype: 'float32' });
  assert.ok(same.sameData(x));
  const copied = x.to({ dtype: 'float32', copy: true });
  assert.ok(!copied.sameData(x));
  const d = x.to({ dtype: 'float64' });
  assert.equal(d.dtype, 'float64');
  assert.deepEqual(d.toArray(), [1.75, -2.5, 3]);
  assert.deepEqual(Array.from(x.long().data() as BigInt64Array), [1n, -2n, 3n]);
  assert.equal(x.long().float().dtype, 'float32');
  assert.equal(x.cpu().device, 'cpu');
  const c = x.clone();
  c.fill_(0);
  assert.deepEqual(x.toArray(), [1.75, -2.5, 3]);
  assert.deepEqual(c.toArray(), [0, 0, 0]);
  assert.match(x.toString(), /shape=\[3\].*float32.*cpu/);
});

// ---------------------------------------------------------------------------------------------------------------
// elementwise

test('binary arithmetic with broadcasting matches float64 loops', () => {
  const rng = new Rng(1);
  const A = randomArray(rng, 24);
  const sa = [2, 3, 4];
  const B = randomArray(rng, 3, 0.5, 2); // positive, away from zero (div, pow)
  const sb = [3, 1];
  const a = tensor(A, { shape: sa });
  const b = tensor(B, { shape: sb });
  const Apos = A.map((v) => Math.abs(v) + 0.1);
  const apos = tensor(Apos, { shape: sa });
  const cases: [string, Tensor, number[], (x: number, y: number) => number][] = [
    ['add', a.add(b), A, (x, y) => x + y],
    ['sub', a.sub(b), A, (x, y) => x - y],
    ['mul', a.mul(b), A, (x, y) => x * y],
    ['div', a.div(b), A, (x, y) => x / y],
    ['add alpha', a.add(b, 2.5), A, (x, y) => x + 2.5 * y],
    ['sub alpha', a.sub(b, 0.5), A, (x, y) => x - 0.5 * y],
    ['add alpha 1', a.add(b, 1), A, (x, y) => x + y],
    ['pow', apos.pow(b.sub(1.25)), Apos, (x, y) => Math.pow(x, y - 1.25)],
    ['maximum', a.maximum(b.sub(1)), A, (x, y) => Math.max(x, y - 1)],
    ['minimum', a.minimum(b.sub(1)), A, (x, y) => Math.min(x, y - 1)],
    ['atan2', a.atan2(b.sub(1.2)), A, (x, y) => Math.atan2(x, y - 1.2)],
  ];
  for (const [name, got, X, f] of cases) {
    const ref = broadcastRef(
      [
        { data: X, shape: sa },
        { data: B.map(Math.fround), shape: sb },
      ],
      f,
    );
    assert.deepEqual(got.shape, [2, 3, 4], name);
    assert.equal(got.dtype, 'float32', name);
    assertClose(vals(got), ref.data, { rtol: 2e-6, atol: 1e-6, msg: name });
  }
  // broadcasting both ways: [3,1] with [1,4] -> [3,4]
  const C = randomArray(rng, 4);
  const o = b.mul(tensor(C, { shape: [1, 4] }));
  assert.deepEqual(o.shape, [3, 4]);
  assertClose(
    vals(o),
    broadcastRef(
      [
        { data: B, shape: [3, 1] },
        { data: C, shape: [1, 4] },
      ],
      (x, y) => x * y,
    ).data,
  );
});

test('tensor-scalar arithmetic, rsub/rdiv, remainder and floorDivide', () => {
  const rng = new Rng(2);
  const A = randomArray(rng, 10, 0.2, 3);
  const a = tensor(A);
  const cases: [string, Tensor, (x: number) => number][] = [
    ['add 2', a.add(2), (x) => x + 2],
    ['sub 0.5', a.sub(0.5), (x) => x - 0.5],
    ['mul -1.5', a.mul(-1.5), (x) => x * -1.5],
    ['div 4', a.div(4), (x) => x / 4],
    ['div 3', a.div(3), (x) => x / 3],
    ['pow 2', a.pow(2), (x) => x * x],
    ['pow 0.5', a.pow(0.5), Math.sqrt],
    ['pow -1', a.pow(-1), (x) => 1 / x],
    ['rsub', a.rsub(1), (x) => 1 - x],
    ['rdiv', a.rdiv(2), (x) => 2 / x],
    ['maximum 1', a.maximum(1), (x) => Math.max(x, 1)],
    ['add alpha scalar', a.add(3, 2), (x) => x + 6],
  ];
  for (const [name, got, f] of cases) assertClose(vals(got), A.map(f), { rtol: 2e-6, msg: name });
  // Python-style remainder: the sign follows the divisor
  const r = tensor([-3.5, 3.5, -1, 5, 0]);
  assert.deepEqual(r.remainder(2).toArray(), [0.5, 1.5, 1, 1, 0]);
  assert.deepEqual(r.remainder(-2).toArray(), [-1.5, -0.5, -1, -1, 0]);
  assert.deepEqual(r.floorDivide(2).toArray(), [-2, 1, -1, 2, 0]);
  assert.deepEqual(tensor([7, -7, 9], { dtype: 'int64' }).floorDivide(2).toArray(), [3, -4, 4]);
});

test('unary math matches float64 references', () => {
  const rng = new Rng(3);
  const X = randomArray(rng, 64, -3, 3);
  X.push(0, -0.5, 0.5);
  const P = randomArray(rng, 64, 0.05, 5);
  const x = tensor(X);
  const p = tensor(P);
  const cases: [string, Tensor, number[], (v: number) => number][] = [
    ['neg', x.neg(), X, (v) => -v],
    ['abs', x.abs(), X, Math.abs],
    ['exp', x.exp(), X, Math.exp],
    ['expm1', x.expm1(), X, Math.expm1],
    ['log1p', p.log1p(), P, Math.log1p],
    ['log', p.log(), P, Math.log],
    ['sqrt', p.sqrt(), P, Math.sqrt],
    ['rsqrt', p.rsqrt(), P, (v) => 1 / Math.sqrt(v)],
    ['reciprocal', p.reciprocal(), P, (v) => 1 / v],
    ['square', x.square(), X, (v) => v * v],
    ['sin', x.sin(), X, Math.sin],
    ['cos', x.cos(), X, Math.cos],
    ['tanh', x.tanh(), X, Math.tanh],
    ['sigmoid', x.sigmoid(), X, (v) => 1 / (1 + Math.exp(-v))],
    ['relu', x.relu(), X, (v) => Math.max(v, 0)],
    ['gelu', x.gelu(), X, (v) => 0.5 * v * (1 + erf(v / Math.SQRT2))],
    ['softplus', x.softplus(), X, (v) => Math.log1p(Math.exp(v))],
    ['erf', x.erf(), X, erf],
    ['sign', x.sign(), X, Math.sign],
    ['floor', x.floor(), X, Math.floor],
    ['ceil', x.ceil(), X, Math.ceil],
    ['trunc', x.trunc(), X, Math.trunc],
    ['clamp', x.clamp(-1, 0.5), X, (v) => Math.min(Math.max(v, -1), 0.5)],
    ['clamp max only', x.clamp(null, 0.25), X, (v) => Math.min(v, 0.25)],
    ['clampMin', x.clampMin(0.3), X, (v) => Math.max(v, 0.3)],
  ];
  for (const [name, got, I, f] of cases) {
    assert.equal(got.dtype, 'float32', name);
    assertClose(vals(got), I.map(f), { rtol: 5e-6, atol: 1e-6, msg: name });
  }
  // round: half to even, like torch.round
  assert.deepEqual(tensor([0.5, 1.5, 2.5, -0.5, -1.5, 2.4, -2.6]).round().toArray(), [0, 2, 2, -0, -2, 2, -3]);
  // lerp: a + w (b - a)
  const Y = randomArray(rng, X.length);
  assertClose(
    vals(x.lerp(tensor(Y), 0.3)),
    X.map((v, i) => v + 0.3 * (Y[i]! - v)),
  );
  // float64 stays float64 and is accurate to double precision
  const D = X.map((v) => v * 1.000000123);
  assertClose(vals(tensor(D, { dtype: 'float64' }).exp()), D.map(Math.exp), {
    rtol: 1e-14,
    atol: 0,
  });
  // isnan / isfinite
  const s = tensor([1, NaN, Infinity, -Infinity, 0]);
  assert.deepEqual(raw(s.isnan()), [0, 1, 0, 0, 0]);
  assert.deepEqual(raw(s.isfinite()), [1, 0, 0, 0, 1]);
  assert.equal(s.isnan().dtype, 'bool');
});

test('scalar type promotion follows PyTorch (a JS number is a Python scalar)', () => {
  const f32 = tensor([1, 2]);
  assert.equal(f32.add(1).dtype, 'float32');
  assert.equal(f32.mul(0.1).dtype, 'float32');
  assert.equal(f32.add(1e-10).dtype, 'float32');
  assert.equal(f32.rsub(1).dtype, 'float32');
  const i64 = tensor([1, 2], { dtype: 'int64' });
  assert.equal(i64.add(1).dtype, 'int64');
  assert.equal(i64.mul(3).dtype, 'int64');
  assert.deepEqual(i64.mul(3).toArray(), [3, 6]);
  assert.equal(i64.add(1.5).dtype, 'float32'); // int tensor + float scalar -> default float dtype
  assert.deepEqual(i64.add(1.5).toArray(), [2.5, 3.5]);
  assert.equal(tensor([1], { dtype: 'int32' }).mul(2).dtype, 'int32');
  assert.equal(tensor([1], { dtype: 'uint8' }).add(1).dtype, 'uint8');
  assert.equal(tensor([1, 0], { dtype: 'bool' }).add(1).dtype, 'int64');
  assert.equal(tensor([1], { dtype: 'float16' }).add(1.5).dtype, 'float16');
  assert.equal(tensor([1], { dtype: 'bfloat16' }).mul(3).dtype, 'bfloat16');
  // tensor-tensor: the wider type wins
  assert.equal(f32.add(tensor([1, 1], { dtype: 'float64' })).dtype, 'float64');
  assert.equal(i64.add(tensor([0.5, 0.5])).dtype, 'float32');
  assert.equal(tensor([1], { dtype: 'int32' }).add(tensor([1], { dtype: 'int64' })).dtype, 'int64');
  // a float64 tensor sees the scalar at double precision
  assert.equal(tensor([1], { dtype: 'float64' }).add(0.1).toArray()[0], 1 + 0.1);
  assert.equal(tensor([3], { dtype: 'float64' }).div(10).toArray()[0], 3 / 10);
  // integer scalars on int64 are exact beyond 2^53
  const big = tensor(BigInt64Array.of(2n ** 60n));
  assert.deepEqual(Array.from(big.add(1).data() as BigInt64Array), [2n ** 60n + 1n]);
  assert.deepEqual(Array.from(big.sub(3).data() as BigInt64Array), [2n ** 60n - 3n]);
  // true division of integers gives floats
  assert.equal(i64.div(2).dtype, 'float32');
  assert.deepEqual(tensor([1, 3], { dtype: 'int64' }).div(2).toArray(), [0.5, 1.5]);
});

// ---------------------------------------------------------------------------------------------------------------
// comparisons, logic, where, maskedFill

test('comparisons and logic ops give bool tensors matching loops, with broadcasting', () => {
  const rng = new Rng(4);
  const A = Array.from({ length: 12 }, () => rng.int(0, 3));
  const B = Array.from({ length: 4 }, () => rng.int(0, 3));
  const a = tensor(A, { shape: [3, 4] });
  const b = tensor(B, { shape: [4] });
  const cmp: [string, Tensor, (x: number, y: number) => boolean][] = [
    ['eq', a.eq(b), (x, y) => x === y],
    ['ne', a.ne(b), (x, y) => x !== y],
    ['lt', a.lt(b), (x, y) => x < y],
    ['le', a.le(b), (x, y) => x <= y],
    ['gt', a.gt(b), (x, y) => x > y],
    ['ge', a.ge(b), (x, y) => x >= y],
  ];
  for (const [name, got, f] of cmp) {
    assert.equal(got.dtype, 'bool', name);
    assert.deepEqual(got.shape, [3, 4], name);
    const ref = broadcastRef(
      [
        { data: A, shape: [3, 4] },
        { data: B, shape: [4] },
      ],
      (x, y) => (f(x, y) ? 1 : 0),
    );
    assert.deepEqual(raw(got), Array.from(ref.data), name);
  }
  assert.deepEqual(
    raw(a.gt(1)),
    A.map((v) => (v > 1 ? 1 : 0)),
  );
  assert.deepEqual(
    raw(a.eq(0)),
    A.map((v) => (v === 0 ? 1 : 0)),
  );
  const p = a.gt(0);
  const q = a.lt(2);
  const logic: [string, Tensor, (x: number) => boolean][] = [
    ['and', p.logicalAnd(q), (v) => v > 0 && v < 2],
    ['or', p.logicalOr(q), (v) => v > 0 || v < 2],
    ['xor', p.logicalXor(q), (v) => v > 0 !== v < 2],
    ['not', p.logicalNot(), (v) => !(v > 0)],
  ];
  for (const [name, got, f] of logic)
    assert.deepEqual(
      raw(got),
      A.map((v) => (f(v) ? 1 : 0)),
      name,
    );
  assert.equal(p.all().item(), A.every((v) => v > 0) ? 1 : 0);
  assert.equal(p.any().item(), A.some((v) => v > 0) ? 1 : 0);
  assert.deepEqual(
    raw(p.all(1)),
    [0, 1, 2].map((i) => (A.slice(i * 4, i * 4 + 4).every((v) => v > 0) ? 1 : 0)),
  );
  assert.deepEqual(
    raw(p.any(0)),
    [0, 1, 2, 3].map((j) => ([0, 1, 2].some((i) => A[i * 4 + j]! > 0) ? 1 : 0)),
  );
});

test('where and maskedFill against loops', () => {
  const rng = new Rng(5);
  const X = randomArray(rng, 12);
  const Y = randomArray(rng, 4);
  const x = tensor(X, { shape: [3, 4] });
  const y = tensor(Y, { shape: [4] });
  const cond = x.gt(0);
  const w = where(cond, x, y);
  assert.deepEqual(w.shape, [3, 4]);
  assertClose(
    vals(w),
    X.map((v, i) => (v > 0 ? v : Y[i % 4]!)),
    { rtol: 0, atol: 0 },
  );
  assertClose(
    vals(where(cond, x, -1)),
    X.map((v) => (v > 0 ? v : -1)),
    { rtol: 0, atol: 0 },
  );
  assertClose(
    vals(where(cond, 2.5, x)),
    X.map((v) => (v > 0 ? 2.5 : v)),
    { rtol: 0, atol: 0 },
  );
  assert.deepEqual(
    where(cond, 1, 0).toArray(),
    X.map((v) => (v > 0 ? 1 : 0)),
  );
  // maskedFill with a broadcast mask: [4] over [3,4]
  const mask = tensor([1, 0, 0, 1], { dtype: 'bool' });
  const m = x.maskedFill(mask, -1e9);
  assertClose(
    vals(m),
    X.map((v, i) => (i % 4 === 0 || i % 4 === 3 ? -1e9 : v)),
    { rtol: 0, atol: 0 },
  );
  assertClose(vals(x), X, {
    rtol: 0,
    atol: 0,
    msg: 'maskedFill leaves its input alone',
  });
});

// ---------------------------------------------------------------------------------------------------------------
// reductions

test('sum/mean/amax/amin/logsumexp/var/std/norm along dims, keepdim, against loops', () => {
  const rng = new Rng(6);
  const shape = [3, 4, 5];
  const X = randomArray(rng, 60, -2, 2);
  const x = tensor(X, { shape });
  const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);
  const mean = (v: number[]) => sum(v) / v.length;
  const variance = (c: number) => (v: number[]) => {
    const m = mean(v);
    return sum(v.map((u) => (u - m) ** 2)) / (v.length - c);
  };
  const lse = (v: number[]) => {
    const m = Math.max(...v);
    return m + Math.log(sum(v.map((u) => Math.exp(u - m))));
  };
  const pnorm = (p: number) => (v: number[]) => sum(v.map((u) => Math.abs(u) ** p)) ** (1 / p);
  const dimsList: (number[] | undefined)[] = [undefined, [0], [1], [2], [-1], [0, 2], [1, 2], [-3, -2]];
  for (const dims of dimsList) {
    for (const keepdim of [false, true]) {
      const ops: [string, (d: number[] | undefined, k: boolean) => Tensor, (v: number[]) => number][] = [
        ['sum', (d, k) => x.sum(d, k), sum],
        ['mean', (d, k) => x.mean(d, k), mean],
        ['amax', (d, k) => x.amax(d, k), (v) => Math.max(...v)],
        ['amin', (d, k) => x.amin(d, k), (v) => Math.min(...v)],
        ['logsumexp', (d, k) => x.logsumexp(d, k), lse],
        ['var', (d, k) => x.var(d, { keepdim: k }), variance(1)],
        ['var correction 0', (d, k) => x.var(d, { correction: 0, keepdim: k }), variance(0)],
        ['std', (d, k) => x.std(d, { keepdim: k }), (v) => Math.sqrt(variance(1)(v))],
        ['std correction 0', (d, k) => x.std(d, { correction: 0, keepdim: k }), (v) => Math.sqrt(variance(0)(v))],
        ['norm 2', (d, k) => x.norm(2, d, k), pnorm(2)],
        ['norm 1', (d, k) => x.norm(1, d, k), pnorm(1)],
        ['norm 3', (d, k) => x.norm(3, d, k), pnorm(3)],
      ];
      for (const [name, op, f] of ops) {
        const label = `${name} dims=${dims ? `[${dims}]` : 'all'} keepdim=${keepdim}`;
        // norm over all dims with keepdim has its own test below
        if (dims === undefined && keepdim && name.startsWith('norm')) continue;
        const got = op(dims, keepdim);
        const ref = reduceRef(X, shape, dims ?? [], keepdim, f);
        assert.deepEqual(got.shape, ref.shape, label);
        assert.equal(got.dtype, 'float32', label);
        assertClose(vals(got), ref.data, {
          rtol: 1e-5,
          atol: 2e-6,
          msg: label,
        });
      }
    }
  }
  assertClose([x.max().item(), x.min().item()], [Math.max(...X), Math.min(...X)], { rtol: 0, atol: 0 });
  assert.deepEqual(x.sum().shape, []);
  // float64 sums are exact to double rounding
  const D = X.map((v) => v / 3);
  assertClose([tensor(D, { dtype: 'float64' }).sum().item()], [D.reduce((a, b) => a + b, 0)], { rtol: 1e-14 });
});

test('norm over all dims honours keepdim (shape [1, 1, 1], as torch.norm(x, p, keepdim=True))', () => {
  const X = randomArray(new Rng(61), 24);
  const x = tensor(X, { shape: [2, 3, 4] });
  for (const p of [1, 2]) {
    const n = x.norm(p, undefined, true);
    assert.deepEqual(n.shape, [1, 1, 1], `p=${p}`);
    assertClose(vals(n), [X.reduce((s, v) => s + Math.abs(v) ** p, 0) ** (1 / p)], { msg: `p=${p}` });
  }
  assert.deepEqual(x.norm(2, undefined, false).shape, []);
});

test('logsumexp on large values does not overflow', () => {
  const t = tensor([1000, 1000, -1000]);
  assertClose([t.logsumexp().item()], [1000 + Math.log(2)], { rtol: 1e-6 });
  const u = tensor([
    [1e4, 1e4 - 1],
    [-1e4, -1e4],
  ]);
  assertClose(vals(u.logsumexp(1)), [1e4 + Math.log(1 + Math.exp(-1)), -1e4 + Math.log(2)], { rtol: 1e-6 });
  const d = tensor([710, 710, 709], { dtype: 'float64' }); // exp(710) overflows double
  assertClose([d.logsumexp().item()], [710 + Math.log(2 + Math.exp(-1))], {
    rtol: 1e-15,
  });
  assert.ok(Number.isFinite(d.logsumexp().item()));
});

test('argmax/argmin/maxDim/minDim/cumsum/sort/topk against loops', () => {
  const rng = new Rng(7);
  const shape = [4, 6];
  const X = randomArray(rng, 24);
  const x = tensor(X, { shape });
  const argmaxOf = (v: number[]) => v.indexOf(Math.max(...v));
  const argminOf = (v: number[]) => v.indexOf(Math.min(...v));
  assert.equal(x.argmax().item(), argmaxOf(X));
  assert.equal(x.argmin().item(), argminOf(X));
  assert.equal(x.argmax().dtype, 'int64');
  const rows = [0, 1, 2, 3].map((i) => X.slice(i * 6, i * 6 + 6));
  const cols = [0, 1, 2, 3, 4, 5].map((j) => rows.map((r) => r[j]!));
  assert.deepEqual(x.argmax(1).toArray(), rows.map(argmaxOf));
  assert.deepEqual(x.argmax(-1, true).shape, [4, 1]);
  assert.deepEqual(x.argmin(0).toArray(), cols.map(argminOf));
  const mx = x.maxDim(1);
  assert.deepEqual(mx.indices.toArray(), rows.map(argmaxOf));
  assertClose(
    vals(mx.values),
    rows.map((r) => Math.max(...r)),
    { rtol: 0, atol: 0 },
  );
  const mn = x.minDim(0, true);
  assert.deepEqual(mn.values.shape, [1, 6]);
  assert.deepEqual(mn.indices.toArray(), cols.map(argminOf));
  assertClose(
    vals(mn.values),
    cols.map((c) => Math.min(...c)),
    { rtol: 0, atol: 0 },
  );
  // cumsum along each dim
  const cs1: number[] = [];
  for (const r of rows) {
    let s = 0;
    for (const v of r) cs1.push((s += v));
  }
  assertClose(vals(x.cumsum(1)), cs1);
  const cs0 = new Array<number>(24);
  for (let j = 0; j < 6; j++) {
    let s = 0;
    for (let i = 0; i < 4; i++) cs0[i * 6 + j] = s += X[i * 6 + j]!;
  }
  assertClose(vals(x.cumsum(0)), cs0);
  // sort: values ascending, indices point back into the row
  const { values, indices } = x.sort(1);
  const sv = vals(values);
  const si = indices.toArray();
  for (let i = 0; i < 4; i++) {
    const want = [...rows[i]!].sort((a, b) => a - b);
    assert.deepEqual(Array.from(sv.subarray(i * 6, i * 6 + 6)), want);
    for (let j = 0; j < 6; j++) assert.equal(rows[i]![si[i * 6 + j]!], sv[i * 6 + j]);
  }
  const desc = x.sort(0, true);
  for (let j = 0; j < 6; j++) {
    const want = [...cols[j]!].sort((a, b) => b - a);
    assert.deepEqual(
      [0, 1, 2, 3].map((i) => vals(desc.values)[i * 6 + j]),
      want,
    );
  }
  const top = x.topk(2);
  assert.deepEqual(top.values.shape, [4, 2]);
  for (let i = 0; i < 4; i++) {
    const want = [...rows[i]!].sort((a, b) => b - a).slice(0, 2);
    assert.deepEqual(Array.from(vals(top.values).subarray(i * 2, i * 2 + 2)), want);
    assert.deepEqual(
      top.indices.toArray().slice(i * 2, i * 2 + 2),
      want.map((v) => rows[i]!.indexOf(v)),
    );
  }
  const bottom = x.topk(3, 0, false);
  for (let j = 0; j < 6; j++) {
    const want = [...cols[j]!].sort((a, b) => a - b).slice(0, 3);
    assert.deepEqual(
      [0, 1, 2].map((i) => vals(bottom.values)[i * 6 + j]),
      want,
    );
  }
});

// ---------------------------------------------------------------------------------------------------------------
// linear algebra

test('matmul (2-D, batched with broadcasting, matrix-vector, vector-vector) and bmm against loops', () => {
  const rng = new Rng(8);
  const A = randomArray(rng, 12);
  const B = randomArray(rng, 20);
  for (const dtype of ['float32', 'float64'] as const) {
    const tol = dtype === 'float64' ? { rtol: 1e-12, atol: 1e-14 } : { rtol: 1e-5, atol: 1e-6 };
    const a = tensor(A, { shape: [3, 4], dtype });
    const b = tensor(B, { shape: [4, 5], dtype });
    const c = a.matmul(b);
    assert.deepEqual(c.shape, [3, 5]);
    assert.equal(c.dtype, dtype);
    assertClose(vals(c), matmulRef(A, B, 3, 4, 5), {
      ...tol,
      msg: `${dtype} 2-D`,
    });
    // vector operands
    const v = B.slice(0, 4);
    assertClose(vals(a.matmul(tensor(v, { dtype }))), matmulRef(A, v, 3, 4, 1), { ...tol, msg: 'mat-vec' });
    const dot = tensor(A.slice(0, 4), { dtype }).matmul(tensor(v, { dtype }));
    assert.deepEqual(dot.shape, []);
    assertClose([dot.item()], matmulRef(A.slice(0, 4), v, 1, 4, 1), {
      ...tol,
      msg: 'dot',
    });
    // transposed (non-contiguous) operand
    assertClose(
      vals(b.T.matmul(a.T)),
      matmulRef(B, A, 5, 4, 3)
        .fill(0)
        .map((_, idx) => {
          const i = Math.floor(idx / 3);
          const j = idx % 3;
          let s = 0;
          for (let p = 0; p < 4; p++) s += B[p * 5 + i]! * A[j * 4 + p]!;
          return s;
        }),
      { ...tol, msg: 'transposed' },
    );
  }
  // batched with broadcasting: [2,1,3,4] @ [3,4,2] -> [2,3,3,2]
  const P = randomArray(rng, 24);
  const Q = randomArray(rng, 24);
  const pq = tensor(P, { shape: [2, 1, 3, 4] }).matmul(tensor(Q, { shape: [3, 4, 2] }));
  assert.deepEqual(pq.shape, [2, 3, 3, 2]);
  const want: number[] = [];
  for (let i = 0; i < 2; i++)
    for (let j = 0; j < 3; j++)
      want.push(...matmulRef(P.slice(i * 12, i * 12 + 12), Q.slice(j * 8, j * 8 + 8), 3, 4, 2));
  assertClose(vals(pq), want, { msg: 'broadcast batch' });
  // [2,3,4] @ [4,5]
  const R = randomArray(rng, 24);
  const r45 = tensor(R, { shape: [2, 3, 4] }).matmul(tensor(B, { shape: [4, 5] }));
  assertClose(vals(r45), [...matmulRef(R.slice(0, 12), B, 3, 4, 5), ...matmulRef(R.slice(12), B, 3, 4, 5)]);
  // bmm
  const S = randomArray(rng, 40);
  const bm = tensor(R, { shape: [2, 3, 4] }).bmm(tensor(S, { shape: [2, 4, 5] }));
  assert.deepEqual(bm.shape, [2, 3, 5]);
  assertClose(vals(bm), [
    ...matmulRef(R.slice(0, 12), S.slice(0, 20), 3, 4, 5),
    ...matmulRef(R.slice(12), S.slice(20), 3, 4, 5),
  ]);
});

test('einsum against loops', () => {
  const rng = new Rng(9);
  const A = randomArray(rng, 12);
  const B = randomArray(rng, 20);
  const a = tensor(A, { shape: [3, 4] });
  const b = tensor(B, { shape: [4, 5] });
  assertClose(vals(einsum('ij,jk->ik', a, b)), matmulRef(A, B, 3, 4, 5), {
    msg: 'ij,jk->ik',
  });
  // transpose
  assertClose(
    vals(einsum('ij->ji', a)),
    Array.from({ length: 12 }, (_, idx) => A[(idx % 3) * 4 + Math.floor(idx / 3)]!),
    { rtol: 0, atol: 0, msg: 'ij->ji' },
  );
  // trace, outer product, row sums
  const M = randomArray(rng, 16);
  assertClose([einsum('ii->', tensor(M, { shape: [4, 4] })).item()], [M[0]! + M[5]! + M[10]! + M[15]!], {
    msg: 'trace',
  });
  const u = A.slice(0, 3);
  const v = B.slice(0, 4);
  const outer = einsum('i,j->ij', tensor(u), tensor(v));
  assert.deepEqual(outer.shape, [3, 4]);
  assertClose(
    vals(outer),
    u.flatMap((x) => v.map((y) => x * y)),
    { msg: 'outer' },
  );
  assertClose(
    vals(einsum('ij->i', a)),
    [0, 1, 2].map((i) => A.slice(i * 4, i * 4 + 4).reduce((s, x) => s + x, 0)),
  );
  // attention-style: bhqd,bhkd->bhqk
  const Q = randomArray(rng, 2 * 2 * 3 * 4);
  const K = randomArray(rng, 2 * 2 * 5 * 4);
  const att = einsum('bhqd,bhkd->bhqk', tensor(Q, { shape: [2, 2, 3, 4] }), tensor(K, { shape: [2, 2, 5, 4] }));
  assert.deepEqual(att.shape, [2, 2, 3, 5]);
  const want = new Float64Array(2 * 2 * 3 * 5);
  for (let bh = 0; bh < 4; bh++)
    for (let q = 0; q < 3; q++)
      for (let k = 0; k < 5; k++) {
        let s = 0;
        for (let d = 0; d < 4; d++) s += Q[bh * 12 + q * 4 + d]! * K[bh * 20 + k * 4 + d]!;
        want[bh * 15 + q * 5 + k] = s;
      }
  assertClose(vals(att), want, { msg: 'bhqd,bhkd->bhqk' });
});

test('solve: A X = B', () => {
  const A = [4, 1, 0, 1, 3, 1, 0, 1, 2];
  const X = [1, -2, 0.5, 3, 2, -1];
  const B = matmulRef(A, X, 3, 3, 2);
  const got = solve(tensor(A, { shape: [3, 3], dtype: 'float64' }), tensor(B, { shape: [3, 2], dtype: 'float64' }));
  assert.deepEqual(got.shape, [3, 2]);
  assertClose(vals(got), X, { rtol: 1e-12, atol: 1e-12 });
});

// ---------------------------------------------------------------------------------------------------------------
// shape and indexing

test('reshape/view/permute/transpose/squeeze/unsqueeze/flatten/expand/repeat against index arithmetic', () => {
  const shape = [2, 3, 4];
  const X = Array.from({ length: 24 }, (_, i) => i);
  const x = tensor(X, { shape });
  assert.deepEqual(x.reshape(4, 6).shape, [4, 6]);
  assert.deepEqual(x.reshape(4, 6).toArray(), X);
  assert.deepEqual(x.reshape(-1, 2).shape, [12, 2]);
  assert.deepEqual(x.view(6, -1).shape, [6, 4]);
  assert.deepEqual(x.view(24).toArray(), X);

  const p = x.permute(2, 0, 1); // out[a,b,c] = x[b,c,a]
  assert.deepEqual(p.shape, [4, 2, 3]);
  assert.deepEqual(p.strides, [1, 12, 4]);
  assert.equal(p.isContiguous(), false);
  const pw = Array.from({ length: 24 }, (_, i) => {
    const [a, b, c] = unravel(i, [4, 2, 3]);
    return X[ravel([b!, c!, a!], shape)]!;
  });
  assert.deepEqual(p.toArray(), pw);
  const pc = p.contiguous();
  assert.equal(pc.isContiguous(), true);
  assert.deepEqual(pc.strides, [6, 3, 1]);
  assert.deepEqual(pc.toArray(), pw);
  assert.throws(() => p.view(24), Error); // view of a non-contiguous layout
  assert.deepEqual(p.reshape(24).toArray(), pw); // reshape copies when needed

  const t = x.transpose(0, 2); // out[a,b,c] = x[c,b,a]
  assert.deepEqual(t.shape, [4, 3, 2]);
  assert.deepEqual(
    t.toArray(),
    Array.from({ length: 24 }, (_, i) => {
      const [a, b, c] = unravel(i, [4, 3, 2]);
      return X[ravel([c!, b!, a!], shape)]!;
    }),
  );
  const m = tensor([1, 2, 3, 4, 5, 6], { shape: [2, 3] });
  assert.deepEqual(m.T.shape, [3, 2]);
  assert.deepEqual(m.T.toArray(), [1, 4, 2, 5, 3, 6]);

  const s = tensor([1, 2, 3], { shape: [1, 3, 1] });
  assert.deepEqual(s.squeeze().shape, [3]);
  assert.deepEqual(s.squeeze(0).shape, [3, 1]);
  assert.deepEqual(s.squeeze(1).shape, [1, 3, 1]); // a dim of size 3 is not squeezed
  assert.deepEqual(s.unsqueeze(0).shape, [1, 1, 3, 1]);
  assert.deepEqual(s.unsqueeze(-1).shape, [1, 3, 1, 1]);
  assert.deepEqual(x.flatten().shape, [24]);
  assert.deepEqual(x.flatten(1).shape, [2, 12]);
  assert.deepEqual(x.flatten(0, 1).shape, [6, 4]);
  assert.deepEqual(x.flatten(1).toArray(), X);

  const col = tensor([1, 2, 3], { shape: [3, 1] });
  const ex = col.expand(3, 4);
  assert.deepEqual(ex.shape, [3, 4]);
  assert.deepEqual(ex.strides, [1, 0]);
  assert.deepEqual(ex.toArray(), [1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3]);
  assert.deepEqual(col.expandAs(zeros([2, 3, 5])).shape, [2, 3, 5]);
  const r = tensor([1, 2, 3, 4], { shape: [2, 2] }).repeat(2, 3);
  assert.deepEqual(r.shape, [4, 6]);
  assert.deepEqual(
    r.toArray(),
    Array.from({ length: 24 }, (_, i) => {
      const [a, b] = unravel(i, [4, 6]);
      return [1, 2, 3, 4][(a! % 2) * 2 + (b! % 2)]!;
    }),
  );
});

test('cat/stack/split/chunk/unbind against index arithmetic', () => {
  const A = Array.from({ length: 6 }, (_, i) => i);
  const B = Array.from({ length: 3 }, (_, i) => 100 + i);
  const C = Array.from({ length: 4 }, (_, i) => 200 + i);
  const a = tensor(A, { shape: [2, 3] });
  const b = tensor(B, { shape: [1, 3] });
  const c = tensor(C, { shape: [2, 2] });
  const c0 = cat([a, b], 0);
  assert.deepEqual(c0.shape, [3, 3]);
  assert.deepEqual(c0.toArray(), [...A, ...B]);
  const c1 = cat([a, c], 1);
  assert.deepEqual(c1.shape, [2, 5]);
  assert.deepEqual(c1.toArray(), [0, 1, 2, 200, 201, 3, 4, 5, 202, 203]);
  assert.deepEqual(cat([a, c], -1).toArray(), c1.toArray());

  const ts = [0, 1, 2].map((k) =>
    tensor(
      A.map((v) => v + 10 * k),
      { shape: [2, 3] },
    ),
  );
  for (const dim of [0, 1, 2, -1]) {
    const s = stack(ts, dim);
    const d = dim < 0 ? dim + 3 : dim;
    const shape = [2, 3];
    shape.splice(d, 0, 3);
    assert.deepEqual(s.shape, shape, `stack dim ${dim}`);
    const want = Array.from({ length: 18 }, (_, i) => {
      const idx = unravel(i, shape);
      const k = idx[d]!;
      idx.splice(d, 1);
      return A[ravel(idx, [2, 3])]! + 10 * k;
    });
    assert.deepEqual(s.toArray(), want, `stack dim ${dim}`);
  }

  const X = Array.from({ length: 15 }, (_, i) => i);
  const x = tensor(X, { shape: [5, 3] });
  const sp = x.split(2);
  assert.deepEqual(
    sp.map((t) => t.shape),
    [
      [2, 3],
      [2, 3],
      [1, 3],
    ],
  );
  assert.deepEqual(sp[2]!.toArray(), [12, 13, 14]);
  const sp2 = x.split([1, 4]);
  assert.deepEqual(sp2[0]!.toArray(), [0, 1, 2]);
  assert.deepEqual(sp2[1]!.toArray(), X.slice(3));
  const spc = x.split(2, 1);
  assert.deepEqual(spc[0]!.toArray(), [0, 1, 3, 4, 6, 7, 9, 10, 12, 13]);
  assert.deepEqual(spc[1]!.toArray(), [2, 5, 8, 11, 14]);
  // chunk: each chunk has ceil(n / chunks) elements, the last one fewer
  const seven = arange(7);
  assert.deepEqual(
    seven.chunk(3).map((t) => t.toArray()),
    [[0, 1, 2], [3, 4, 5], [6]],
  );
  assert.deepEqual(
    arange(6)
      .chunk(4)
      .map((t) => t.toArray()),
    [
      [0, 1],
      [2, 3],
      [4, 5],
    ],
  );
  assert.deepEqual(
    x.chunk(3, 1).map((t) => t.shape),
    [
      [5, 1],
      [5, 1],
      [5, 1],
    ],
  );
  const ub = x.unbind(1);
  assert.equal(ub.length, 3);
  assert.deepEqual(ub[1]!.toArray(), [1, 4, 7, 10, 13]);
  assert.deepEqual(x.unbind()[4]!.toArray(), [12, 13, 14]);
});

test('slice/narrow/select with negative indices and steps', () => {
  const x = arange(10, undefined, 1, { dtype: 'float32' });
  const r = (start: number | null, end: number | null, step = 1) => {
    const n = 10;
    let s = start === null ? 0 : start < 0 ? start + n : start;
    let e = end === null ? n : end < 0 ? end + n : end;
    s = Math.min(Math.max(s, 0), n);
    e = Math.min(Math.max(e, 0), n);
    const out: number[] = [];
    for (let i = s; i < e; i += step) out.push(i);
    return out;
  };
  const cases: [number | null, number | null, number][] = [
    [2, 8, 3],
    [-3, null, 1],
    [null, null, 2],
    [-8, -2, 2],
    [5, 100, 1],
    [null, -7, 1],
    [1, null, 4],
    [7, 3, 1],
  ];
  for (const [s, e, st] of cases)
    assert.deepEqual(x.slice(0, s, e, st).toArray(), r(s, e, st), `slice(${s}, ${e}, ${st})`);
  assert.deepEqual(x.narrow(0, 3, 4).toArray(), [3, 4, 5, 6]);

  const M = Array.from({ length: 15 }, (_, i) => i);
  const m = tensor(M, { shape: [3, 5] });
  const sc = m.slice(1, 1, null, 2);
  assert.deepEqual(sc.shape, [3, 2]);
  assert.deepEqual(sc.toArray(), [1, 3, 6, 8, 11, 13]);
  assert.deepEqual(m.slice(-1, -2).toArray(), [3, 4, 8, 9, 13, 14]);
  assert.deepEqual(m.slice(0, -1).toArray(), [10, 11, 12, 13, 14]);
  assert.deepEqual(m.select(0, -1).toArray(), [10, 11, 12, 13, 14]);
  assert.deepEqual(m.select(1, 2).toArray(), [2, 7, 12]);
  assert.deepEqual(m.select(1, 2).shape, [3]);
  assert.deepEqual(m.diagonal().toArray(), [0, 6, 12]);
  assert.deepEqual(m.diagonal(1).toArray(), [1, 7, 13]);
  assert.deepEqual(m.diagonal(-1).toArray(), [5, 11]);
});

test('indexSelect/gather/scatter/scatterAdd/indexAdd/indexCopy_ against loops', () => {
  const rng = new Rng(10);
  const X = randomArray(rng, 12);
  const x = tensor(X, { shape: [3, 4] });
  const idx = [2, 0, 2, 1];
  const is0 = x.indexSelect(0, tensor(idx, { dtype: 'int64' }));
  assert.deepEqual(is0.shape, [4, 4]);
  assertClose(
    vals(is0),
    idx.flatMap((r) => X.slice(r * 4, r * 4 + 4)),
    { rtol: 0, atol: 0 },
  );
  const is1 = x.indexSelect(1, tensor([3, 1], { dtype: 'int64' }));
  assertClose(
    vals(is1),
    [0, 1, 2].flatMap((i) => [X[i * 4 + 3]!, X[i * 4 + 1]!]),
    { rtol: 0, atol: 0 },
  );

  // gather along dim 1: out[i][j] = x[i][g[i][j]]; along dim 0: out[i][j] = x[g[i][j]][j]
  const G1 = [3, 0, 1, 1, 2, 2];
  const g1 = x.gather(1, tensor(G1, { shape: [3, 2], dtype: 'int64' }));
  assert.deepEqual(g1.shape, [3, 2]);
  assertClose(
    vals(g1),
    G1.map((c, k) => X[Math.floor(k / 2) * 4 + c]!),
    { rtol: 0, atol: 0 },
  );
  const G0 = [2, 1, 0, 0, 1, 2, 2, 1];
  const g0 = x.gather(0, tensor(G0, { shape: [2, 4], dtype: 'int64' }));
  assertClose(
    vals(g0),
    G0.map((r, k) => X[r * 4 + (k % 4)]!),
    { rtol: 0, atol: 0 },
  );

  // scatter along dim 1 with distinct targets per row
  const S = randomArray(rng, 6);
  const SI = [3, 0, 1, 2, 0, 3];
  const sidx = tensor(SI, { shape: [3, 2], dtype: 'int64' });
  const sc = x.scatter(1, sidx, tensor(S, { shape: [3, 2] }));
  const scRef = [...X];
  SI.forEach((c, k) => (scRef[Math.floor(k / 2) * 4 + c] = S[k]!));
  assertClose(vals(sc), scRef, { rtol: 0, atol: 0 });
  assertClose(vals(x), X, { rtol: 0, atol: 0, msg: 'scatter is out of place' });
  const scs = x.scatter(1, sidx, 9);
  const scsRef = [...X];
  SI.forEach((c, k) => (scsRef[Math.floor(k / 2) * 4 + c] = 9));
  assertClose(vals(scs), scsRef, { rtol: 0, atol: 0 });

  // scatterAdd with repeated targets accumulates
  const AI = [1, 1, 1, 0, 0, 0, 3, 3, 2];
  const A = randomArray(rng, 9);
  const sa = x.scatterAdd(1, tensor(AI, { shape: [3, 3], dtype: 'int64' }), tensor(A, { shape: [3, 3] }));
  const saRef = [...X];
  AI.forEach((c, k) => (saRef[Math.floor(k / 3) * 4 + c]! += A[k]!));
  assertClose(vals(sa), saRef);
  // scatterAdd along dim 0 into zeros: a histogram
  const bins = zeros([4]).scatterAdd(0, tensor([0, 2, 2, 3, 2, 0], { dtype: 'int64' }), ones([6]));
  assert.deepEqual(bins.toArray(), [2, 0, 3, 1]);

  // indexAdd rows with a repeated index
  const R = randomArray(rng, 12);
  const ia = x.indexAdd(0, tensor([2, 0, 2], { dtype: 'int64' }), tensor(R, { shape: [3, 4] }));
  const iaRef = [...X];
  [2, 0, 2].forEach((row, k) => {
    for (let j = 0; j < 4; j++) iaRef[row * 4 + j]! += R[k * 4 + j]!;
  });
  assertClose(vals(ia), iaRef);

  // indexCopy_: in place, rows written at positions
  const q = x.clone();
  const out = q.indexCopy_(0, tensor([2, 0], { dtype: 'int64' }), tensor(R.slice(0, 8), { shape: [2, 4] }));
  assert.equal(out, q);
  assertClose(vals(q), [...R.slice(4, 8), ...X.slice(4, 8), ...R.slice(0, 4)], {
    rtol: 0,
    atol: 0,
  });
  // on dim 1 of a [3,4] tensor
  const q1 = zeros([3, 4]);
  q1.indexCopy_(1, tensor([3, 1], { dtype: 'int64' }), tensor([1, 2, 3, 4, 5, 6], { shape: [3, 2] }));
  assert.deepEqual(q1.toArray(), [0, 2, 0, 1, 0, 4, 0, 3, 0, 6, 0, 5]);
});

test('maskedSelect/maskedScatter/nonzero against loops', () => {
  const rng = new Rng(12);
  const X = randomArray(rng, 20);
  const x = tensor(X, { shape: [4, 5] });
  const mask = x.gt(0.2);
  const ms = x.maskedSelect(mask);
  assert.deepEqual(ms.shape, [X.filter((v) => v > 0.2).length]);
  assertClose(
    vals(ms),
    X.filter((v) => v > 0.2),
    { rtol: 0, atol: 0 },
  );
  // a broadcast row mask
  const rowMask = tensor([1, 0, 1, 0, 0], { dtype: 'bool' });
  assertClose(
    vals(x.maskedSelect(rowMask)),
    X.filter((_, i) => i % 5 === 0 || i % 5 === 2),
    { rtol: 0, atol: 0 },
  );
  // maskedScatter fills masked places with consecutive source values
  const src = arange(20, undefined, 1, { dtype: 'float32' }).add(100);
  const msc = x.maskedScatter(mask, src);
  let k = 0;
  assertClose(
    vals(msc),
    X.map((v) => (v > 0.2 ? 100 + k++ : v)),
    { rtol: 0, atol: 0 },
  );
  // nonzero: [count, ndim] int64 in C order
  const nz = mask.nonzero();
  assert.equal(nz.dtype, 'int64');
  const wantNz: number[] = [];
  X.forEach((v, i) => {
    if (v > 0.2) wantNz.push(...unravel(i, [4, 5]));
  });
  assert.deepEqual(nz.shape, [wantNz.length / 2, 2]);
  assert.deepEqual(nz.toArray(), wantNz);
});

test('flip/roll/tril/triu against index arithmetic', () => {
  const shape = [3, 4];
  const X = Array.from({ length: 12 }, (_, i) => i * 1.5);
  const x = tensor(X, { shape });
  const at = (i: number, j: number) => X[i * 4 + j]!;
  const build = (f: (i: number, j: number) => number) =>
    Array.from({ length: 12 }, (_, k) => f(Math.floor(k / 4), k % 4));
  assert.deepEqual(
    x.flip(0).toArray(),
    build((i, j) => at(2 - i, j)),
  );
  assert.deepEqual(
    x.flip(1).toArray(),
    build((i, j) => at(i, 3 - j)),
  );
  assert.deepEqual(
    x.flip(0, 1).toArray(),
    build((i, j) => at(2 - i, 3 - j)),
  );
  assert.deepEqual(x.flip(-1).toArray(), x.flip(1).toArray());
  const mod = (a: number, n: number) => ((a % n) + n) % n;
  // roll: out[i] = x[(i - shift) mod n]
  const v = tensor([0, 1, 2, 3, 4]);
  assert.deepEqual(v.roll(2, 0).toArray(), [3, 4, 0, 1, 2]);
  assert.deepEqual(v.roll(-1, 0).toArray(), [1, 2, 3, 4, 0]);
  assert.deepEqual(v.roll(7, 0).toArray(), [3, 4, 0, 1, 2]);
  assert.deepEqual(
    x.roll(-1, 1).toArray(),
    build((i, j) => at(i, mod(j + 1, 4))),
  );
  assert.deepEqual(
    x.roll([1, 2], [0, 1]).toArray(),
    build((i, j) => at(mod(i - 1, 3), mod(j - 2, 4))),
  );
  for (const k of [-1, 0, 1, 2]) {
    assert.deepEqual(
      x.tril(k).toArray(),
      build((i, j) => (j <= i + k ? at(i, j) : 0)),
      `tril ${k}`,
    );
    assert.deepEqual(
      x.triu(k).toArray(),
      build((i, j) => (j >= i + k ? at(i, j) : 0)),
      `triu ${k}`,
    );
  }
  assert.deepEqual(
    x.tril().toArray(),
    build((i, j) => (j <= i ? at(i, j) : 0)),
  );
});

// ---------------------------------------------------------------------------------------------------------------
// in place and views

test('in-place ops change the tensor, return it, and match loops', () => {
  const rng = new Rng(13);
  const X = randomArray(rng, 12);
  const Y = randomArray(rng, 12);
  const Z = randomArray(rng, 12, 0.5, 2);
  const y = tensor(Y, { shape: [3, 4] });
  const z = tensor(Z, { shape: [3, 4] });
  const fresh = () => tensor(X, { shape: [3, 4] });
  const cases: [string, (t: Tensor) => Tensor, (x: number, i: number) => number][] = [
    ['add_', (t) => t.add_(y), (v, i) => v + Y[i]!],
    ['add_ alpha', (t) => t.add_(y, -0.5), (v, i) => v - 0.5 * Y[i]!],
    ['add_ scalar', (t) => t.add_(2), (v) => v + 2],
    ['sub_', (t) => t.sub_(y, 2), (v, i) => v - 2 * Y[i]!],
    ['mul_ scalar', (t) => t.mul_(3), (v) => v * 3],
    ['mul_ tensor', (t) => t.mul_(y), (v, i) => v * Y[i]!],
    ['mul_ broadcast row', (t) => t.mul_(tensor(Y.slice(0, 4))), (v, i) => v * Y[i % 4]!],
    ['div_', (t) => t.div_(z), (v, i) => v / Z[i]!],
    ['div_ scalar', (t) => t.div_(4), (v) => v / 4],
    ['lerp_', (t) => t.lerp_(y, 0.3), (v, i) => v + 0.3 * (Y[i]! - v)],
    ['lerp_ 0.999 (EMA)', (t) => t.lerp_(y, 0.999), (v, i) => v + 0.999 * (Y[i]! - v)],
    ['addcmul_', (t) => t.addcmul_(y, z, 0.5), (v, i) => v + 0.5 * Y[i]! * Z[i]!],
    ['addcmul_ default', (t) => t.addcmul_(y, z), (v, i) => v + Y[i]! * Z[i]!],
    ['addcdiv_', (t) => t.addcdiv_(y, z, -2), (v, i) => v - (2 * Y[i]!) / Z[i]!],
    ['clampMin_', (t) => t.clampMin_(0.1), (v) => Math.max(v, 0.1)],
    ['sqrt_', (t) => t.abs().sqrt_(), (v) => Math.sqrt(Math.abs(v))],
    ['maximum_', (t) => t.maximum_(y), (v, i) => Math.max(v, Y[i]!)],
    ['fill_', (t) => t.fill_(-3.5), () => -3.5],
    ['zero_', (t) => t.zero_(), () => 0],
    ['copy_ broadcast', (t) => t.copy_(tensor(Y.slice(0, 4), { dtype: 'float64' })), (_, i) => Y[i % 4]!],
  ];
  for (const [name, op, f] of cases) {
    const t = fresh();
    const r = op(t);
    if (name !== 'sqrt_') assert.equal(r, t, `${name} returns this`);
    assertClose(vals(r), X.map(f), { rtol: 2e-6, msg: name });
    assert.equal(r.dtype, 'float32', name);
  }
  // in place on int64 stays exact
  const big = tensor(BigInt64Array.of(2n ** 60n, 5n));
  big.add_(1).mul_(2);
  assert.deepEqual(Array.from(big.data() as BigInt64Array), [2n ** 61n + 2n, 12n]);
});

test('views share memory with their base: writes through either side are seen by both', () => {
  const base = zeros([3, 4]);
  const cols = base.slice(1, 1, 3); // columns 1..2
  cols.fill_(5);
  assert.deepEqual(base.toArray(), [0, 5, 5, 0, 0, 5, 5, 0, 0, 5, 5, 0]);
  const row = base.select(0, 2);
  row.add_(1);
  assert.deepEqual(base.toArray(), [0, 5, 5, 0, 0, 5, 5, 0, 1, 6, 6, 1]);
  // in-place op on the base is seen by existing views
  base.mul_(2);
  assert.deepEqual(cols.toArray(), [10, 10, 10, 10, 12, 12]);
  assert.deepEqual(row.toArray(), [2, 12, 12, 2]);
  // a transposed view, an addcmul_ through it
  const t = base.T;
  t.addcmul_(ones([4, 3]), full([4, 3], 0.5), 2);
  assert.deepEqual(base.toArray(), [1, 11, 11, 1, 1, 11, 11, 1, 3, 13, 13, 3]);
  // a reshaped view of a contiguous tensor, a strided slice, and lerp_ / addcdiv_
  const flat = base.view(12);
  flat.slice(0, 0, null, 4).lerp_(full([3], 21), 0.5);
  assert.deepEqual(base.toArray(), [11, 11, 11, 1, 11, 11, 11, 1, 12, 13, 13, 3]);
  const last = base.select(1, -1);
  last.addcdiv_(ones([3]), full([3], 4), 8);
  assert.deepEqual(base.toArray(), [11, 11, 11, 3, 11, 11, 11, 3, 12, 13, 13, 5]);
  // expand is a view too
  const src = tensor([1, 2, 3], { shape: [3, 1] });
  const ex = src.expand(3, 2);
  src.mul_(10);
  assert.deepEqual(ex.toArray(), [10, 10, 20, 20, 30, 30]);
  // detach shares memory; clone does not
  const d = base.detach();
  const c = base.clone();
  base.zero_();
  assert.deepEqual(d.toArray(), new Array(12).fill(0));
  assert.equal(c.toArray()[11], 5);
  assert.equal(numel(c.shape), 12);
});
