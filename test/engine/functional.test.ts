/**
 * The engine's functional neural-network ops (src/engine/functional.ts) against references written here with
 * plain float64 loops: convolutions by nested sums, transposed convolutions by scatter-add, pooling windows,
 * normalisation statistics, PyTorch's source-index formulas for interpolation and grid sampling, and the loss
 * formulas from PyTorch's documentation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, tidy, F, manualSeed, setNumThreads, type Tensor } from '../../src/engine/index.js';
import { Rng } from '../../src/util/rng.js';
import { assertClose, randomArray, numel, unravel, ravel } from './helpers.js';

// Tiny tensors: one intra-op thread avoids thread-pool contention on a loaded machine (per test process).
setNumThreads(1);

// ---------------------------------------------------------------- helpers

interface Arr {
  data: Float64Array;
  shape: number[];
}

function rand(rng: Rng, shape: number[], low = -1, high = 1): Arr {
  return { data: Float64Array.from(randomArray(rng, numel(shape), low, high)), shape };
}

/** a float64 tensor holding `a` */
function t64(a: Arr): Tensor {
  return tensor(a.data, { shape: a.shape });
}

function long(values: readonly number[], shape: readonly number[]): Tensor {
  return tensor([...values], { shape, dtype: 'int64' });
}

/** every multi-index of `shape` in C order */
function positions(shape: readonly number[]): number[][] {
  const n = numel(shape);
  const out: number[][] = [];
  for (let i = 0; i < n; i++) out.push(unravel(i, shape));
  return out;
}

function check(t: Tensor, ref: Arr, msg: string, rtol = 1e-10, atol = 1e-10): void {
  assert.deepEqual(t.shape, ref.shape, `${msg}: shape`);
  assertClose(t.toFloat64Array(), ref.data, { rtol, atol, msg });
}

const n3 = (v: number | number[], n: number): number[] => (typeof v === 'number' ? Array(n).fill(v) : v);

// ---------------------------------------------------------------- convolution references

/** cross-correlation as torch.nn.functional.conv{1,2,3}d: weight [O, C/groups, k...] */
function convRef(
  x: Arr,
  w: Arr,
  b: Float64Array | null,
  o: { stride?: number | number[]; padding?: number | number[]; dilation?: number | number[]; groups?: number },
): Arr {
  const [N, C] = x.shape as [number, number];
  const inS = x.shape.slice(2);
  const nd = inS.length;
  const [O, Cg] = w.shape as [number, number];
  const kS = w.shape.slice(2);
  const stride = n3(o.stride ?? 1, nd);
  const pad = n3(o.padding ?? 0, nd);
  const dil = n3(o.dilation ?? 1, nd);
  const groups = o.groups ?? 1;
  assert.equal(C, Cg * groups);
  const outS = inS.map((L, d) => Math.floor((L + 2 * pad[d]! - dil[d]! * (kS[d]! - 1) - 1) / stride[d]!) + 1);
  const Og = O / groups;
  const outPos = positions(outS);
  const kPos = positions(kS);
  const out = new Float64Array(N * O * outPos.length);
  let oi = 0;
  for (let n = 0; n < N; n++) {
    for (let oc = 0; oc < O; oc++) {
      const g = Math.floor(oc / Og);
      for (const op of outPos) {
        let s = b ? b[oc]! : 0;
        for (let ci = 0; ci < Cg; ci++) {
          for (const kp of kPos) {
            const ip: number[] = [];
            let inside = true;
            for (let d = 0; d < nd; d++) {
              const p = op[d]! * stride[d]! - pad[d]! + kp[d]! * dil[d]!;
              if (p < 0 || p >= inS[d]!) inside = false;
              ip.push(p);
            }
            if (!inside) continue;
            s += x.data[ravel([n, g * Cg + ci, ...ip], x.shape)]! * w.data[ravel([oc, ci, ...kp], w.shape)]!;
          }
        }
        out[oi++] = s;
      }
    }
  }
  return { data: out, shape: [N, O, ...outS] };
}

/** transposed convolution by scatter-add: weight [Cin, Cout/groups, k...] */
function convTransposeRef(
  x: Arr,
  w: Arr,
  b: Float64Array | null,
  o: {
    stride?: number | number[];
    padding?: number | number[];
    outputPadding?: number | number[];
    dilation?: number | number[];
    groups?: number;
  },
): Arr {
  const [N, Cin] = x.shape as [number, number];
  const inS = x.shape.slice(2);
  const nd = inS.length;
  const Cog = w.shape[1]!;
  const kS = w.shape.slice(2);
  const stride = n3(o.stride ?? 1, nd);
  const pad = n3(o.padding ?? 0, nd);
  const outPad = n3(o.outputPadding ?? 0, nd);
  const dil = n3(o.dilation ?? 1, nd);
  const groups = o.groups ?? 1;
  const Cig = Cin / groups;
  const Cout = Cog * groups;
  const outS = inS.map((L, d) => (L - 1) * stride[d]! - 2 * pad[d]! + dil[d]! * (kS[d]! - 1) + outPad[d]! + 1);
  const shape = [N, Cout, ...outS];
  const out = new Float64Array(numel(shape));
  const per = numel(outS);
  if (b)
    for (let n = 0; n < N; n++)
      for (let c = 0; c < Cout; c++) out.fill(b[c]!, (n * Cout + c) * per, (n * Cout + c + 1) * per);
  const inPos = positions(inS);
  const kPos = positions(kS);
  for (let n = 0; n < N; n++) {
    for (let ci = 0; ci < Cin; ci++) {
      const g = Math.floor(ci / Cig);
      for (const ip of inPos) {
        const v = x.data[ravel([n, ci, ...ip], x.shape)]!;
        for (let co = 0; co < Cog; co++) {
          for (const kp of kPos) {
            const op: number[] = [];
            let inside = true;
            for (let d = 0; d < nd; d++) {
              const p = ip[d]! * stride[d]! - pad[d]! + kp[d]! * dil[d]!;
              if (p < 0 || p >= outS[d]!) inside = false;
              op.push(p);
            }
            if (!inside) continue;
            out[ravel([n, g * Cog + co, ...op], shape)]! += v * w.data[ravel([ci, co, ...kp], w.shape)]!;
          }
        }
      }
    }
  }
  return { data: out, shape };
}

test('conv1d: stride, padding, dilation, groups and bias vs nested loops', () => {
  const rng = new Rng(1);
  tidy(() => {
    const x = rand(rng, [2, 4, 11]);
    const w = rand(rng, [6, 2, 3]);
    const b = rand(rng, [6]);
    const o = { stride: 2, padding: 2, dilation: 2, groups: 2 };
    check(F.conv1d(t64(x), t64(w), t64(b), o), convRef(x, w, b.data, o), 'conv1d grouped');
    const w1 = rand(rng, [3, 4, 4]);
    check(F.conv1d(t64(x), t64(w1)), convRef(x, w1, null, {}), 'conv1d plain');
  });
});

test('conv2d: per-axis stride/padding/dilation, groups, bias vs nested loops', () => {
  const rng = new Rng(2);
  tidy(() => {
    const x = rand(rng, [2, 4, 7, 6]);
    const w = rand(rng, [6, 2, 3, 2]);
    const b = rand(rng, [6]);
    const o = { stride: [2, 1], padding: [1, 2], dilation: [1, 2], groups: 2 };
    check(F.conv2d(t64(x), t64(w), t64(b), o), convRef(x, w, b.data, o), 'conv2d grouped');
    const w3 = rand(rng, [5, 4, 3, 3]);
    const o3 = { padding: 1 };
    check(F.conv2d(t64(x), t64(w3), null, o3), convRef(x, w3, null, o3), 'conv2d same padding');
    // depthwise (groups = channels)
    const wd = rand(rng, [4, 1, 3, 3]);
    const od = { stride: 2, padding: 1, groups: 4 };
    check(F.conv2d(t64(x), t64(wd), null, od), convRef(x, wd, null, od), 'conv2d depthwise');
    // float32 path agrees to float32 accuracy
    const y32 = F.conv2d(t64(x).float(), t64(w).float(), t64(b).float(), o);
    assert.equal(y32.dtype, 'float32');
    assertClose(y32.toFloat64Array(), convRef(x, w, b.data, o).data, { rtol: 1e-5, atol: 1e-5, msg: 'conv2d float32' });
  });
});

