/**
 * Loc-CondConv against float64 references written here: the routing σ(p·W_r + b) and the mixed kernel Σ_n r_n W_n
 * by hand, the convolution by nested loops; gradients (experts, routing weights and bias, conv bias, input) by central
 * finite differences; the ablation modes 'none' (a plain convolution, p ignored) and 'concat' (3 constant channels).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, tidy, noGrad, Generator, setNumThreads, type Tensor } from '../../src/engine/index.js';
import { LocCondConv3d, type LocCondConv3dOptions } from '../../src/models/loc-cond-conv.js';
import { Rng } from '../../src/util/rng.js';
import { assertClose, randomArray, numel } from '../engine/helpers.js';
import { conv3dRef, routingRef, mixRef, concatLocationRef, type Arr, type Triple } from './conv3d-ref.js';

setNumThreads(1);

function rand(rng: Rng, shape: number[], low = -1, high = 1): Arr {
  return { data: Float64Array.from(randomArray(rng, numel(shape), low, high)), shape };
}

function t64(a: Arr, requiresGrad = false): Tensor {
  return tensor(a.data, { shape: a.shape, requiresGrad });
}

function layer64(cin: number, cout: number, opts: LocCondConv3dOptions, seed: number): LocCondConv3d {
  return new LocCondConv3d(cin, cout, 3, { ...opts, generator: new Generator(seed) }).to({ dtype: 'float64' });
}

function values(t: Tensor | null): Float64Array | null {
  return t ? t.toFloat64Array() : null;
}

/** the layer's output for location p, by hand: routing, mixing and convolution in float64 loops */
function referenceForward(l: LocCondConv3d, x: Arr, p: number[]): Arr {
  const o = { stride: l.stride as Triple, padding: l.padding as Triple, dilation: l.dilation as Triple };
  const bias = values(l.bias);
  if (l.mode === 'none') return conv3dRef(x, { data: l.weight.toFloat64Array(), shape: l.weight.shape }, bias, o);
  if (l.mode === 'concat')
    return conv3dRef(concatLocationRef(x, p), { data: l.weight.toFloat64Array(), shape: l.weight.shape }, bias, o);
  const r = routingRef(p, l.routing!.weight.toFloat64Array(), values(l.routing!.bias), l.experts);
  const kernelShape = l.weight.shape.slice(1);
  const w = mixRef(l.weight.toFloat64Array(), r, numel(kernelShape));
  return conv3dRef(x, { data: w, shape: kernelShape }, bias, o);
}

test('LocCondConv3d: output = conv3d with Σ_n σ(p·W_r + b)_n W_n, stride/padding/dilation, with and without biases', () => {
  const rng = new Rng(1);
  const cases: { cin: number; cout: number; opts: LocCondConv3dOptions; size: Triple }[] = [
    { cin: 2, cout: 3, opts: { experts: 3, padding: 1 }, size: [5, 5, 5] },
    { cin: 1, cout: 2, opts: { experts: 8, stride: 2, padding: 1, bias: false }, size: [6, 5, 7] },
    {
      cin: 3,
      cout: 2,
      opts: { experts: 2, stride: [1, 2, 1], padding: [1, 0, 2], routingBias: false },
      size: [4, 6, 5],
    },
    { cin: 2, cout: 2, opts: { experts: 4, dilation: 2, padding: 2 }, size: [5, 5, 5] },
  ];
  cases.forEach(({ cin, cout, opts, size }, i) => {
    const l = layer64(cin, cout, opts, 10 + i);
    assert.deepEqual(l.weight.shape, [opts.experts, cout, cin, 3, 3, 3]);
    assert.equal(l.routing!.bias === null, opts.routingBias === false);
    const x = rand(rng, [2, cin, ...size]);
    const p = randomArray(rng, 3, -1, 1);
    const got = tidy(() => noGrad(() => l.forward(t64(x), p).toFloat64Array()));
    const ref = referenceForward(l, x, p);
    const shape = tidy(() => noGrad(() => l.forward(t64(x), p).shape));
    assert.deepEqual(shape, ref.shape, `case ${i}: output shape`);
    assertClose(got, ref.data, { rtol: 1e-10, atol: 1e-12, msg: `case ${i}` });

    // the exposed routing weights and mixed kernel agree with the hand computation
    const r = routingRef(p, l.routing!.weight.toFloat64Array(), values(l.routing!.bias), l.experts);
    assertClose(
      tidy(() => l.routingWeights(p).toFloat64Array()),
      r,
      { rtol: 1e-12, msg: `case ${i}: r(p)` },
    );
    const kernel = mixRef(l.weight.toFloat64Array(), r, numel(l.weight.shape.slice(1)));
    assertClose(
      tidy(() => l.mixedKernel(p).toFloat64Array()),
      kernel,
      { rtol: 1e-12, atol: 1e-14, msg: `case ${i}: W(p)` },
    );
  });
});

