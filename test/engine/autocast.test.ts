/**
 * Mixed precision (issue 7): `autocast({dtype: 'bfloat16'}, fn)` on CPU.
 *
 * Which op runs in which dtype follows libtorch 1.13's CPU autocast lists (checked against Debian's python3-torch
 * 1.13 with `torch.autocast('cpu', dtype=torch.bfloat16)`):
 * - lower precision (inputs cast to bf16): conv1d/2d/3d, matmul, mm, bmm, linear;
 * - float32 (inputs cast up): cross_entropy_loss, nll_loss, mse_loss, binary_cross_entropy_with_logits, ...;
 * - in no list (run in the dtype of their inputs): softmax, log_softmax, sum, relu, max_pool2d, batch_norm. So a
 *   float32 tensor's softmax stays float32, and batch norm keeps float32 running statistics (its output takes the
 *   bf16 input's dtype).
 * Numbers are checked against float64 loops over the same inputs, with tolerances derived from bf16's unit roundoff
 * u = 2^-8 (8 significant bits).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, nn, autocast, isAutocastEnabled, noGrad, tensor, tidy } from '../../src/engine/index.js';
import { N } from '../../src/engine/native.js';
import { Rng } from '../../src/util/rng.js';
import { assertClose, randomArray } from './helpers.js';

const U = 2 ** -8; // bf16 unit roundoff

const bf16 = <T>(fn: () => T): T => autocast({ dtype: 'bfloat16' }, fn);

/** float64 reference of a 2D convolution (stride 1, padding p), NCHW, with the sum of |terms| per output. */
function conv2dRef(
  x: ArrayLike<number>,
  [n, c, h, w]: number[],
  wt: ArrayLike<number>,
  [o, , kh, kw]: number[],
  bias: ArrayLike<number> | null,
  p: number,
): { y: Float64Array; mag: Float64Array; shape: number[] } {
  const oh = h + 2 * p - kh + 1;
  const ow = w + 2 * p - kw + 1;
  const y = new Float64Array(n * o * oh * ow);
  const mag = new Float64Array(y.length);
  for (let b = 0; b < n; b++)
    for (let k = 0; k < o; k++)
      for (let i = 0; i < oh; i++)
        for (let j = 0; j < ow; j++) {
          let s = bias ? bias[k]! : 0;
          let m = bias ? Math.abs(bias[k]!) : 0;
          for (let ci = 0; ci < c; ci++)
            for (let a = 0; a < kh; a++)
              for (let d = 0; d < kw; d++) {
                const yi = i + a - p;
                const xj = j + d - p;
                if (yi < 0 || yi >= h || xj < 0 || xj >= w) continue;
                const t = x[((b * c + ci) * h + yi) * w + xj]! * wt[((k * c + ci) * kh + a) * kw + d]!;
                s += t;
                m += Math.abs(t);
              }
          const idx = ((b * o + k) * oh + i) * ow + j;
          y[idx] = s;
          mag[idx] = m;
        }
  return { y, mag, shape: [n, o, oh, ow] };
}

/** float64 reference of a (M, K) × (K, N) product, with the sum of |terms| per output. */
function matmulRef(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number) {
  const y = new Float64Array(m * n);
  const mag = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      let g = 0;
      for (let t = 0; t < k; t++) {
        const v = a[i * k + t]! * b[t * n + j]!;
        s += v;
        g += Math.abs(v);
      }
      y[i * n + j] = s;
      mag[i * n + j] = g;
    }
  return { y, mag };
}

/**
 * Asserts a bf16 computation's error bound: inputs rounded to bf16 (relative error u each), products accumulated in
 * float32, the result rounded to bf16: |got - ref| <= 2u·Σ|terms| + u·|ref| (+ slack for float32 accumulation).
 * Also asserts the result is not float32-accurate everywhere, i.e. that bf16 arithmetic really happened.
 */
function assertBf16Close(got: ArrayLike<number>, ref: Float64Array, mag: Float64Array, what: string): void {
  assert.equal(got.length, ref.length, `${what}: length`);
  let worstRel = 0;
  for (let i = 0; i < ref.length; i++) {
    const err = Math.abs(got[i]! - ref[i]!);
    const bound = 2.5 * U * mag[i]! + U * Math.abs(ref[i]!) + 1e-6;
    assert.ok(err <= bound, `${what}[${i}]: got ${got[i]}, float64 reference ${ref[i]}, bound ${bound}`);
    worstRel = Math.max(worstRel, err / (mag[i]! + 1e-12));
  }
  assert.ok(worstRel > 1e-5, `${what}: error ${worstRel} relative to Σ|terms| is float32-level, not bf16`);
}