test('conv3d: stride, padding, dilation, groups, bias vs nested loops', () => {
  const rng = new Rng(3);
  tidy(() => {
    const x = rand(rng, [1, 2, 5, 6, 4]);
    const w = rand(rng, [4, 1, 3, 3, 2]);
    const b = rand(rng, [4]);
    const o = { stride: [1, 2, 1], padding: 1, dilation: [2, 1, 1], groups: 2 };
    check(F.conv3d(t64(x), t64(w), t64(b), o), convRef(x, w, b.data, o), 'conv3d grouped');
    const w2 = rand(rng, [3, 2, 3, 3, 3]);
    const o2 = { padding: 1 };
    check(F.conv3d(t64(x), t64(w2), null, o2), convRef(x, w2, null, o2), 'conv3d same padding');
  });
});

test('conv: a wrong number of per-axis values is a RangeError naming the option', () => {
  tidy(() => {
    const x = tensor(new Float64Array(16), { shape: [1, 1, 4, 4] });
    const w = tensor(new Float64Array(9), { shape: [1, 1, 3, 3] });
    assert.throws(
      () => F.conv2d(x, w, null, { stride: [1, 1, 1] }),
      /conv2d: stride must have 2 values \(one per dim\), got \[1, 1, 1\]$/,
    );
  });
});

test('convTranspose2d: stride 2 kernel 2, padding + outputPadding, groups, dilation vs scatter-add', () => {
  const rng = new Rng(4);
  tidy(() => {
    const x = rand(rng, [2, 3, 3, 4]);
    const w = rand(rng, [3, 2, 2, 2]);
    const b = rand(rng, [2]);
    const o = { stride: 2 };
    const y = F.convTranspose2d(t64(x), t64(w), t64(b), o);
    assert.deepEqual(y.shape, [2, 2, 6, 8]);
    check(y, convTransposeRef(x, w, b.data, o), 'convTranspose2d s2k2');

    const w3 = rand(rng, [3, 4, 3, 3]);
    const o3 = { stride: 2, padding: 1, outputPadding: 1 };
    const y3 = F.convTranspose2d(t64(x), t64(w3), null, o3);
    assert.deepEqual(y3.shape, [2, 4, 6, 8]);
    check(y3, convTransposeRef(x, w3, null, o3), 'convTranspose2d s2k3p1op1');

    const xg = rand(rng, [1, 4, 3, 3]);
    const wg = rand(rng, [4, 1, 3, 2]);
    const bg = rand(rng, [2]);
    const og = { stride: [2, 1], padding: [0, 1], outputPadding: [1, 0], dilation: [1, 2], groups: 2 };
    check(
      F.convTranspose2d(t64(xg), t64(wg), t64(bg), og),
      convTransposeRef(xg, wg, bg.data, og),
      'convTranspose2d grouped',
    );
  });
});

test('convTranspose3d: stride 2 kernel 2 and per-axis outputPadding vs scatter-add', () => {
  const rng = new Rng(5);
  tidy(() => {
    const x = rand(rng, [1, 3, 2, 3, 2]);
    const w = rand(rng, [3, 2, 2, 2, 2]);
    const b = rand(rng, [2]);
    const o = { stride: 2 };
    const y = F.convTranspose3d(t64(x), t64(w), t64(b), o);
    assert.deepEqual(y.shape, [1, 2, 4, 6, 4]);
    check(y, convTransposeRef(x, w, b.data, o), 'convTranspose3d s2k2');
    const w3 = rand(rng, [3, 2, 3, 3, 3]);
    const o3 = { stride: [2, 1, 2], padding: 1, outputPadding: [1, 0, 1] };
    check(F.convTranspose3d(t64(x), t64(w3), null, o3), convTransposeRef(x, w3, null, o3), 'convTranspose3d s2k3');
  });
});

// ---------------------------------------------------------------- pooling references

/** PyTorch's pooling output length (with the ceil-mode rule that the last window must start inside the input or left padding) */
function poolLen(L: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  const span = L + 2 * p - d * (k - 1) - 1;
  let o = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceil && (o - 1) * s >= L + p) o--;
  return o;
}

function maxPoolRef(x: Arr, kernel: number[], stride: number[], pad: number[], dil: number[], ceil: boolean): Arr {
  const [N, C] = x.shape as [number, number];
  const inS = x.shape.slice(2);
  const nd = inS.length;
  const outS = inS.map((L, d) => poolLen(L, kernel[d]!, stride[d]!, pad[d]!, dil[d]!, ceil));
  const outPos = positions(outS);
  const kPos = positions(kernel);
  const out = new Float64Array(N * C * outPos.length);
  let oi = 0;
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++)
      for (const op of outPos) {
        let m = -Infinity;
        for (const kp of kPos) {
          const ip = op.map((v, d) => v * stride[d]! - pad[d]! + kp[d]! * dil[d]!);
          if (ip.some((v, d) => v < 0 || v >= inS[d]!)) continue;
          m = Math.max(m, x.data[ravel([n, c, ...ip], x.shape)]!);
        }
        assert.ok(m > -Infinity, 'every window has an input element');
        out[oi++] = m;
      }
  assert.equal(nd, kernel.length);
  return { data: out, shape: [N, C, ...outS] };
}

/** avg_pool: window clipped to input+padding for the divisor (countIncludePad) or to the input (otherwise) */
function avgPoolRef(
  x: Arr,
  kernel: number[],
  stride: number[],
  pad: number[],
  ceil: boolean,
  includePad: boolean,
): Arr {
  const [N, C] = x.shape as [number, number];
  const inS = x.shape.slice(2);
  const outS = inS.map((L, d) => poolLen(L, kernel[d]!, stride[d]!, pad[d]!, 1, ceil));
  const outPos = positions(outS);
  const out = new Float64Array(N * C * outPos.length);
  let oi = 0;
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++)
      for (const op of outPos) {
        const lo: number[] = [];
        const hi: number[] = [];
        let poolSize = 1;
        op.forEach((v, d) => {
          const start = v * stride[d]! - pad[d]!;
          const end = Math.min(start + kernel[d]!, inS[d]! + pad[d]!);
          poolSize *= end - start;
          lo.push(Math.max(start, 0));
          hi.push(Math.min(end, inS[d]!));
        });
        const win = hi.map((h, d) => h - lo[d]!);
        let s = 0;
        for (const wp of positions(win)) s += x.data[ravel([n, c, ...wp.map((v, d) => v + lo[d]!)], x.shape)]!;
        out[oi++] = s / (includePad ? poolSize : numel(win));
      }
  return { data: out, shape: [N, C, ...outS] };
}

function adaptiveAvgRef(x: Arr, outS: number[]): Arr {
  const [N, C] = x.shape as [number, number];
  const inS = x.shape.slice(2);
  const outPos = positions(outS);
  const out = new Float64Array(N * C * outPos.length);
  let oi = 0;
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++)
      for (const op of outPos) {
        const lo = op.map((i, d) => Math.floor((i * inS[d]!) / outS[d]!));
        const hi = op.map((i, d) => Math.ceil(((i + 1) * inS[d]!) / outS[d]!));
        const win = hi.map((h, d) => h - lo[d]!);
        let s = 0;
        for (const wp of positions(win)) s += x.data[ravel([n, c, ...wp.map((v, d) => v + lo[d]!)], x.shape)]!;
        out[oi++] = s / numel(win);
      }
  return { data: out, shape: [N, C, ...outS] };
}

