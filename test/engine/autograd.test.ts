/**
 * The engine's autograd: every gradient here is checked against central finite differences computed in float64
 * (the analytic gradient of sum(f(x) * R) for a fixed random R, against (L(x + h e_j) - L(x - h e_j)) / 2h), plus
 * the autograd controls (grad() with createGraph, noGrad/enableGrad, accumulation, retainGraph, detach).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  tensor,
  tidy,
  F,
  grad,
  noGrad,
  enableGrad,
  isGradEnabled,
  cat,
  stack,
  where,
  setNumThreads,
  type Tensor,
} from '../../src/engine/index.js';
import { Rng } from '../../src/util/rng.js';
import { assertClose, randomArray, numel } from './helpers.js';

// Tiny tensors: one intra-op thread avoids thread-pool contention on a loaded machine (per test process).
setNumThreads(1);

interface Arr {
  data: Float64Array;
  shape: number[];
}

function rand(rng: Rng, shape: number[], low = -1, high = 1): Arr {
  return { data: Float64Array.from(randomArray(rng, numel(shape), low, high)), shape };
}

function t64(a: Arr): Tensor {
  return tensor(a.data, { shape: a.shape });
}

function long(values: readonly number[], shape: readonly number[]): Tensor {
  return tensor([...values], { shape, dtype: 'int64' });
}

/**
 * Checks the gradients of f with respect to every input against central differences of L = sum(f(x) * R).
 * f must be deterministic and smooth at the given inputs (no ties for max, no points on kinks).
 */
function gradcheck(
  msg: string,
  f: (xs: Tensor[]) => Tensor,
  inputs: Arr[],
  rng: Rng,
  o: { h?: number; rtol?: number; atol?: number } = {},
): void {
  const h = o.h ?? 1e-6;
  const outShape = tidy(() => noGrad(() => f(inputs.map(t64)).shape));
  const R = {
    data: Float64Array.from(randomArray(rng, numel(outShape), 0.5, 1.5).map((v, i) => (i % 2 ? v : -v))),
    shape: outShape,
  };
  const loss = (xs: Tensor[]): Tensor => f(xs).mul(t64(R)).sum();

  const analytic = tidy(() => {
    const ts = inputs.map((a) => t64(a).requiresGrad_());
    const l = loss(ts);
    assert.equal(l.requiresGrad, true, `${msg}: loss records a graph`);
    l.backward();
    return ts.map((t, i) => {
      const g = t.grad;
      assert.ok(g !== null, `${msg}: input ${i} got no gradient`);
      assert.deepEqual(g.shape, inputs[i]!.shape, `${msg}: gradient shape of input ${i}`);
      return g.toFloat64Array();
    });
  });

  const evalAt = (xs: Arr[]): number => noGrad(() => tidy(() => loss(xs.map(t64)).item()));
  inputs.forEach((a, i) => {
    const numeric = new Float64Array(a.data.length);
    for (let j = 0; j < a.data.length; j++) {
      const plus = a.data.slice();
      const minus = a.data.slice();
      plus[j]! += h;
      minus[j]! -= h;
      const at = (d: Float64Array): Arr[] => inputs.map((b, k) => (k === i ? { data: d, shape: b.shape } : b));
      numeric[j] = (evalAt(at(plus)) - evalAt(at(minus))) / (2 * h);
    }
    assertClose(analytic[i]!, numeric, { rtol: o.rtol ?? 1e-5, atol: o.atol ?? 1e-6, msg: `${msg}: d/d input ${i}` });
  });
}

test('gradcheck itself fails on a wrong analytic gradient (a detached factor halves the gradient of x²)', () => {
  const rng = new Rng(100);
  assert.throws(() => gradcheck('x * stop(x)', ([x]) => x!.mul(x!.detach()), [rand(rng, [4])], rng), /d\/d input 0/);
  gradcheck('x * x', ([x]) => x!.mul(x!), [rand(rng, [4])], rng);
});

// ---------------------------------------------------------------- elementwise, matmul, reductions