test('conv2d, linear, matmul, mm and bmm outputs are bfloat16 inside autocast and float32 outside', () => {
  tidy(() => {
    const rng = new Rng(1);
    const x = tensor(randomArray(rng, 2 * 3 * 6 * 6), { shape: [2, 3, 6, 6] });
    const w = tensor(randomArray(rng, 4 * 3 * 3 * 3), { shape: [4, 3, 3, 3] });
    const a = tensor(randomArray(rng, 5 * 6), { shape: [5, 6] });
    const b = tensor(randomArray(rng, 6 * 7), { shape: [6, 7] });
    const lw = tensor(randomArray(rng, 7 * 6), { shape: [7, 6] });
    const conv = new nn.Conv2d(3, 4, 3, { padding: 1 });
    const lin = new nn.Linear(6, 7);
    const inside = bf16(() => ({
      conv: F.conv2d(x, w).dtype,
      convModule: conv.forward(x).dtype,
      conv1d: F.conv1d(a.T.unsqueeze(0), lw.unsqueeze(2)).dtype,
      linear: F.linear(a, lw).dtype,
      linearModule: lin.forward(a).dtype,
      matmul: a.matmul(b).dtype,
      bmm: a.unsqueeze(0).bmm(b.unsqueeze(0)).dtype,
      enabled: isAutocastEnabled(),
    }));
    assert.deepEqual(inside, {
      conv: 'bfloat16',
      convModule: 'bfloat16',
      conv1d: 'bfloat16',
      linear: 'bfloat16',
      linearModule: 'bfloat16',
      matmul: 'bfloat16',
      bmm: 'bfloat16',
      enabled: true,
    });
    assert.equal(isAutocastEnabled(), false);
    assert.equal(F.conv2d(x, w).dtype, 'float32');
    assert.equal(a.matmul(b).dtype, 'float32');
    assert.equal(lin.forward(a).dtype, 'float32');
  });
});

test('inside autocast, losses are float32, softmax/logSoftmax of float32 stay float32, and elementwise ops keep their dtype', () => {
  tidy(() => {
    const rng = new Rng(2);
    const a = tensor(randomArray(rng, 5 * 6), { shape: [5, 6] });
    const lw = tensor(randomArray(rng, 7 * 6), { shape: [7, 6] });
    const target = tensor([0, 3, 6, 2, 1], { dtype: 'int64' });
    const dense = tensor(randomArray(rng, 5 * 7, 0, 1), { shape: [5, 7] });
    const r = bf16(() => {
      const logits = F.linear(a, lw); // bf16
      return {
        logits: logits.dtype,
        crossEntropy: F.crossEntropy(logits, target).dtype,
        nllLoss: F.nllLoss(F.logSoftmax(logits, 1, 'float32'), target).dtype,
        mseLoss: F.mseLoss(logits, dense).dtype,
        bce: F.binaryCrossEntropyWithLogits(logits, dense).dtype,
        softmaxOfFloat32: F.softmax(a, 1).dtype,
        logSoftmaxOfFloat32: F.logSoftmax(a, 1).dtype,
        logSoftmaxAsFloat32: F.logSoftmax(logits, 1, 'float32').dtype,
        reluOfBf16: F.relu(logits).dtype,
        sumOfFloat32: a.sum().dtype,
      };
    });
    assert.deepEqual(r, {
      logits: 'bfloat16',
      crossEntropy: 'float32',
      nllLoss: 'float32',
      mseLoss: 'float32',
      bce: 'float32',
      softmaxOfFloat32: 'float32',
      logSoftmaxOfFloat32: 'float32',
      logSoftmaxAsFloat32: 'float32',
      reluOfBf16: 'bfloat16',
      sumOfFloat32: 'float32',
    });
  });
});

test('crossEntropy of bf16 logits inside autocast equals the float64 cross-entropy of those logits to float32 accuracy', () => {
  tidy(() => {
    const rng = new Rng(3);
    const [n, k, c] = [6, 5, 4];
    const a = tensor(randomArray(rng, n * k, -2, 2), { shape: [n, k] });
    const w = tensor(randomArray(rng, c * k, -2, 2), { shape: [c, k] });
    const y = [0, 1, 2, 3, 1, 2];
    const target = tensor(y, { dtype: 'int64' });
    const { logits, loss } = bf16(() => {
      const l = F.linear(a, w);
      return { logits: l.float().toFloat64Array(), loss: F.crossEntropy(l, target) };
    });
    assert.equal(loss.dtype, 'float32');
    // reference from the bf16 logits themselves: the loss arithmetic must be float32, not bf16
    let ref = 0;
    for (let i = 0; i < n; i++) {
      const row = Array.from(logits.subarray(i * c, (i + 1) * c));
      const m = Math.max(...row);
      const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
      ref += lse - row[y[i]!]!;
    }
    ref /= n;
    assertClose([loss.item()], [ref], { rtol: 2e-6, atol: 1e-6, msg: 'cross-entropy' });
  });
});