test('maxPool2d: kernel/stride/padding, dilation, ceilMode vs window maxima', () => {
  const rng = new Rng(6);
  tidy(() => {
    const x = rand(rng, [2, 3, 7, 6]);
    const y1 = F.maxPool2d(t64(x), { kernelSize: 3, stride: 2, padding: 1 });
    check(y1, maxPoolRef(x, [3, 3], [2, 2], [1, 1], [1, 1], false), 'maxPool2d k3s2p1');
    // kernel 2 stride default (= kernel) on odd sizes: floor drops the last row, ceil keeps a partial window
    const y2 = F.maxPool2d(t64(x), { kernelSize: 2 });
    assert.deepEqual(y2.shape, [2, 3, 3, 3]);
    check(y2, maxPoolRef(x, [2, 2], [2, 2], [0, 0], [1, 1], false), 'maxPool2d k2');
    const y3 = F.maxPool2d(t64(x), { kernelSize: 2, ceilMode: true });
    assert.deepEqual(y3.shape, [2, 3, 4, 3]);
    check(y3, maxPoolRef(x, [2, 2], [2, 2], [0, 0], [1, 1], true), 'maxPool2d k2 ceil');
    // ceil mode with padding where the rule "last window starts inside input + left padding" removes a window
    const x5 = rand(rng, [1, 2, 5, 5]);
    const y4 = F.maxPool2d(t64(x5), { kernelSize: 2, stride: 2, padding: 1, ceilMode: true });
    assert.deepEqual(y4.shape, [1, 2, 3, 3]);
    check(y4, maxPoolRef(x5, [2, 2], [2, 2], [1, 1], [1, 1], true), 'maxPool2d k2s2p1 ceil');
    const y5 = F.maxPool2d(t64(x), { kernelSize: [2, 3], stride: [1, 2], dilation: [2, 1], padding: [1, 1] });
    check(y5, maxPoolRef(x, [2, 3], [1, 2], [1, 1], [2, 1], false), 'maxPool2d dilation');
  });
});

test('maxPool3d: padding and ceilMode vs window maxima', () => {
  const rng = new Rng(7);
  tidy(() => {
    const x = rand(rng, [1, 2, 5, 4, 6]);
    check(
      F.maxPool3d(t64(x), { kernelSize: 2, ceilMode: true }),
      maxPoolRef(x, [2, 2, 2], [2, 2, 2], [0, 0, 0], [1, 1, 1], true),
      'maxPool3d ceil',
    );
    check(
      F.maxPool3d(t64(x), { kernelSize: 3, stride: 2, padding: 1 }),
      maxPoolRef(x, [3, 3, 3], [2, 2, 2], [1, 1, 1], [1, 1, 1], false),
      'maxPool3d p1',
    );
  });
});

test('avgPool2d/3d: padding with and without countIncludePad, ceilMode vs window means', () => {
  const rng = new Rng(8);
  tidy(() => {
    const x = rand(rng, [2, 3, 7, 6]);
    check(F.avgPool2d(t64(x), { kernelSize: 2 }), avgPoolRef(x, [2, 2], [2, 2], [0, 0], false, true), 'avgPool2d k2');
    check(
      F.avgPool2d(t64(x), { kernelSize: 3, stride: 2, padding: 1 }),
      avgPoolRef(x, [3, 3], [2, 2], [1, 1], false, true),
      'avgPool2d include pad',
    );
    check(
      F.avgPool2d(t64(x), { kernelSize: 3, stride: 2, padding: 1, countIncludePad: false }),
      avgPoolRef(x, [3, 3], [2, 2], [1, 1], false, false),
      'avgPool2d exclude pad',
    );
    check(
      F.avgPool2d(t64(x), { kernelSize: [2, 3], stride: 2, ceilMode: true }),
      avgPoolRef(x, [2, 3], [2, 2], [0, 0], true, true),
      'avgPool2d ceil',
    );
    const x3 = rand(rng, [1, 2, 5, 4, 6]);
    check(
      F.avgPool3d(t64(x3), { kernelSize: [3, 2, 3], stride: [2, 2, 2], padding: [1, 0, 1], countIncludePad: false }),
      avgPoolRef(x3, [3, 2, 3], [2, 2, 2], [1, 0, 1], false, false),
      'avgPool3d exclude pad',
    );
    check(
      F.avgPool3d(t64(x3), { kernelSize: 2, ceilMode: true }),
      avgPoolRef(x3, [2, 2, 2], [2, 2, 2], [0, 0, 0], true, true),
      'avgPool3d ceil',
    );
    // hand check: a 2x2 mean of 1..4 is 2.5
    const h = F.avgPool2d(tensor([1, 2, 3, 4], { shape: [1, 1, 2, 2], dtype: 'float64' }), { kernelSize: 2 });
    assert.equal(h.item(), 2.5);
  });
});

test('adaptiveAvgPool2d/3d: floor/ceil bins (down and up) vs window means', () => {
  const rng = new Rng(9);
  tidy(() => {
    const x = rand(rng, [2, 3, 7, 5]);
    check(F.adaptiveAvgPool2d(t64(x), [3, 4]), adaptiveAvgRef(x, [3, 4]), 'adaptiveAvgPool2d 3x4');
    check(F.adaptiveAvgPool2d(t64(x), 1), adaptiveAvgRef(x, [1, 1]), 'adaptiveAvgPool2d global');
    check(F.adaptiveAvgPool2d(t64(x), [9, 2]), adaptiveAvgRef(x, [9, 2]), 'adaptiveAvgPool2d up');
    const x3 = rand(rng, [1, 2, 5, 6, 7]);
    check(F.adaptiveAvgPool3d(t64(x3), [2, 3, 4]), adaptiveAvgRef(x3, [2, 3, 4]), 'adaptiveAvgPool3d');
    check(F.adaptiveAvgPool3d(t64(x3), 1), adaptiveAvgRef(x3, [1, 1, 1]), 'adaptiveAvgPool3d global');
  });
});

// ---------------------------------------------------------------- normalisation

/** mean and biased variance of the elements of x whose multi-index satisfies key(idx) === k, per key */
function groupStats(
  x: Arr,
  key: (idx: number[]) => number,
  nKeys: number,
): { mean: number[]; varB: number[]; count: number[] } {
  const sum = Array(nKeys).fill(0) as number[];
  const count = Array(nKeys).fill(0) as number[];
  for (let i = 0; i < x.data.length; i++) {
    const k = key(unravel(i, x.shape));
    sum[k]! += x.data[i]!;
    count[k]!++;
  }
  const mean = sum.map((s, k) => s / count[k]!);
  const sq = Array(nKeys).fill(0) as number[];
  for (let i = 0; i < x.data.length; i++) {
    const k = key(unravel(i, x.shape));
    sq[k]! += (x.data[i]! - mean[k]!) ** 2;
  }
  return { mean, varB: sq.map((s, k) => s / count[k]!), count };
}

function normaliseRef(
  x: Arr,
  key: (idx: number[]) => number,
  mean: number[],
  variance: number[],
  eps: number,
  affine: (idx: number[]) => [number, number],
): Arr {
  const out = new Float64Array(x.data.length);
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, x.shape);
    const k = key(idx);
    const [g, b] = affine(idx);
    out[i] = ((x.data[i]! - mean[k]!) / Math.sqrt(variance[k]! + eps)) * g + b;
  }
  return { data: out, shape: x.shape };
}