test('gradients of unary elementwise ops vs finite differences', () => {
  const rng = new Rng(101);
  const anywhere: [string, (x: Tensor) => Tensor][] = [
    ['neg', (x) => x.neg()],
    ['abs', (x) => x.abs()],
    ['exp', (x) => x.exp()],
    ['expm1', (x) => x.expm1()],
    ['square', (x) => x.square()],
    ['sin', (x) => x.sin()],
    ['cos', (x) => x.cos()],
    ['tanh', (x) => x.tanh()],
    ['sigmoid', (x) => x.sigmoid()],
    ['relu', (x) => x.relu()],
    ['gelu', (x) => x.gelu()],
    ['softplus', (x) => x.softplus()],
    ['erf', (x) => x.erf()],
    ['leakyRelu', (x) => F.leakyRelu(x, 0.2)],
    ['elu', (x) => F.elu(x, 0.7)],
    ['clamp', (x) => x.clamp(-0.5, 0.6)],
    ['pow 3', (x) => x.pow(3)],
    ['mul scalar', (x) => x.mul(2.5).add(1)],
  ];
  const positive: [string, (x: Tensor) => Tensor][] = [
    ['log', (x) => x.log()],
    ['log1p', (x) => x.log1p()],
    ['sqrt', (x) => x.sqrt()],
    ['rsqrt', (x) => x.rsqrt()],
    ['reciprocal', (x) => x.reciprocal()],
    ['rdiv', (x) => x.rdiv(3)],
    ['pow 1.7', (x) => x.pow(1.7)],
  ];
  for (const [name, fn] of anywhere) gradcheck(name, ([x]) => fn(x!), [rand(rng, [3, 4], -2, 2)], rng);
  for (const [name, fn] of positive) gradcheck(name, ([x]) => fn(x!), [rand(rng, [3, 4], 0.5, 2)], rng);
});

test('gradients of broadcasting binary ops vs finite differences (both operands)', () => {
  const rng = new Rng(102);
  const ops: [string, (a: Tensor, b: Tensor) => Tensor][] = [
    ['add', (a, b) => a.add(b)],
    ['add alpha', (a, b) => a.add(b, -1.5)],
    ['sub', (a, b) => a.sub(b)],
    ['mul', (a, b) => a.mul(b)],
    ['div', (a, b) => a.div(b)],
    ['pow', (a, b) => a.abs().add(0.5).pow(b)],
    ['maximum', (a, b) => a.maximum(b)],
    ['minimum', (a, b) => a.minimum(b)],
    ['atan2', (a, b) => a.atan2(b)],
    ['lerp', (a, b) => a.lerp(b.expand(3, 4), 0.3)],
  ];
  for (const [name, fn] of ops) {
    const a = rand(rng, [3, 4], -2, 2);
    const b = rand(rng, [1, 4], 0.5, 2);
    gradcheck(name, ([x, y]) => fn(x!, y!), [a, b], rng);
  }
});

test('gradients of matmul (2-D, batched with broadcasting) and bmm', () => {
  const rng = new Rng(103);
  gradcheck('matmul 2-D', ([a, b]) => a!.matmul(b!), [rand(rng, [3, 4]), rand(rng, [4, 5])], rng);
  gradcheck('matmul batched', ([a, b]) => a!.matmul(b!), [rand(rng, [2, 3, 4]), rand(rng, [4, 2])], rng);
  gradcheck('matmul vector', ([a, b]) => a!.matmul(b!), [rand(rng, [3, 4]), rand(rng, [4])], rng);
  gradcheck('bmm', ([a, b]) => a!.bmm(b!), [rand(rng, [2, 3, 4]), rand(rng, [2, 4, 2])], rng);
  gradcheck(
    'linear',
    ([x, w, b]) => F.linear(x!, w!, b!),
    [rand(rng, [2, 3, 5]), rand(rng, [4, 5]), rand(rng, [4])],
    rng,
  );
});