test('LocCondConv3d: p as a tensor [3] or [1, 3] gives the same output as an array; different p, different output', () => {
  const rng = new Rng(2);
  const l = layer64(2, 2, { experts: 3, padding: 1 }, 20);
  const x = rand(rng, [1, 2, 4, 4, 4]);
  const p = [0.3, -0.7, 0.9];
  tidy(() =>
    noGrad(() => {
      const a = l.forward(t64(x), p).toFloat64Array();
      const b = l.forward(t64(x), tensor(p, { dtype: 'float64' })).toFloat64Array();
      const c = l.forward(t64(x), tensor([p], { dtype: 'float32' })).toFloat64Array();
      const d = l.forward(t64(x), Float64Array.from(p)).toFloat64Array();
      assertClose(b, a, { rtol: 0, atol: 0 });
      assertClose(c, a, { rtol: 1e-6, atol: 1e-7 }); // float32 rounding of p
      assertClose(d, a, { rtol: 0, atol: 0 });
      const e = l.forward(t64(x), [-0.3, 0.7, -0.9]).toFloat64Array();
      assert.ok(
        e.some((v, i) => Math.abs(v - a[i]!) > 1e-6),
        'a different location changes the output',
      );
    }),
  );
});

/** central differences of f with respect to every element of the parameter/input tensor t (restored afterwards) */
function finiteDifferences(t: Tensor, f: () => number, h = 1e-6): Float64Array {
  const base = t.toFloat64Array();
  const set = (v: Float64Array): void => noGrad(() => tidy(() => void t.copy_(tensor(v, { shape: t.shape }))));
  const g = new Float64Array(base.length);
  const v = Float64Array.from(base);
  for (let j = 0; j < base.length; j++) {
    v[j] = base[j]! + h;
    set(v);
    const fp = f();
    v[j] = base[j]! - h;
    set(v);
    const fm = f();
    v[j] = base[j]!;
    g[j] = (fp - fm) / (2 * h);
  }
  set(base);
  return g;
}

test('LocCondConv3d: gradients w.r.t. experts, routing weights and bias, conv bias and input match finite differences', () => {
  const rng = new Rng(3);
  for (const opts of [
    { experts: 3, padding: 1 },
    { experts: 3, stride: [1, 2, 1] as Triple, padding: [1, 0, 1] as Triple },
  ]) {
    const l = layer64(2, 2, opts, 30);
    const x = t64(rand(rng, [1, 2, 5, 5, 5]), true);
    const p = [0.4, -0.6, 0.25];
    const outShape = tidy(() => noGrad(() => l.forward(x, p).shape));
    const R = t64(rand(rng, outShape, -1.5, 1.5));
    const loss = (): Tensor => l.forward(x, p).mul(R).sum();

    l.zeroGrad();
    tidy(() => loss().backward());
    const named = [
      ['weight (experts)', l.weight],
      ['routing.weight', l.routing!.weight],
      ['routing.bias', l.routing!.bias!],
      ['bias', l.bias!],
      ['input', x],
    ] as const;
    const analytic = named.map(([name, t]) => {
      const g = t.grad;
      assert.ok(g, `${name}: no gradient`);
      return g.toFloat64Array();
    });
    const evalLoss = (): number => noGrad(() => tidy(() => loss().item()));
    named.forEach(([name, t], i) => {
      const numeric = finiteDifferences(t, evalLoss);
      assertClose(analytic[i]!, numeric, { rtol: 1e-5, atol: 1e-7, msg: `${JSON.stringify(opts)} ${name}` });
      assert.ok(
        numeric.some((v) => Math.abs(v) > 1e-3),
        `${name}: the check is not vacuous`,
      );
    });
    x.dispose();
    R.dispose();
  }
});

test("LocCondConv3d mode 'none': a plain conv3d with one kernel, the location ignored", () => {
  const rng = new Rng(4);
  const l = layer64(2, 3, { mode: 'none', stride: 2, padding: 1 }, 40);
  assert.deepEqual(l.weight.shape, [3, 2, 3, 3, 3]);
  assert.equal(l.routing, null);
  assert.equal(l.experts, 1);
  const x = rand(rng, [2, 2, 5, 6, 5]);
  const ref = referenceForward(l, x, [0, 0, 0]);
  for (const p of [
    [0.1, 0.2, 0.3],
    [-1, 1, -1],
  ]) {
    const got = tidy(() => noGrad(() => l.forward(t64(x), p).toFloat64Array()));
    assertClose(got, ref.data, { rtol: 1e-10, atol: 1e-12, msg: `p = ${p}` });
  }
  assert.throws(() => l.mixedKernel([0, 0, 0]), /only mode 'loc-condconv' has routing/);
});