test('batchNorm training: batch statistics normalise; running stats get momentum 0.1 and the unbiased variance', () => {
  const rng = new Rng(10);
  tidy(() => {
    const x = rand(rng, [4, 3, 3, 4], -2, 3);
    const w = rand(rng, [3], 0.5, 2);
    const b = rand(rng, [3]);
    const rm0 = rand(rng, [3]);
    const rv0 = rand(rng, [3], 0.5, 2);
    const rm = t64(rm0);
    const rv = t64(rv0);
    const y = F.batchNorm(t64(x), rm, rv, { weight: t64(w), bias: t64(b), training: true });
    const st = groupStats(x, (i) => i[1]!, 3);
    const ref = normaliseRef(
      x,
      (i) => i[1]!,
      st.mean,
      st.varB,
      1e-5,
      (i) => [w.data[i[1]!]!, b.data[i[1]!]!],
    );
    check(y, ref, 'batchNorm train output');
    const m = st.count[0]!;
    assertClose(
      rm.toFloat64Array(),
      st.mean.map((mu, c) => 0.9 * rm0.data[c]! + 0.1 * mu),
      { rtol: 1e-12, atol: 1e-12, msg: 'running mean' },
    );
    assertClose(
      rv.toFloat64Array(),
      st.varB.map((v, c) => 0.9 * rv0.data[c]! + 0.1 * v * (m / (m - 1))),
      { rtol: 1e-12, atol: 1e-12, msg: 'running var (unbiased)' },
    );
    // another momentum and eps, no affine parameters
    const rm2 = t64(rm0);
    const rv2 = t64(rv0);
    const y2 = F.batchNorm(t64(x), rm2, rv2, { training: true, momentum: 0.3, eps: 1e-3 });
    check(
      y2,
      normaliseRef(
        x,
        (i) => i[1]!,
        st.mean,
        st.varB,
        1e-3,
        () => [1, 0],
      ),
      'batchNorm train eps 1e-3',
    );
    assertClose(
      rm2.toFloat64Array(),
      st.mean.map((mu, c) => 0.7 * rm0.data[c]! + 0.3 * mu),
      { rtol: 1e-12, atol: 1e-12 },
    );
  });
});

test('batchNorm eval: normalises with the running stats and leaves them unchanged', () => {
  const rng = new Rng(11);
  tidy(() => {
    const x = rand(rng, [2, 3, 4]);
    const w = rand(rng, [3], 0.5, 2);
    const b = rand(rng, [3]);
    const rm0 = rand(rng, [3]);
    const rv0 = rand(rng, [3], 0.5, 2);
    const rm = t64(rm0);
    const rv = t64(rv0);
    const y = F.batchNorm(t64(x), rm, rv, { weight: t64(w), bias: t64(b), training: false });
    const ref = normaliseRef(
      x,
      (i) => i[1]!,
      [...rm0.data],
      [...rv0.data],
      1e-5,
      (i) => [w.data[i[1]!]!, b.data[i[1]!]!],
    );
    check(y, ref, 'batchNorm eval');
    assertClose(rm.toFloat64Array(), rm0.data, { rtol: 0, atol: 0, msg: 'running mean unchanged' });
    assertClose(rv.toFloat64Array(), rv0.data, { rtol: 0, atol: 0, msg: 'running var unchanged' });
  });
});

test('instanceNorm, groupNorm, layerNorm: per-instance / per-group / trailing-dims statistics with affine', () => {
  const rng = new Rng(12);
  tidy(() => {
    const x = rand(rng, [2, 6, 3, 4], -1, 2);
    const w = rand(rng, [6], 0.5, 2);
    const b = rand(rng, [6]);
    const aff = (i: number[]): [number, number] => [w.data[i[1]!]!, b.data[i[1]!]!];

    const inKey = (i: number[]): number => i[0]! * 6 + i[1]!;
    const si = groupStats(x, inKey, 12);
    check(
      F.instanceNorm(t64(x), { weight: t64(w), bias: t64(b) }),
      normaliseRef(x, inKey, si.mean, si.varB, 1e-5, aff),
      'instanceNorm',
    );
    check(
      F.instanceNorm(t64(x)),
      normaliseRef(x, inKey, si.mean, si.varB, 1e-5, () => [1, 0]),
      'instanceNorm no affine',
    );

    const gKey = (i: number[]): number => i[0]! * 3 + Math.floor(i[1]! / 2);
    const sg = groupStats(x, gKey, 6);
    check(
      F.groupNorm(t64(x), 3, { weight: t64(w), bias: t64(b) }),
      normaliseRef(x, gKey, sg.mean, sg.varB, 1e-5, aff),
      'groupNorm 3 groups',
    );
    const g1 = groupStats(x, (i) => i[0]!, 2);
    check(
      F.groupNorm(t64(x), 1, { eps: 1e-2 }),
      normaliseRef(
        x,
        (i) => i[0]!,
        g1.mean,
        g1.varB,
        1e-2,
        () => [1, 0],
      ),
      'groupNorm 1 group',
    );

    const lw = rand(rng, [3, 4], 0.5, 2);
    const lb = rand(rng, [3, 4]);
    const lKey = (i: number[]): number => i[0]! * 6 + i[1]!;
    const sl = groupStats(x, lKey, 12);
    check(
      F.layerNorm(t64(x), [3, 4], { weight: t64(lw), bias: t64(lb) }),
      normaliseRef(x, lKey, sl.mean, sl.varB, 1e-5, (i) => [lw.data[i[2]! * 4 + i[3]!]!, lb.data[i[2]! * 4 + i[3]!]!]),
      'layerNorm [3,4]',
    );
    const sl1 = groupStats(x, (i) => (i[0]! * 6 + i[1]!) * 3 + i[2]!, 36);
    check(
      F.layerNorm(t64(x), [4]),
      normaliseRef(
        x,
        (i) => (i[0]! * 6 + i[1]!) * 3 + i[2]!,
        sl1.mean,
        sl1.varB,
        1e-5,
        () => [1, 0],
      ),
      'layerNorm [4]',
    );
  });
});

// ---------------------------------------------------------------- activations

test('leakyRelu, elu, softmax, logSoftmax vs closed forms (stable for large logits)', () => {
  const rng = new Rng(13);
  tidy(() => {
    const x = rand(rng, [3, 5, 4], -3, 3);
    const map = (f: (v: number) => number): Arr => ({ data: x.data.map(f), shape: x.shape });
    check(
      F.leakyRelu(t64(x)),
      map((v) => (v > 0 ? v : 0.01 * v)),
      'leakyRelu default',
    );
    check(
      F.leakyRelu(t64(x), 0.2),
      map((v) => (v > 0 ? v : 0.2 * v)),
      'leakyRelu 0.2',
    );
    check(
      F.elu(t64(x)),
      map((v) => (v > 0 ? v : Math.expm1(v))),
      'elu',
    );
    check(
      F.elu(t64(x), 0.5),
      map((v) => (v > 0 ? v : 0.5 * Math.expm1(v))),
      'elu 0.5',
    );

    const big = { data: x.data.map((v) => v * 400), shape: x.shape }; // logits up to ±1200: exp overflows naively
    for (const src of [x, big]) {
      for (const dim of [1, -1]) {
        const d = dim < 0 ? 3 + dim : dim;
        const lse = new Map<string, number>();
        const keyOf = (idx: number[]): string => idx.filter((_, k) => k !== d).join(',');
        const maxes = new Map<string, number>();
        for (let i = 0; i < src.data.length; i++) {
          const k = keyOf(unravel(i, src.shape));
          maxes.set(k, Math.max(maxes.get(k) ?? -Infinity, src.data[i]!));
        }
        for (let i = 0; i < src.data.length; i++) {
          const k = keyOf(unravel(i, src.shape));
          lse.set(k, (lse.get(k) ?? 0) + Math.exp(src.data[i]! - maxes.get(k)!));
        }
        const logp = src.data.map((v, i) => {
          const k = keyOf(unravel(i, src.shape));
          return v - maxes.get(k)! - Math.log(lse.get(k)!);
        });
        check(F.logSoftmax(t64(src), dim), { data: logp, shape: src.shape }, `logSoftmax dim ${dim}`, 1e-10, 1e-9);
        check(F.softmax(t64(src), dim), { data: logp.map(Math.exp), shape: src.shape }, `softmax dim ${dim}`);
      }
    }
    // dtype option: float32 input, float64 softmax
    const s = F.softmax(t64(x).float(), 1, 'float64');
    assert.equal(s.dtype, 'float64');
  });
});

// ---------------------------------------------------------------- interpolation

/** PyTorch's linear source index: align_corners maps corner centres, otherwise pixel areas (clamped at 0) */
function linearSource(dst: number, inSize: number, outSize: number, alignCorners: boolean): [number, number, number] {
  let src: number;
  if (alignCorners) src = outSize > 1 ? (dst * (inSize - 1)) / (outSize - 1) : 0;
  else src = Math.max(0, (dst + 0.5) * (inSize / outSize) - 0.5);
  const i0 = Math.min(Math.floor(src), inSize - 1);
  const i1 = Math.min(i0 + 1, inSize - 1);
  return [i0, i1, src - i0];
}