test('gradients of reductions: sum, mean, amax, var, std, norm, logsumexp, cumsum', () => {
  const rng = new Rng(104);
  const x = (): Arr => rand(rng, [3, 4, 5], -2, 2);
  gradcheck('sum all', ([t]) => t!.sum(), [x()], rng);
  gradcheck('sum dims', ([t]) => t!.sum([0, 2]), [x()], rng);
  gradcheck('mean keepdim', ([t]) => t!.mean(1, true), [x()], rng);
  gradcheck('amax', ([t]) => t!.amax(2), [x()], rng);
  gradcheck('var', ([t]) => t!.var(1), [x()], rng);
  gradcheck('var biased', ([t]) => t!.var([0, 2], { correction: 0 }), [x()], rng);
  gradcheck('std', ([t]) => t!.std(2, { keepdim: true }), [x()], rng);
  gradcheck('norm 2', ([t]) => t!.norm(2, 1), [x()], rng);
  gradcheck('logsumexp dim', ([t]) => t!.logsumexp(1), [x()], rng);
  gradcheck('logsumexp all', ([t]) => t!.logsumexp(), [x()], rng);
  gradcheck('cumsum', ([t]) => t!.cumsum(2), [x()], rng);
});

test('gradients of softmax and logSoftmax', () => {
  const rng = new Rng(105);
  gradcheck('softmax dim 1', ([t]) => F.softmax(t!, 1), [rand(rng, [2, 4, 3], -2, 2)], rng);
  gradcheck('softmax dim -1', ([t]) => F.softmax(t!, -1), [rand(rng, [2, 4, 3], -2, 2)], rng);
  gradcheck('logSoftmax dim 1', ([t]) => F.logSoftmax(t!, 1), [rand(rng, [2, 4, 3], -2, 2)], rng);
});

// ---------------------------------------------------------------- convolution and pooling

test('gradients of conv2d and conv3d (input, weight, bias), strided/padded/grouped', () => {
  const rng = new Rng(106);
  gradcheck(
    'conv2d',
    ([x, w, b]) => F.conv2d(x!, w!, b!, { stride: 2, padding: 1 }),
    [rand(rng, [2, 3, 5, 5]), rand(rng, [4, 3, 3, 3]), rand(rng, [4])],
    rng,
  );
  gradcheck(
    'conv2d grouped dilated',
    ([x, w, b]) => F.conv2d(x!, w!, b!, { padding: [2, 1], dilation: [2, 1], groups: 2 }),
    [rand(rng, [1, 4, 5, 4]), rand(rng, [2, 2, 3, 3]), rand(rng, [2])],
    rng,
  );
  gradcheck(
    'conv3d',
    ([x, w, b]) => F.conv3d(x!, w!, b!, { padding: 1, stride: [1, 2, 1] }),
    [rand(rng, [1, 2, 4, 4, 3]), rand(rng, [3, 2, 3, 3, 3]), rand(rng, [3])],
    rng,
  );
});

test('gradients of convTranspose2d (input, weight, bias)', () => {
  const rng = new Rng(107);
  gradcheck(
    'convTranspose2d s2 k3 p1 op1',
    ([x, w, b]) => F.convTranspose2d(x!, w!, b!, { stride: 2, padding: 1, outputPadding: 1 }),
    [rand(rng, [1, 3, 3, 3]), rand(rng, [3, 2, 3, 3]), rand(rng, [2])],
    rng,
  );
  gradcheck(
    'convTranspose2d s2 k2',
    ([x, w, b]) => F.convTranspose2d(x!, w!, b!, { stride: 2 }),
    [rand(rng, [2, 2, 2, 3]), rand(rng, [2, 3, 2, 2]), rand(rng, [3])],
    rng,
  );
});

test('gradients of maxPool2d and avgPool2d', () => {
  const rng = new Rng(108);
  gradcheck(
    'maxPool2d k3 s2 p1',
    ([x]) => F.maxPool2d(x!, { kernelSize: 3, stride: 2, padding: 1 }),
    [rand(rng, [2, 2, 5, 5])],
    rng,
  );
  gradcheck(
    'maxPool2d k2 ceil',
    ([x]) => F.maxPool2d(x!, { kernelSize: 2, ceilMode: true }),
    [rand(rng, [1, 2, 5, 3])],
    rng,
  );
  gradcheck(
    'avgPool2d k3 s2 p1',
    ([x]) => F.avgPool2d(x!, { kernelSize: 3, stride: 2, padding: 1 }),
    [rand(rng, [2, 2, 5, 5])],
    rng,
  );
  gradcheck(
    'avgPool2d exclude pad',
    ([x]) => F.avgPool2d(x!, { kernelSize: 3, stride: 2, padding: 1, countIncludePad: false }),
    [rand(rng, [1, 2, 5, 4])],
    rng,
  );
  gradcheck('adaptiveAvgPool2d', ([x]) => F.adaptiveAvgPool2d(x!, [2, 3]), [rand(rng, [1, 2, 5, 4])], rng);
});