test('batchNorm inside autocast: float32 running statistics from float32 arithmetic; output = float64 normalisation within bf16 rounding', () => {
  tidy(() => {
    const rng = new Rng(4);
    const [n, ci, co, h, w] = [3, 2, 3, 5, 5];
    const x = tensor(randomArray(rng, n * ci * h * w), { shape: [n, ci, h, w] });
    const wt = tensor(randomArray(rng, co * ci * 9), { shape: [co, ci, 3, 3] });
    const bn = new nn.BatchNorm2d(co);
    noGrad(() => {
      bn.weight!.copy_(tensor([1.5, -0.5, 2]));
      bn.bias!.copy_(tensor([0.25, 0, -1]));
    });
    const { input, out } = bf16(() => {
      const c = F.conv2d(x, wt, null, { padding: 1 });
      return { input: c.float().toFloat64Array(), out: bn.forward(c) };
    });
    assert.equal(out.dtype, 'bfloat16', 'libtorch 1.13 batch norm returns its input dtype');
    assert.equal(bn.runningMean!.dtype, 'float32');
    assert.equal(bn.runningVar!.dtype, 'float32');
    assert.equal(bn.weight!.dtype, 'float32');
    const m = n * h * w;
    const mean = new Float64Array(co);
    const varB = new Float64Array(co); // biased (normalisation)
    for (let k = 0; k < co; k++) {
      let s = 0;
      for (let b = 0; b < n; b++) for (let p = 0; p < h * w; p++) s += input[(b * co + k) * h * w + p]!;
      mean[k] = s / m;
      let q = 0;
      for (let b = 0; b < n; b++)
        for (let p = 0; p < h * w; p++) q += (input[(b * co + k) * h * w + p]! - mean[k]!) ** 2;
      varB[k] = q / m;
    }
    // running = 0.9·init + 0.1·batch (unbiased variance), computed in float32 from the bf16 input's exact values
    assertClose(
      bn.runningMean!.toArray(),
      Array.from(mean, (v) => 0.1 * v),
      { rtol: 1e-5, atol: 1e-7, msg: 'running mean' },
    );
    assertClose(
      bn.runningVar!.toArray(),
      Array.from(varB, (v) => 0.9 + (0.1 * v * m) / (m - 1)),
      { rtol: 1e-5, atol: 1e-7, msg: 'running var' },
    );
    const g = [1.5, -0.5, 2];
    const be = [0.25, 0, -1];
    const ref = new Float64Array(input.length);
    for (let b = 0; b < n; b++)
      for (let k = 0; k < co; k++)
        for (let p = 0; p < h * w; p++) {
          const i = (b * co + k) * h * w + p;
          ref[i] = ((input[i]! - mean[k]!) / Math.sqrt(varB[k]! + 1e-5)) * g[k]! + be[k]!;
        }
    // only the output's rounding to bf16 (and float32 statistics) separate it from the float64 value
    assertClose(out.float().toArray(), ref, { rtol: U, atol: 1e-4, msg: 'batch norm output' });
  });
});

test('conv2d, linear and matmul inside autocast are within bf16 error bounds of float64 references', () => {
  tidy(() => {
    const rng = new Rng(5);
    const xs = [2, 4, 7, 7];
    const ws = [5, 4, 3, 3];
    const xv = randomArray(rng, 2 * 4 * 7 * 7);
    const wv = randomArray(rng, 5 * 4 * 9);
    const bv = randomArray(rng, 5);
    const x = tensor(xv, { shape: xs });
    const w = tensor(wv, { shape: ws });
    const bias = tensor(bv);
    const conv = bf16(() => F.conv2d(x, w, bias, { padding: 1 }));
    assert.equal(conv.dtype, 'bfloat16');
    const cref = conv2dRef(xv, xs, wv, ws, bv, 1);
    assert.deepEqual(conv.shape, cref.shape);
    assertBf16Close(conv.float().toArray(), cref.y, cref.mag, 'conv2d');

    const [m, k, n] = [9, 33, 6];
    const av = randomArray(rng, m * k);
    const bv2 = randomArray(rng, k * n);
    const a = tensor(av, { shape: [m, k] });
    const b = tensor(bv2, { shape: [k, n] });
    const mm = matmulRef(av, bv2, m, k, n);
    assertBf16Close(
      bf16(() => a.matmul(b))
        .float()
        .toArray(),
      mm.y,
      mm.mag,
      'matmul',
    );
    // linear: x Wᵀ with W = bᵀ (n, k)
    const lin = bf16(() => F.linear(a, b.T.contiguous()));
    assertBf16Close(lin.float().toArray(), mm.y, mm.mag, 'linear');

    // outside the scope the same conv is float32-accurate again
    const c32 = F.conv2d(x, w, bias, { padding: 1 }).toArray();
    for (let i = 0; i < c32.length; i++)
      assert.ok(Math.abs(c32[i]! - cref.y[i]!) <= 1e-5 * cref.mag[i]! + 1e-6, `float32 conv2d[${i}]`);
  });
});