function interpRef(x: Arr, outS: number[], mode: 'nearest' | 'linear', alignCorners: boolean): Arr {
  const [N, C] = x.shape as [number, number];
  const inS = x.shape.slice(2);
  const nd = inS.length;
  const outPos = positions(outS);
  const out = new Float64Array(N * C * outPos.length);
  let oi = 0;
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++)
      for (const op of outPos) {
        if (mode === 'nearest') {
          // PyTorch 'nearest' (not 'nearest-exact'): src = floor(dst * in / out)
          const ip = op.map((v, d) => Math.min(Math.floor((v * inS[d]!) / outS[d]!), inS[d]! - 1));
          out[oi++] = x.data[ravel([n, c, ...ip], x.shape)]!;
          continue;
        }
        const src = op.map((v, d) => linearSource(v, inS[d]!, outS[d]!, alignCorners));
        let s = 0;
        for (let corner = 0; corner < 1 << nd; corner++) {
          let wgt = 1;
          const ip: number[] = [];
          for (let d = 0; d < nd; d++) {
            const [i0, i1, l] = src[d]!;
            const hi = (corner >> d) & 1;
            ip.push(hi ? i1 : i0);
            wgt *= hi ? l : 1 - l;
          }
          s += wgt * x.data[ravel([n, c, ...ip], x.shape)]!;
        }
        out[oi++] = s;
      }
  return { data: out, shape: [N, C, ...outS] };
}

test('interpolate nearest (2D, 3D, scaleFactor) vs floor(dst * in / out)', () => {
  const rng = new Rng(14);
  tidy(() => {
    const x = rand(rng, [2, 2, 4, 5]);
    check(F.interpolate(t64(x), { size: [7, 3] }), interpRef(x, [7, 3], 'nearest', false), 'nearest 2D');
    const up = F.interpolate(t64(x), { scaleFactor: 2 });
    assert.deepEqual(up.shape, [2, 2, 8, 10]);
    check(up, interpRef(x, [8, 10], 'nearest', false), 'nearest x2');
    const x3 = rand(rng, [1, 2, 3, 4, 5]);
    check(
      F.interpolate(t64(x3), { size: [5, 2, 7], mode: 'nearest' }),
      interpRef(x3, [5, 2, 7], 'nearest', false),
      'nearest 3D',
    );
  });
});

test('interpolate bilinear (alignCorners false/true, up and down) and trilinear vs the source-index formula', () => {
  const rng = new Rng(15);
  tidy(() => {
    const x = rand(rng, [2, 2, 3, 4]);
    for (const ac of [false, true]) {
      check(
        F.interpolate(t64(x), { size: [5, 7], mode: 'bilinear', alignCorners: ac }),
        interpRef(x, [5, 7], 'linear', ac),
        `bilinear up ac=${ac}`,
      );
      const xd = rand(rng, [1, 3, 6, 8]);
      check(
        F.interpolate(t64(xd), { size: [4, 3], mode: 'bilinear', alignCorners: ac }),
        interpRef(xd, [4, 3], 'linear', ac),
        `bilinear down ac=${ac}`,
      );
      const x3 = rand(rng, [1, 2, 3, 4, 5]);
      check(
        F.interpolate(t64(x3), { size: [5, 3, 7], mode: 'trilinear', alignCorners: ac }),
        interpRef(x3, [5, 3, 7], 'linear', ac),
        `trilinear ac=${ac}`,
      );
    }
    // alignCorners defaults to false for linear modes
    check(
      F.interpolate(t64(x), { scaleFactor: 2, mode: 'bilinear' }),
      interpRef(x, [6, 8], 'linear', false),
      'bilinear x2 default',
    );
    // a non-integer scaleFactor: output size floor(in * s); the weights use in/out (PyTorch's
    // recompute_scale_factor=True), not 1/s
    const x5 = rand(rng, [1, 1, 5, 3]);
    const s15 = F.interpolate(t64(x5), { scaleFactor: [1.5, 2], mode: 'bilinear' });
    assert.deepEqual(s15.shape, [1, 1, 7, 6]);
    check(s15, interpRef(x5, [7, 6], 'linear', false), 'bilinear scaleFactor 1.5');
    // 1-D linear
    const x1 = rand(rng, [2, 3, 4]);
    check(F.interpolate(t64(x1), { size: 9, mode: 'linear' }), interpRef(x1, [9], 'linear', false), 'linear 1-D');
    check(
      F.interpolate(t64(x1), { size: 3, mode: 'linear', alignCorners: true }),
      interpRef(x1, [3], 'linear', true),
      'linear 1-D ac',
    );
    // hand check: align_corners=true from [0, 1] to 3 samples gives 0, .5, 1
    const h = F.interpolate(tensor([0, 1], { shape: [1, 1, 1, 2], dtype: 'float64' }), {
      size: [1, 3],
      mode: 'bilinear',
      alignCorners: true,
    });
    assert.deepEqual(h.toArray(), [0, 0.5, 1]);
  });
});

// ---------------------------------------------------------------- dropout

test('dropout: training zeroes ≈ p and scales survivors by 1/(1-p); eval and p=0 are the identity', () => {
  manualSeed(1234);
  tidy(() => {
    const n = 100000;
    const x = tensor(new Float64Array(n).fill(2), { shape: [100, 1000] });
    for (const p of [0.3, 0.5]) {
      const y = F.dropout(x, p, true).toFloat64Array();
      let zeros = 0;
      for (const v of y) {
        if (v === 0) zeros++;
        else assert.ok(Math.abs(v - 2 / (1 - p)) < 1e-12, `survivor ${v} should be ${2 / (1 - p)}`);
      }
      // sd of the fraction is sqrt(p(1-p)/n) ≈ 0.0016: 0.01 is over 6 sd
      assert.ok(Math.abs(zeros / n - p) < 0.01, `zero fraction ${zeros / n} for p=${p}`);
    }
    const e = F.dropout(x, 0.5, false);
    assertClose(e.toFloat64Array(), new Float64Array(n).fill(2), { rtol: 0, atol: 0, msg: 'eval identity' });
    assertClose(F.dropout(x, 0, true).toFloat64Array(), new Float64Array(n).fill(2), { rtol: 0, atol: 0, msg: 'p=0' });
    // feature dropout drops whole channels
    const xf = tensor(new Float64Array(8 * 64 * 9).fill(1), { shape: [8, 64, 3, 3] });
    const yf = F.featureDropout(xf, 0.5, true).toFloat64Array();
    let dropped = 0;
    for (let c = 0; c < 8 * 64; c++) {
      const slab = yf.subarray(c * 9, c * 9 + 9);
      assert.ok(slab.every((v) => v === slab[0]) && (slab[0] === 0 || slab[0] === 2), `channel ${c} not uniform`);
      if (slab[0] === 0) dropped++;
    }
    assert.ok(Math.abs(dropped / 512 - 0.5) < 0.1, `dropped channel fraction ${dropped / 512}`);
  });
});

// ---------------------------------------------------------------- losses

/** log-softmax over classes of logits [N, C, S] (S = product of the remaining dims), as [N][S][C] */
function logSoftmaxNCS(x: Float64Array, N: number, C: number, S: number): number[][][] {
  const out: number[][][] = [];
  for (let n = 0; n < N; n++) {
    const rows: number[][] = [];
    for (let s = 0; s < S; s++) {
      const v = Array.from({ length: C }, (_, c) => x[(n * C + c) * S + s]!);
      const m = Math.max(...v);
      const lse = m + Math.log(v.reduce((a, b) => a + Math.exp(b - m), 0));
      rows.push(v.map((u) => u - lse));
    }
    out.push(rows);
  }
  return out;
}

/**
 * Weighted NLL of log-probabilities with optional label smoothing (PyTorch: (1-ε) nll + ε/C Σ_c w_c (-log p_c),
 * the mean divides both terms by the summed weights of the non-ignored targets).
 */