// ---------------------------------------------------------------- normalisation

test('gradients of batchNorm (training), instanceNorm, groupNorm, layerNorm (input, weight, bias)', () => {
  const rng = new Rng(109);
  gradcheck(
    'batchNorm training',
    ([x, w, b]) => F.batchNorm(x!, null, null, { weight: w!, bias: b!, training: true }),
    [rand(rng, [4, 3, 2, 3], -2, 2), rand(rng, [3], 0.5, 2), rand(rng, [3])],
    rng,
  );
  gradcheck(
    'instanceNorm',
    ([x, w, b]) => F.instanceNorm(x!, { weight: w!, bias: b! }),
    [rand(rng, [2, 3, 3, 4], -2, 2), rand(rng, [3], 0.5, 2), rand(rng, [3])],
    rng,
  );
  gradcheck(
    'groupNorm',
    ([x, w, b]) => F.groupNorm(x!, 2, { weight: w!, bias: b! }),
    [rand(rng, [2, 4, 3, 3], -2, 2), rand(rng, [4], 0.5, 2), rand(rng, [4])],
    rng,
  );
  gradcheck(
    'layerNorm',
    ([x, w, b]) => F.layerNorm(x!, [3, 4], { weight: w!, bias: b! }),
    [rand(rng, [2, 3, 4], -2, 2), rand(rng, [3, 4], 0.5, 2), rand(rng, [3, 4])],
    rng,
  );
});

// ---------------------------------------------------------------- resampling, losses, normalize

test('gradients of interpolate bilinear (both alignCorners) and trilinear', () => {
  const rng = new Rng(110);
  for (const ac of [false, true]) {
    gradcheck(
      `bilinear ac=${ac}`,
      ([x]) => F.interpolate(x!, { size: [5, 7], mode: 'bilinear', alignCorners: ac }),
      [rand(rng, [1, 2, 3, 4])],
      rng,
    );
  }
  gradcheck(
    'trilinear',
    ([x]) => F.interpolate(x!, { size: [3, 4, 5], mode: 'trilinear' }),
    [rand(rng, [1, 1, 2, 3, 3])],
    rng,
  );
});

test('gradients of gridSample bilinear with respect to input and grid (2D, 3D)', () => {
  const rng = new Rng(111);
  for (const ac of [false, true]) {
    gradcheck(
      `gridSample 2D ac=${ac}`,
      ([x, g]) => F.gridSample(x!, g!, { alignCorners: ac }),
      [rand(rng, [1, 2, 4, 5]), rand(rng, [1, 3, 4, 2], -1.1, 1.1)],
      rng,
    );
  }
  gradcheck(
    'gridSample 2D border',
    ([x, g]) => F.gridSample(x!, g!, { paddingMode: 'border' }),
    [rand(rng, [1, 1, 3, 4]), rand(rng, [1, 2, 3, 2], -0.9, 0.9)],
    rng,
  );
  gradcheck(
    'gridSample 3D',
    ([x, g]) => F.gridSample(x!, g!),
    [rand(rng, [1, 1, 3, 3, 3]), rand(rng, [1, 2, 2, 2, 3], -1, 1)],
    rng,
  );
  // through affineGrid to theta (the path a learned affine warp takes)
  gradcheck(
    'affineGrid -> gridSample, d/d theta',
    ([th, x]) => F.gridSample(x!, F.affineGrid(th!, [1, 1, 4, 5])),
    [{ data: Float64Array.from([0.9, 0.1, 0.05, -0.1, 1.05, -0.1]), shape: [1, 2, 3] }, rand(rng, [1, 1, 4, 5])],
    rng,
  );
});