test('parameters stay float32 and get float32 gradients that match the float64 gradient within bf16 error', () => {
  tidy(() => {
    const rng = new Rng(6);
    const [n, din, dout] = [8, 12, 5];
    const lin = new nn.Linear(din, dout);
    const xv = randomArray(rng, n * din);
    const x = tensor(xv, { shape: [n, din] });
    const tv = randomArray(rng, n * dout);
    const target = tensor(tv, { shape: [n, dout] });
    const W = lin.weight.toFloat64Array();
    const B = lin.bias!.toFloat64Array();
    // forward (and the loss, float32 by autocast's lists) in the scope, backward outside, as PyTorch recommends
    const loss = bf16(() => F.mseLoss(lin.forward(x), target));
    assert.equal(loss.dtype, 'float32');
    loss.backward();
    for (const p of lin.parameters()) {
      assert.equal(p.dtype, 'float32', 'parameter dtype');
      assert.ok(p.grad, 'parameter has a gradient');
      assert.equal(p.grad.dtype, 'float32', 'gradient dtype');
    }
    // float64: y = x Wᵀ + b, L = mean((y - t)²), dL/dW = 2/(n·dout) Σ_i (y - t)_i xᵢᵀ, dL/db = 2/(n·dout) Σ_i (y - t)_i
    const gW = new Float64Array(dout * din);
    const gB = new Float64Array(dout);
    const magW = new Float64Array(dout * din);
    const magB = new Float64Array(dout);
    let lref = 0;
    const s = 2 / (n * dout);
    for (let i = 0; i < n; i++)
      for (let o = 0; o < dout; o++) {
        let y = B[o]!;
        let ym = Math.abs(B[o]!);
        for (let j = 0; j < din; j++) {
          y += xv[i * din + j]! * W[o * din + j]!;
          ym += Math.abs(xv[i * din + j]! * W[o * din + j]!);
        }
        const r = y - tv[i * dout + o]!;
        lref += r * r;
        gB[o]! += s * r;
        magB[o]! += s * (ym + Math.abs(tv[i * dout + o]!));
        for (let j = 0; j < din; j++) {
          gW[o * din + j]! += s * r * xv[i * din + j]!;
          magW[o * din + j]! += s * (ym + Math.abs(tv[i * dout + o]!)) * Math.abs(xv[i * din + j]!);
        }
      }
    lref /= n * dout;
    assertClose([loss.item()], [lref], { rtol: 8 * U, msg: 'loss' });
    const gw = lin.weight.grad!.toArray();
    const gb = lin.bias!.grad!.toArray();
    for (let i = 0; i < gw.length; i++)
      assert.ok(Math.abs(gw[i]! - gW[i]!) <= 4 * U * magW[i]! + 1e-6, `dL/dW[${i}]: ${gw[i]} vs ${gW[i]}`);
    for (let i = 0; i < gb.length; i++)
      assert.ok(Math.abs(gb[i]! - gB[i]!) <= 4 * U * magB[i]! + 1e-6, `dL/db[${i}]: ${gb[i]} vs ${gB[i]}`);
  });
});

test('conv weights in channels-last give a channels-last bf16 output (the oneDNN fast path)', () => {
  tidy(() => {
    const rng = new Rng(7);
    const conv = new nn.Conv2d(4, 8, 3, { padding: 1 }).to({ memoryFormat: 'channelsLast' });
    const x = tensor(randomArray(rng, 2 * 4 * 6 * 6), { shape: [2, 4, 6, 6] }).contiguous('channelsLast');
    const y = bf16(() => conv.forward(x));
    assert.equal(y.dtype, 'bfloat16');
    assert.ok(y.isContiguous('channelsLast'), 'output is channels-last');
    assert.equal(conv.weight.dtype, 'float32');
    assert.ok(conv.weight.isContiguous('channelsLast'), 'master weight stays channels-last float32');
  });
});