function nllRef(
  logp: number[][][],
  target: number[],
  C: number,
  o: { weight?: number[]; ignoreIndex?: number; reduction?: 'mean' | 'sum' | 'none'; smoothing?: number },
): number | number[] {
  const w = o.weight ?? Array(C).fill(1);
  const ign = o.ignoreIndex ?? -100;
  const eps = o.smoothing ?? 0;
  const losses: number[] = [];
  let wsum = 0;
  let k = 0;
  for (const rows of logp)
    for (const lp of rows) {
      const t = target[k++]!;
      if (t === ign) {
        losses.push(0);
        continue;
      }
      const nll = -w[t]! * lp[t]!;
      const smooth = -lp.reduce((a, v, c) => a + w[c]! * v, 0);
      losses.push((1 - eps) * nll + (eps / C) * smooth);
      wsum += w[t]!;
    }
  const red = o.reduction ?? 'mean';
  if (red === 'none') return losses;
  const s = losses.reduce((a, b) => a + b, 0);
  return red === 'sum' ? s : s / wsum;
}

function lossCheck(t: Tensor, ref: number | number[], msg: string): void {
  if (typeof ref === 'number') {
    assert.deepEqual(t.shape, [], `${msg}: scalar`);
    assertClose([t.item()], [ref], { rtol: 1e-10, atol: 1e-12, msg });
  } else assertClose(t.toFloat64Array(), ref, { rtol: 1e-10, atol: 1e-12, msg });
}

test('crossEntropy: class weights, ignoreIndex, label smoothing, reductions (N, C) vs log-softmax loops', () => {
  const rng = new Rng(16);
  tidy(() => {
    const N = 6;
    const C = 4;
    const x = rand(rng, [N, C], -3, 3);
    const target = [0, 3, 1, -100, 2, 3];
    const weight = [0.5, 2, 1, 1.5];
    const logp = logSoftmaxNCS(x.data, N, C, 1);
    const tt = long(target, [N]);
    const wt = tensor(weight, { dtype: 'float64' });
    for (const reduction of ['mean', 'sum', 'none'] as const) {
      for (const smoothing of [0, 0.2]) {
        for (const useW of [false, true]) {
          const o = { reduction, smoothing, ...(useW ? { weight } : {}) };
          const got = F.crossEntropy(t64(x), tt, { reduction, labelSmoothing: smoothing, weight: useW ? wt : null });
          lossCheck(got, nllRef(logp, target, C, o), `crossEntropy ${reduction} ε=${smoothing} weighted=${useW}`);
        }
      }
    }
    // a custom ignoreIndex
    const t2 = [0, 3, 1, 2, 2, 3];
    lossCheck(
      F.crossEntropy(t64(x), long(t2, [N]), { ignoreIndex: 2 }),
      nllRef(logp, t2, C, { ignoreIndex: 2 }),
      'crossEntropy ignoreIndex 2',
    );
    // hand check: uniform logits give log(C)
    const u = F.crossEntropy(tensor(new Float64Array(8), { shape: [2, 4] }), long([1, 3], [2]));
    assertClose([u.item()], [Math.log(4)], { rtol: 1e-12 });
  });
});

test('crossEntropy: N-D targets (N, C, H, W) with weights and ignoreIndex; probability targets', () => {
  const rng = new Rng(17);
  tidy(() => {
    const [N, C, H, W] = [2, 3, 4, 5];
    const x = rand(rng, [N, C, H, W], -2, 2);
    const target = Array.from({ length: N * H * W }, () => rng.int(0, C));
    target[3] = -100;
    target[17] = -100;
    const weight = [1, 3, 0.5];
    const logp = logSoftmaxNCS(x.data, N, C, H * W);
    const tt = long(target, [N, H, W]);
    for (const reduction of ['mean', 'sum'] as const) {
      lossCheck(
        F.crossEntropy(t64(x), tt, { weight: tensor(weight, { dtype: 'float64' }), reduction }),
        nllRef(logp, target, C, { weight, reduction }),
        `crossEntropy N-D ${reduction}`,
      );
    }
    const none = F.crossEntropy(t64(x), tt, { reduction: 'none', labelSmoothing: 0.1 });
    assert.deepEqual(none.shape, [N, H, W]);
    lossCheck(none, nllRef(logp, target, C, { reduction: 'none', smoothing: 0.1 }), 'crossEntropy N-D none smoothed');

    // class-probability targets: mean over the batch of -Σ q_c log p_c
    const q = rand(rng, [N, C, H, W], 0, 1);
    for (let n = 0; n < N; n++)
      for (let s = 0; s < H * W; s++) {
        let z = 0;
        for (let c = 0; c < C; c++) z += q.data[(n * C + c) * H * W + s]!;
        for (let c = 0; c < C; c++) q.data[(n * C + c) * H * W + s]! /= z;
      }
    let total = 0;
    for (let n = 0; n < N; n++)
      for (let s = 0; s < H * W; s++)
        for (let c = 0; c < C; c++) total -= q.data[(n * C + c) * H * W + s]! * logp[n]![s]![c]!;
    lossCheck(F.crossEntropy(t64(x), t64(q)), total / (N * H * W), 'crossEntropy probability targets');
  });
});

test('nllLoss: weights, ignoreIndex, reductions, N-D', () => {
  const rng = new Rng(18);
  tidy(() => {
    const [N, C, S] = [3, 4, 5];
    const lp = rand(rng, [N, C, S], -4, 0);
    const target = Array.from({ length: N * S }, () => rng.int(0, C));
    target[4] = 7; // ignored via ignoreIndex 7
    const weight = [2, 0.5, 1, 3];
    const tt = long(target, [N, S]);
    const asNSC = Array.from({ length: N }, (_, n) =>
      Array.from({ length: S }, (_, s) => Array.from({ length: C }, (_, c) => lp.data[(n * C + c) * S + s]!)),
    );
    for (const reduction of ['mean', 'sum', 'none'] as const) {
      lossCheck(
        F.nllLoss(t64(lp), tt, { weight: tensor(weight, { dtype: 'float64' }), ignoreIndex: 7, reduction }),
        nllRef(asNSC, target, C, { weight, ignoreIndex: 7, reduction }),
        `nllLoss ${reduction}`,
      );
    }
    // 2-D input
    const lp2 = rand(rng, [5, 3], -3, 0);
    const t2 = [2, 0, 1, 1, 2];
    const ref = -t2.reduce((a, t, n) => a + lp2.data[n * 3 + t]!, 0) / 5;
    lossCheck(F.nllLoss(t64(lp2), long(t2, [5])), ref, 'nllLoss 2-D');
  });
});

test('binaryCrossEntropyWithLogits: weight, posWeight, reductions, stable for |logit| = 50', () => {
  const rng = new Rng(19);
  tidy(() => {
    const x = rand(rng, [3, 4], -4, 4);
    x.data[0] = 50;
    x.data[1] = -50;
    const y = rand(rng, [3, 4], 0, 1);
    y.data[0] = 0;
    y.data[1] = 1;
    const w = rand(rng, [4], 0.5, 2); // broadcast over rows
    const pw = rand(rng, [4], 0.5, 3);
    // log σ(v) = -softplus(-v), computed stably
    const logSig = (v: number): number => -(Math.max(-v, 0) + Math.log1p(Math.exp(-Math.abs(v))));
    const per = (useW: boolean, usePw: boolean): number[] =>
      Array.from(x.data, (v, i) => {
        const c = i % 4;
        const p = usePw ? pw.data[c]! : 1;
        const l = -(p * y.data[i]! * logSig(v) + (1 - y.data[i]!) * logSig(-v));
        return useW ? w.data[c]! * l : l;
      });
    const ww = { data: w.data, shape: [4] };
    const pp = { data: pw.data, shape: [4] };
    for (const [useW, usePw] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      const ref = per(useW, usePw);
      const o = { weight: useW ? t64(ww) : null, posWeight: usePw ? t64(pp) : null };
      lossCheck(
        F.binaryCrossEntropyWithLogits(t64(x), t64(y), { ...o, reduction: 'none' }),
        ref,
        `bce none w=${useW} pw=${usePw}`,
      );
      lossCheck(
        F.binaryCrossEntropyWithLogits(t64(x), t64(y), { ...o, reduction: 'sum' }),
        ref.reduce((a, b) => a + b, 0),
        'bce sum',
      );
      lossCheck(
        F.binaryCrossEntropyWithLogits(t64(x), t64(y), o),
        ref.reduce((a, b) => a + b, 0) / ref.length,
        'bce mean',
      );
    }
    // the two extreme elements: loss 50 for (50, target 0) and (-50, target 1)
    const none = F.binaryCrossEntropyWithLogits(t64(x), t64(y), { reduction: 'none' }).toFloat64Array();
    assertClose([none[0]!, none[1]!], [50, 50], { rtol: 1e-12 });
  });
});