test('gradients of crossEntropy (weights, ignoreIndex, smoothing, N-D), nllLoss, BCE with logits, mseLoss', () => {
  const rng = new Rng(112);
  const t1 = long([0, 3, 1, -100, 2], [5]);
  const w = tensor([0.5, 2, 1, 1.5], { dtype: 'float64' });
  gradcheck('crossEntropy weighted', ([x]) => F.crossEntropy(x!, t1, { weight: w }), [rand(rng, [5, 4], -2, 2)], rng);
  gradcheck(
    'crossEntropy weighted smoothed sum',
    ([x]) => F.crossEntropy(x!, t1, { weight: w, labelSmoothing: 0.1, reduction: 'sum' }),
    [rand(rng, [5, 4], -2, 2)],
    rng,
  );
  const tn = long(
    Array.from({ length: 2 * 3 * 3 }, () => rng.int(0, 4)),
    [2, 3, 3],
  );
  gradcheck(
    'crossEntropy N-D weighted',
    ([x]) => F.crossEntropy(x!, tn, { weight: w }),
    [rand(rng, [2, 4, 3, 3], -2, 2)],
    rng,
  );
  gradcheck(
    'crossEntropy probability targets',
    ([x, q]) => F.crossEntropy(x!, F.softmax(q!, 1)),
    [rand(rng, [3, 4], -2, 2), rand(rng, [3, 4])],
    rng,
  );
  gradcheck(
    'nllLoss',
    ([x]) => F.nllLoss(F.logSoftmax(x!, 1), t1, { weight: w, reduction: 'none' }),
    [rand(rng, [5, 4], -2, 2)],
    rng,
  );
  gradcheck(
    'bceWithLogits',
    ([x, y]) => F.binaryCrossEntropyWithLogits(x!, y!, { posWeight: tensor([2, 0.5, 1], { dtype: 'float64' }) }),
    [rand(rng, [4, 3], -3, 3), rand(rng, [4, 3], 0, 1)],
    rng,
  );
  gradcheck('mseLoss', ([a, b]) => F.mseLoss(a!, b!), [rand(rng, [3, 4]), rand(rng, [3, 4])], rng);
});

test('gradient of normalize (L2 along dim 1)', () => {
  const rng = new Rng(113);
  gradcheck('normalize', ([x]) => F.normalize(x!), [rand(rng, [3, 4, 2])], rng);
  gradcheck('normalize dim -1', ([x]) => F.normalize(x!, { dim: -1 }), [rand(rng, [3, 5])], rng);
});

// ---------------------------------------------------------------- indexing and shapes

test('gradients of gather, indexSelect (repeated indices accumulate), cat, stack, slice, and view ops', () => {
  const rng = new Rng(114);
  const gi = long([0, 4, 4, 2, 1, 1, 3, 0, 2], [3, 3]);
  gradcheck('gather', ([x]) => x!.gather(1, gi), [rand(rng, [3, 5])], rng);
  const si = long([2, 0, 2, 2], [4]);
  gradcheck('indexSelect', ([x]) => x!.indexSelect(0, si), [rand(rng, [3, 5])], rng);
  gradcheck('cat', ([a, b]) => cat([a!, b!], 1), [rand(rng, [2, 3]), rand(rng, [2, 4])], rng);
  gradcheck('stack', ([a, b]) => stack([a!, b!.mul(b!)], 1), [rand(rng, [2, 3]), rand(rng, [2, 3])], rng);
  gradcheck('slice step 2', ([x]) => x!.slice(1, 1, 6, 2), [rand(rng, [3, 7])], rng);
  gradcheck('slice negative', ([x]) => x!.slice(0, -2), [rand(rng, [4, 3])], rng);
  gradcheck('select + narrow', ([x]) => x!.select(0, 1).narrow(0, 1, 2), [rand(rng, [3, 4, 2])], rng);
  gradcheck(
    'permute/reshape/transpose',
    ([x]) => x!.permute(2, 0, 1).reshape(4, 6).transpose(0, 1),
    [rand(rng, [2, 3, 4])],
    rng,
  );
  gradcheck('expand/repeat/flip', ([x]) => x!.expand(3, 2, 4).repeat(1, 2, 1).flip(2), [rand(rng, [1, 2, 4])], rng);
  const mask = tensor([1, 0, 0, 1, 1, 0, 1, 0, 0, 0, 1, 1], { shape: [3, 4], dtype: 'bool' });
  gradcheck('where', ([a, b]) => where(mask, a!, b!), [rand(rng, [3, 4]), rand(rng, [3, 4])], rng);
  gradcheck('maskedFill', ([a]) => a!.maskedFill(mask, 2), [rand(rng, [3, 4])], rng);
});