test('the cast-weight cache is cleared when the outermost scope exits: a weight update shows in the next scope', () => {
  tidy(() => {
    const lin = new nn.Linear(3, 2, { bias: false });
    noGrad(() => lin.weight.copy_(tensor([1, 2, 3, 4, 5, 6], { shape: [2, 3] })));
    const x = tensor([1, 1, 1], { shape: [1, 3] });
    const first = bf16(() => lin.forward(x).float().toArray());
    assert.deepEqual(first, [6, 15]);
    noGrad(() => lin.weight.mul_(2)); // an optimiser step between two training steps
    const second = bf16(() => lin.forward(x).float().toArray());
    assert.deepEqual(second, [12, 30]);
  });
});

test('nested scopes: an inner scope leaves the outer one enabled; the outermost exit turns autocast off', () => {
  tidy(() => {
    const a = tensor([1, 2, 3, 4], { shape: [2, 2] });
    const seen: [boolean, string][] = [];
    bf16(() => {
      seen.push([isAutocastEnabled(), a.matmul(a).dtype]);
      bf16(() => {
        seen.push([isAutocastEnabled(), a.matmul(a).dtype]);
        bf16(() => seen.push([isAutocastEnabled(), a.matmul(a).dtype]));
        seen.push([isAutocastEnabled(), a.matmul(a).dtype]);
      });
      seen.push([isAutocastEnabled(), a.matmul(a).dtype]);
    });
    seen.push([isAutocastEnabled(), a.matmul(a).dtype]);
    assert.deepEqual(seen, [
      [true, 'bfloat16'],
      [true, 'bfloat16'],
      [true, 'bfloat16'],
      [true, 'bfloat16'],
      [true, 'bfloat16'],
      [false, 'float32'],
    ]);
  });
});

test('autocast state is off after a scope whose fn throws, at any nesting depth', () => {
  tidy(() => {
    const a = tensor([1, 2, 3, 4], { shape: [2, 2] });
    assert.throws(
      () =>
        bf16(() => {
          throw new Error('boom');
        }),
      /boom/,
    );
    assert.equal(isAutocastEnabled(), false);
    assert.equal(a.matmul(a).dtype, 'float32');
    bf16(() => {
      assert.throws(
        () =>
          bf16(() => {
            throw new RangeError('inner');
          }),
        /inner/,
      );
      assert.equal(isAutocastEnabled(), true, 'the outer scope is still on after the inner one threw');
      assert.equal(a.matmul(a).dtype, 'bfloat16');
    });
    assert.equal(isAutocastEnabled(), false);
    // an async fn is refused (the scope cannot span an await), and the state is restored
    assert.throws(() => bf16(async () => 1), /synchronous/);
    assert.equal(isAutocastEnabled(), false);
    assert.equal(a.matmul(a).dtype, 'float32');
  });
});

test('enabled: false inside an enabled scope runs its ops in float32, as torch.autocast(enabled=False)', () => {
  // ENGINE BUG (fails now): autocast({enabled: false}, fn) just calls fn and leaves an outer scope on, so a loss
  // cannot be computed in float32 inside a bf16 forward. See the report for the fix in src/engine/autocast.ts.
  tidy(() => {
    const a = tensor([1, 2, 3, 4], { shape: [2, 2] });
    const r = bf16(() => {
      const inner = autocast({ enabled: false }, () => [isAutocastEnabled(), a.matmul(a).dtype]);
      return { inner, after: [isAutocastEnabled(), a.matmul(a).dtype] };
    });
    assert.deepEqual(r, {
      inner: [false, 'float32'],
      after: [true, 'bfloat16'],
    });
    assert.equal(isAutocastEnabled(), false);
  });
});

test('a scope that cannot start (float16 on CPU: libtorch 1.13 supports bf16 only) throws and leaves autocast off', () => {
  // ENGINE BUG (fails now): setAutocast enables CPU autocast before the dtype is rejected, outside the try/finally,
  // so after the error every conv/matmul of the process silently runs in bf16. See the report.
  tidy(() => {
    const a = tensor([1, 2, 3, 4], { shape: [2, 2] });
    try {
      assert.throws(() => autocast({ dtype: 'float16' }, () => 1), /float16|Bfloat16|bfloat16/i);
      assert.equal(isAutocastEnabled(), false, 'autocast is off after the failed scope');
      assert.equal(a.matmul(a).dtype, 'float32');
    } finally {
      // do not let a failure here leak into the other tests of this process
      if (isAutocastEnabled()) N.setAutocast('cpu', false, 'bfloat16');
    }
  });
});