test('mseLoss: mean, sum, none', () => {
  const rng = new Rng(20);
  tidy(() => {
    const a = rand(rng, [3, 5]);
    const b = rand(rng, [3, 5]);
    const sq = Array.from(a.data, (v, i) => (v - b.data[i]!) ** 2);
    lossCheck(F.mseLoss(t64(a), t64(b)), sq.reduce((s, v) => s + v, 0) / 15, 'mse mean');
    lossCheck(
      F.mseLoss(t64(a), t64(b), 'sum'),
      sq.reduce((s, v) => s + v, 0),
      'mse sum',
    );
    lossCheck(F.mseLoss(t64(a), t64(b), 'none'), sq, 'mse none');
  });
});

// ---------------------------------------------------------------- normalize, pad, oneHot, linear

test('normalize: L2 along dim 1, L1 along the last dim, eps keeps zero vectors at zero', () => {
  const rng = new Rng(21);
  tidy(() => {
    const x = rand(rng, [3, 4, 2]);
    // zero vector along dim 1 at [2, :, 1]
    for (let c = 0; c < 4; c++) x.data[(2 * 4 + c) * 2 + 1] = 0;
    const ref2 = new Float64Array(x.data.length);
    for (let n = 0; n < 3; n++)
      for (let k = 0; k < 2; k++) {
        let s = 0;
        for (let c = 0; c < 4; c++) s += x.data[(n * 4 + c) * 2 + k]! ** 2;
        const d = Math.max(Math.sqrt(s), 1e-12);
        for (let c = 0; c < 4; c++) ref2[(n * 4 + c) * 2 + k] = x.data[(n * 4 + c) * 2 + k]! / d;
      }
    check(F.normalize(t64(x)), { data: ref2, shape: x.shape }, 'normalize L2 dim 1');
    const ref1 = new Float64Array(x.data.length);
    for (let r = 0; r < 12; r++) {
      const d = Math.max(Math.abs(x.data[2 * r]!) + Math.abs(x.data[2 * r + 1]!), 0.1);
      ref1[2 * r] = x.data[2 * r]! / d;
      ref1[2 * r + 1] = x.data[2 * r + 1]! / d;
    }
    check(F.normalize(t64(x), { p: 1, dim: -1, eps: 0.1 }), { data: ref1, shape: x.shape }, 'normalize L1 dim -1');
  });
});

test('pad: constant (value), reflect, replicate on the last two dims, asymmetric pads', () => {
  const rng = new Rng(22);
  tidy(() => {
    const x = rand(rng, [1, 2, 4, 5]);
    const pads = [1, 2, 3, 1]; // W: 1 left 2 right; H: 3 top 1 bottom
    const [H, W] = [4, 5];
    const [oH, oW] = [H + 4, W + 3];
    const ref = (f: (h: number, w: number) => number | null, value = 0): Arr => {
      const out = new Float64Array(2 * oH * oW);
      for (let c = 0; c < 2; c++)
        for (let i = 0; i < oH; i++)
          for (let j = 0; j < oW; j++) {
            const src = f(i - 3, j - 1);
            out[(c * oH + i) * oW + j] = src === null ? value : x.data[c * H * W + src]!;
          }
      return { data: out, shape: [1, 2, oH, oW] };
    };
    const inside = (h: number, w: number): number | null => (h >= 0 && h < H && w >= 0 && w < W ? h * W + w : null);
    const reflect = (i: number, n: number): number => (i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i);
    const clampI = (i: number, n: number): number => Math.min(Math.max(i, 0), n - 1);
    check(F.pad(t64(x), pads, { value: 2.5 }), ref(inside, 2.5), 'pad constant 2.5');
    check(F.pad(t64(x), pads), ref(inside, 0), 'pad constant 0');
    check(
      F.pad(t64(x), pads, { mode: 'reflect' }),
      ref((h, w) => reflect(h, H) * W + reflect(w, W)),
      'pad reflect',
    );
    check(
      F.pad(t64(x), pads, { mode: 'replicate' }),
      ref((h, w) => clampI(h, H) * W + clampI(w, W)),
      'pad replicate',
    );
    // 1-D constant pad of the last dim only
    const y = F.pad(tensor([1, 2, 3], { shape: [1, 3], dtype: 'float64' }), [2, 0], { value: -1 });
    assert.deepEqual(y.toArray(), [-1, -1, 1, 2, 3]);
  });
});

test('oneHot: trailing class dim, int64', () => {
  tidy(() => {
    const idx = [2, 0, 1, 3, 3, 0];
    const y = F.oneHot(long(idx, [2, 3]), 4);
    assert.deepEqual(y.shape, [2, 3, 4]);
    assert.equal(y.dtype, 'int64');
    const expected = idx.flatMap((k) => [0, 1, 2, 3].map((c) => (c === k ? 1 : 0)));
    assert.deepEqual(y.toArray(), expected);
  });
});

test('linear: x W^T + b for 2-D and 3-D inputs', () => {
  const rng = new Rng(23);
  tidy(() => {
    const x = rand(rng, [2, 3, 5]);
    const w = rand(rng, [4, 5]);
    const b = rand(rng, [4]);
    const ref = (bias: boolean): Arr => {
      const out = new Float64Array(6 * 4);
      for (let r = 0; r < 6; r++)
        for (let o = 0; o < 4; o++) {
          let s = bias ? b.data[o]! : 0;
          for (let i = 0; i < 5; i++) s += x.data[r * 5 + i]! * w.data[o * 5 + i]!;
          out[r * 4 + o] = s;
        }
      return { data: out, shape: [2, 3, 4] };
    };
    check(F.linear(t64(x), t64(w), t64(b)), ref(true), 'linear 3-D bias');
    const r2 = ref(false);
    check(
      F.linear(t64({ data: x.data, shape: [6, 5] }), t64(w)),
      { data: r2.data, shape: [6, 4] },
      'linear 2-D no bias',
    );
  });
});

// ---------------------------------------------------------------- affineGrid + gridSample

/** normalised coordinate of index i along an axis of `size` samples (affine_grid's base grid) */
function baseCoord(i: number, size: number, ac: boolean): number {
  if (ac) return size > 1 ? -1 + (2 * i) / (size - 1) : 0;
  return (2 * i + 1) / size - 1;
}

/** grid_sample's unnormalisation of a coordinate in [-1, 1] to a pixel index */
function unnormalise(g: number, size: number, ac: boolean): number {
  return ac ? ((g + 1) / 2) * (size - 1) : ((g + 1) * size - 1) / 2;
}