// ---------------------------------------------------------------- autograd controls

test('grad() with createGraph gives a differentiable first derivative: second derivatives vs analytic values', () => {
  tidy(() => {
    const xs = [-1.3, -0.2, 0.4, 1.7, 2.5];
    const x = tensor(xs, { dtype: 'float64', requiresGrad: true });
    // f = Σ x sin x: f' = sin x + x cos x, f'' = 2 cos x - x sin x
    const y = x.mul(x.sin()).sum();
    const [g] = grad(y, x, { createGraph: true });
    assert.ok(g, 'first derivative');
    assert.equal(g.requiresGrad, true, 'createGraph keeps the first derivative in the graph');
    assertClose(
      g.toFloat64Array(),
      xs.map((v) => Math.sin(v) + v * Math.cos(v)),
      { rtol: 1e-12, atol: 1e-12, msg: "f'" },
    );
    const [g2] = grad(g.sum(), x);
    assert.ok(g2, 'second derivative');
    assertClose(
      g2.toFloat64Array(),
      xs.map((v) => 2 * Math.cos(v) - v * Math.sin(v)),
      { rtol: 1e-12, atol: 1e-12, msg: "f''" },
    );
    // grad() does not touch .grad
    assert.equal(x.grad, null);
    // the cube: d²/dx² Σ x³ = 6x
    const [c1] = grad(x.pow(3).sum(), x, { createGraph: true });
    const [c2] = grad(c1!.sum(), x);
    assertClose(
      c2!.toFloat64Array(),
      xs.map((v) => 6 * v),
      { rtol: 1e-12, atol: 1e-12, msg: "(x^3)''" },
    );
    // without createGraph the derivative is a constant
    const [d] = grad(x.pow(3).sum(), x);
    assert.equal(d!.requiresGrad, false);
  });
});

test('grad(): several inputs, gradOutputs for a non-scalar output, allowUnused', () => {
  tidy(() => {
    const a = tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true });
    const b = tensor([4, 5, 6], { dtype: 'float64', requiresGrad: true });
    const unused = tensor([7], { dtype: 'float64', requiresGrad: true });
    const y = a.mul(b); // non-scalar
    const v = tensor([1, -2, 0.5], { dtype: 'float64' });
    const [ga, gb] = grad(y, [a, b], { gradOutputs: [v], retainGraph: true });
    assert.deepEqual(ga!.toArray(), [4, -10, 3]); // v * b
    assert.deepEqual(gb!.toArray(), [1, -4, 1.5]); // v * a
    assert.throws(() => grad(y.sum(), [a, unused], { retainGraph: true }));
    const r = grad(y.sum(), [a, unused], { allowUnused: true });
    assert.deepEqual(r[0]!.toArray(), [4, 5, 6]);
    assert.equal(r[1], null);
  });
});

test('noGrad turns recording off, restores the previous mode after return and after a throw; enableGrad nests', () => {
  tidy(() => {
    assert.equal(isGradEnabled(), true);
    const x = tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true });
    const y = noGrad(() => {
      assert.equal(isGradEnabled(), false);
      return x.mul(2);
    });
    assert.equal(y.requiresGrad, false, 'result of noGrad does not require grad');
    assert.equal(y.gradFn, null);
    assert.equal(isGradEnabled(), true, 'restored after return');

    assert.throws(
      () =>
        noGrad(() => {
          throw new Error('boom');
        }),
      /boom/,
    );
    assert.equal(isGradEnabled(), true, 'restored after a throw');

    // enableGrad inside noGrad records; leaving it returns to "off", leaving noGrad to "on"
    noGrad(() => {
      const z = enableGrad(() => {
        assert.equal(isGradEnabled(), true);
        return x.mul(3);
      });
      assert.equal(z.requiresGrad, true, 'enableGrad records inside noGrad');
      assert.equal(isGradEnabled(), false, 'back to off after enableGrad');
      // nested noGrad keeps "off" after it returns (restores the previous mode, not "on")
      noGrad(() => x.add(1));
      assert.equal(isGradEnabled(), false);
      assert.throws(
        () =>
          enableGrad(() => {
            throw new RangeError('inner');
          }),
        /inner/,
      );
      assert.equal(isGradEnabled(), false, 'enableGrad restores "off" after a throw');
    });
    assert.equal(isGradEnabled(), true);

    // an async fn is refused and the mode is still restored
    assert.throws(() => noGrad(() => Promise.resolve(1)), /synchronous/);
    assert.equal(isGradEnabled(), true);
    // with recording on, the same op records a graph
    const w = x.mul(2);
    assert.equal(w.requiresGrad, true);
    assert.equal(typeof w.gradFn, 'string');
  });
});