test("LocCondConv3d mode 'concat': p as 3 constant input channels (Cin + 3 kernel inputs, zero padding at borders)", () => {
  const rng = new Rng(5);
  const l = layer64(2, 3, { mode: 'concat', padding: 1 }, 50);
  assert.deepEqual(l.weight.shape, [3, 5, 3, 3, 3]);
  const x = rand(rng, [2, 2, 4, 5, 4]);
  const p = [0.5, -0.25, 0.75];
  const got = tidy(() => noGrad(() => l.forward(t64(x), p).toFloat64Array()));
  const ref = referenceForward(l, x, p);
  assertClose(got, ref.data, { rtol: 1e-10, atol: 1e-12 });
  // p matters: the output moves with it
  const other = tidy(() => noGrad(() => l.forward(t64(x), [0, 0, 0]).toFloat64Array()));
  assert.ok(other.some((v, i) => Math.abs(v - got[i]!) > 1e-6));
});

test('LocCondConv3d: PyTorch-like initialisation per expert (U(±1/√(Cin·27))), routing U(±1/√3), seeded', () => {
  const cin = 4;
  const l = new LocCondConv3d(cin, 6, 3, { experts: 8, generator: new Generator(7) });
  const bound = 1 / Math.sqrt(cin * 27);
  const w = l.weight.toFloat64Array();
  const maxAbs = w.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  assert.ok(maxAbs <= bound, `weights within ±${bound}`);
  assert.ok(maxAbs > 0.95 * bound, `weights fill ±1/√fan_in per expert (max ${maxAbs}), not ±1/√(Cout·fan_in)`);
  // every expert on its own spans the range (each is a full conv kernel draw)
  for (let e = 0; e < 8; e++) {
    const part = w.subarray(e * 6 * cin * 27, (e + 1) * 6 * cin * 27);
    assert.ok(part.reduce((m, v) => Math.max(m, Math.abs(v)), 0) > 0.9 * bound, `expert ${e}`);
  }
  const b = l.bias!.toFloat64Array();
  assert.ok(b.every((v) => Math.abs(v) <= bound));
  const wr = l.routing!.weight.toFloat64Array();
  assert.deepEqual(l.routing!.weight.shape, [8, 3]);
  assert.ok(wr.every((v) => Math.abs(v) <= 1 / Math.sqrt(3)));
  // same seed, same weights; another seed, other weights
  const same = new LocCondConv3d(cin, 6, 3, { experts: 8, generator: new Generator(7) });
  assert.deepEqual(Array.from(same.weight.toFloat64Array()), Array.from(w));
  assert.deepEqual(Array.from(same.routing!.weight.toFloat64Array()), Array.from(wr));
  const other = new LocCondConv3d(cin, 6, 3, { experts: 8, generator: new Generator(8) });
  assert.notDeepEqual(Array.from(other.weight.toFloat64Array()), Array.from(w));
});

test('LocCondConv3d: bad input gets clear errors', () => {
  const l = new LocCondConv3d(2, 2, 3, { experts: 2, padding: 1 });
  tidy(() => {
    const x = tensor(new Float32Array(2 * 2 * 27), { shape: [2, 2, 3, 3, 3] });
    assert.throws(() => l.forward(x, [0, 0, 2]), /p\[2\] = 2 is outside \[-1, 1\].*scaleLandmarkCoordinates/);
    assert.throws(() => l.forward(x, [0, 0]), /expected 3 coordinates, got 2/);
    assert.throws(() => l.forward(x, [0, Number.NaN, 0]), /p\[1\]: expected a finite number/);
    assert.throws(
      () =>
        l.forward(
          x,
          tensor([
            [0, 0, 0],
            [0, 0, 0],
          ]),
        ),
      /expected shape \[3\] or \[1, 3\]/,
    );
    const bad = tensor(new Float32Array(2 * 3 * 27), { shape: [2, 3, 3, 3, 3] });
    assert.throws(() => l.forward(bad, [0, 0, 0]), /input: expected shape \[B, 2, D, H, W\], got \[2, 3, 3, 3, 3\]/);
  });
  assert.throws(() => new LocCondConv3d(2, 2, 3, { experts: 0 }), /experts: expected an integer >= 1/);
  assert.throws(
    () => new LocCondConv3d(2, 2, 3, { mode: 'hyper' as never }),
    /mode: expected loc-condconv \| none \| concat/,
  );
  assert.throws(() => new LocCondConv3d(2, 2, 3, { stride: 0 }), /stride: expected an integer >= 1/);
  assert.throws(() => new LocCondConv3d(0, 2, 3), /inChannels: expected an integer >= 1/);
});