/** round half to even (std::nearbyint), grid_sample's nearest rounding */
function rint(v: number): number {
  const r = Math.round(v);
  return Math.abs(v - Math.trunc(v)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * grid_sample reference for 2D ([N,C,H,W], grid [N,Ho,Wo,2]) and 3D ([N,C,D,H,W], grid [N,Do,Ho,Wo,3]):
 * grid's last dim is (x, y[, z]) = (W, H[, D]) axes; zeros or border padding; bilinear or nearest.
 */
function gridSampleRef(x: Arr, grid: Arr, mode: 'bilinear' | 'nearest', padding: 'zeros' | 'border', ac: boolean): Arr {
  const [N, C] = x.shape as [number, number];
  const inS = x.shape.slice(2); // [D,]H,W
  const nd = inS.length;
  const outS = grid.shape.slice(1, 1 + nd);
  const outPos = positions(outS);
  const out = new Float64Array(N * C * outPos.length);
  for (let n = 0; n < N; n++)
    outPos.forEach((op, pi) => {
      const gbase = ravel([n, ...op, 0], grid.shape);
      // coordinate along spatial axis d (d = nd-1 is W, fed by grid component 0)
      const coord = inS.map((size, d) => {
        let v = unnormalise(grid.data[gbase + (nd - 1 - d)]!, size, ac);
        if (padding === 'border') v = Math.min(Math.max(v, 0), size - 1);
        return v;
      });
      const at = (c: number, ip: number[]): number =>
        ip.every((v, d) => v >= 0 && v < inS[d]!) ? x.data[ravel([n, c, ...ip], x.shape)]! : 0;
      for (let c = 0; c < C; c++) {
        let s = 0;
        if (mode === 'nearest') s = at(c, coord.map(rint));
        else {
          for (let corner = 0; corner < 1 << nd; corner++) {
            let wgt = 1;
            const ip: number[] = [];
            for (let d = 0; d < nd; d++) {
              const f = Math.floor(coord[d]!);
              const hi = (corner >> d) & 1;
              ip.push(f + hi);
              wgt *= hi ? coord[d]! - f : 1 - (coord[d]! - f);
            }
            s += wgt * at(c, ip);
          }
        }
        out[(n * C + c) * outPos.length + pi] = s;
      }
    });
  return { data: out, shape: [N, C, ...outS] };
}

/** affine_grid reference: grid[n, ...pos] = theta[n] · (x, y[, z], 1) with the base coordinates of each axis */
function affineGridRef(theta: Arr, size: number[], ac: boolean): Arr {
  const N = size[0]!;
  const sp = size.slice(2);
  const nd = sp.length;
  const pos = positions(sp);
  const out = new Float64Array(N * pos.length * nd);
  let k = 0;
  for (let n = 0; n < N; n++)
    for (const p of pos) {
      const base = [...p].reverse().map((i, j) => baseCoord(i, sp[nd - 1 - j]!, ac)); // (x, y[, z])
      for (let r = 0; r < nd; r++) {
        let s = theta.data[(n * nd + r) * (nd + 1) + nd]!;
        for (let c = 0; c < nd; c++) s += theta.data[(n * nd + r) * (nd + 1) + c]! * base[c]!;
        out[k++] = s;
      }
    }
  return { data: out, shape: [N, ...sp, nd] };
}

test('affineGrid + gridSample 2D: identity reproduces the input; translation/rotation vs a bilinear sampler', () => {
  const rng = new Rng(24);
  tidy(() => {
    const x = rand(rng, [2, 3, 5, 6]);
    const size = [2, 3, 5, 6];
    const ident = { data: Float64Array.from([1, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0]), shape: [2, 2, 3] };
    for (const ac of [true, false]) {
      const g = F.affineGrid(t64(ident), size, ac);
      check(g, affineGridRef(ident, size, ac), `affineGrid identity ac=${ac}`);
      check(F.gridSample(t64(x), g, { alignCorners: ac }), x, `identity warp ac=${ac}`, 1e-12, 1e-12);
    }
    // batch 0: translation; batch 1: rotation by 0.4 rad with scale 0.9 and a shift
    const a = 0.4;
    const theta = {
      data: Float64Array.from([
        1,
        0,
        0.3,
        0,
        1,
        -0.2,
        0.9 * Math.cos(a),
        -0.9 * Math.sin(a),
        0.1,
        0.9 * Math.sin(a),
        0.9 * Math.cos(a),
        0.05,
      ]),
      shape: [2, 2, 3],
    };
    for (const ac of [false, true]) {
      const gRef = affineGridRef(theta, size, ac);
      const g = F.affineGrid(t64(theta), size, ac);
      check(g, gRef, `affineGrid ac=${ac}`);
      for (const padding of ['zeros', 'border'] as const) {
        check(
          F.gridSample(t64(x), g, { alignCorners: ac, paddingMode: padding }),
          gridSampleRef(x, gRef, 'bilinear', padding, ac),
          `gridSample 2D bilinear ${padding} ac=${ac}`,
        );
      }
    }
    // a random (non-affine) grid with points outside [-1, 1], different output size
    const gr = rand(rng, [2, 4, 7, 2], -1.3, 1.3);
    check(F.gridSample(t64(x), t64(gr)), gridSampleRef(x, gr, 'bilinear', 'zeros', false), 'gridSample random grid');
  });
});

test('gridSample nearest keeps label values (2D and 3D) and matches the nearest-neighbour reference', () => {
  const rng = new Rng(25);
  tidy(() => {
    const labelValues = [0, 1, 2, 5];
    const lab = {
      data: Float64Array.from({ length: 2 * 7 * 8 }, () => labelValues[rng.int(0, 4)]!),
      shape: [2, 1, 7, 8],
    };
    const a = 0.3;
    const theta = {
      data: Float64Array.from([
        Math.cos(a),
        -Math.sin(a),
        0.1,
        Math.sin(a),
        Math.cos(a),
        -0.15,
        1.1,
        0,
        0.05,
        0,
        0.95,
        0.02,
      ]),
      shape: [2, 2, 3],
    };
    const size = [2, 1, 7, 8];
    const g = F.affineGrid(t64(theta), size, false);
    const y = F.gridSample(t64(lab), g, { mode: 'nearest' });
    for (const v of y.toFloat64Array()) assert.ok(labelValues.includes(v), `nearest produced ${v}, not a label`);
    check(y, gridSampleRef(lab, affineGridRef(theta, size, false), 'nearest', 'zeros', false), 'gridSample nearest 2D');

    const lab3 = {
      data: Float64Array.from({ length: 4 * 5 * 6 }, () => labelValues[rng.int(0, 4)]!),
      shape: [1, 1, 4, 5, 6],
    };
    const theta3 = {
      data: Float64Array.from([Math.cos(a), -Math.sin(a), 0, 0.1, Math.sin(a), Math.cos(a), 0, 0, 0, 0, 1, -0.2]),
      shape: [1, 3, 4],
    };
    const size3 = [1, 1, 4, 5, 6];
    const g3 = F.affineGrid(t64(theta3), size3, true);
    const y3 = F.gridSample(t64(lab3), g3, { mode: 'nearest', alignCorners: true });
    for (const v of y3.toFloat64Array()) assert.ok(labelValues.includes(v), `nearest 3D produced ${v}, not a label`);
    check(
      y3,
      gridSampleRef(lab3, affineGridRef(theta3, size3, true), 'nearest', 'zeros', true),
      'gridSample nearest 3D',
    );
  });
});

test('affineGrid + gridSample 3D: identity reproduces the input; rotation + translation vs a trilinear sampler', () => {
  const rng = new Rng(26);
  tidy(() => {
    const x = rand(rng, [1, 2, 4, 5, 6]);
    const size = [1, 2, 4, 5, 6];
    const ident = { data: Float64Array.from([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0]), shape: [1, 3, 4] };
    const gi = F.affineGrid(t64(ident), size, true);
    check(gi, affineGridRef(ident, size, true), 'affineGrid 3D identity');
    check(F.gridSample(t64(x), gi, { alignCorners: true }), x, 'identity warp 3D', 1e-12, 1e-12);
    const a = 0.35;
    const theta = {
      data: Float64Array.from([1, 0, 0, 0.15, 0, Math.cos(a), -Math.sin(a), -0.1, 0, Math.sin(a), Math.cos(a), 0.2]),
      shape: [1, 3, 4],
    };
    for (const ac of [false, true]) {
      const gRef = affineGridRef(theta, size, ac);
      const g = F.affineGrid(t64(theta), size, ac);
      check(g, gRef, `affineGrid 3D ac=${ac}`);
      check(
        F.gridSample(t64(x), g, { alignCorners: ac }),
        gridSampleRef(x, gRef, 'bilinear', 'zeros', ac),
        `gridSample 3D ac=${ac}`,
      );
    }
  });
});