test('gradients accumulate in .grad over two backward calls; setting .grad = null clears', () => {
  tidy(() => {
    const xs = [0.5, -1, 2];
    const x = tensor(xs, { dtype: 'float64', requiresGrad: true });
    assert.equal(x.isLeaf, true);
    x.mul(x).sum().backward(); // 2x
    assertClose(
      x.grad!.toFloat64Array(),
      xs.map((v) => 2 * v),
      { rtol: 0, atol: 0 },
    );
    x.mul(3).sum().backward(); // + 3
    assertClose(
      x.grad!.toFloat64Array(),
      xs.map((v) => 2 * v + 3),
      { rtol: 0, atol: 0, msg: 'accumulated' },
    );
    x.grad = null;
    assert.equal(x.grad, null);
    x.exp().sum().backward();
    assertClose(x.grad!.toFloat64Array(), xs.map(Math.exp), { rtol: 1e-15, atol: 0, msg: 'after clearing' });
    // backward with an explicit gradient for a non-scalar output
    x.grad = null;
    x.mul(3).backward(tensor([1, 2, -1], { dtype: 'float64' }));
    assert.deepEqual(x.grad!.toArray(), [3, 6, -3]);
  });
});

test('retainGraph allows a second backward through the same graph; without it the second one throws', () => {
  tidy(() => {
    const xs = [1.5, -0.5];
    const x = tensor(xs, { dtype: 'float64', requiresGrad: true });
    const y = x.exp().mul(x).sum(); // d/dx = e^x (1 + x); exp saves its result, so the graph holds buffers
    y.backward(undefined, { retainGraph: true });
    y.backward();
    assertClose(
      x.grad!.toFloat64Array(),
      xs.map((v) => 2 * Math.exp(v) * (1 + v)),
      { rtol: 1e-14, atol: 0, msg: 'twice' },
    );
    const z = x.exp().mul(x).sum();
    z.backward();
    assert.throws(() => z.backward(), /second time|freed/i);
  });
});

test('detach cuts the graph and shares memory; retainGrad keeps a non-leaf gradient', () => {
  tidy(() => {
    const xs = [1, -2, 3];
    const x = tensor(xs, { dtype: 'float64', requiresGrad: true });
    const d = x.detach();
    assert.equal(d.requiresGrad, false);
    assert.equal(d.gradFn, null);
    assert.equal(d.sameData(x), true, 'detach shares memory');
    // d/dx Σ x · stop(x) = stop(x), not 2x
    x.mul(d).sum().backward();
    assert.deepEqual(x.grad!.toArray(), xs);
    // a detached result that requires grad again is a new leaf: gradients stop there
    x.grad = null;
    const h = x.mul(2).detach().requiresGrad_();
    assert.equal(h.isLeaf, true);
    h.mul(h).sum().backward();
    assert.equal(x.grad, null, 'no gradient flows through detach');
    assert.deepEqual(
      h.grad!.toArray(),
      xs.map((v) => 4 * v),
    );
    // retainGrad on an intermediate
    const m = x.mul(x);
    assert.equal(m.isLeaf, false);
    m.retainGrad();
    m.mul(tensor([1, 2, 3], { dtype: 'float64' }))
      .sum()
      .backward();
    assert.deepEqual(m.grad!.toArray(), [1, 2, 3]);
    assert.deepEqual(x.grad!.toArray(), [2, -8, 18]);
  });
});
