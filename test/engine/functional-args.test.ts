/**
 * Argument checks of the functional ops (src/engine/functional.ts, check-args.ts) and of the addon's one integer
 * converter (native/addon.cc `I`/`IL`): a stride, padding, dilation, group count, kernel, output size or scale factor
 * that is not an integer (or finite number) in range is refused with an error naming the op and the argument —
 * never truncated (2.7 → 2), zeroed (NaN → 0) or wrapped (-1 → 2^64 - 1). Valid edge cases still compute the right
 * numbers: a stride-2 / padding-1 convolution, a padded strided max-pool and a scale-factor interpolation against
 * float64 loops written here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, tidy, F, setNumThreads, Tensor } from '../../src/engine/index.js';
import { N } from '../../src/engine/native.js';
import { Rng } from '../../src/util/rng.js';
import { assertClose, randomArray } from './helpers.js';

setNumThreads(1);

/** `fn` throws a `cls` whose message is exactly `message` */
function refuses(fn: () => unknown, message: string, cls: new (...args: never[]) => Error = RangeError): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof cls, `expected a ${cls.name}, got ${String(e)}`);
    assert.equal((e as Error).message, message);
    return true;
  });
}

const x4 = () => tensor(new Float32Array(2 * 2 * 5 * 5).fill(1), { shape: [2, 2, 5, 5] });
const w4 = () => tensor(new Float32Array(4 * 2 * 3 * 3).fill(1), { shape: [4, 2, 3, 3] });

test('conv: stride, padding, dilation, groups, outputPadding must be integers in range, named with the op', () => {
  tidy(() => {
    const [x, w] = [x4(), w4()];
    const conv = (o: Record<string, unknown>) => F.conv2d(x, w, null, o);
    refuses(() => conv({ stride: 0 }), 'conv2d: stride must be an integer >= 1, got 0');
    refuses(() => conv({ stride: 2.5 }), 'conv2d: stride must be an integer, got 2.5');
    refuses(() => conv({ stride: [1, NaN] }), 'conv2d: stride[1] must be an integer, got NaN');
    refuses(() => conv({ stride: 2 ** 53 }), `conv2d: stride must be an integer, got ${2 ** 53}`);
    refuses(
      () => conv({ stride: '2' }),
      'conv2d: stride must be an integer or an array of integers, got "2"',
      TypeError,
    );
    refuses(() => conv({ padding: -1 }), 'conv2d: padding must be an integer >= 0, got -1');
    refuses(() => conv({ padding: [0, 1.5] }), 'conv2d: padding[1] must be an integer, got 1.5');
    refuses(() => conv({ dilation: 0 }), 'conv2d: dilation must be an integer >= 1, got 0');
    refuses(() => conv({ dilation: Infinity }), 'conv2d: dilation must be an integer, got Infinity');
    refuses(() => conv({ groups: 0 }), 'conv2d: groups must be an integer >= 1, got 0');
    refuses(() => conv({ groups: 1.5 }), 'conv2d: groups must be an integer, got 1.5');
    refuses(() => conv({ groups: NaN }), 'conv2d: groups must be an integer, got NaN');
    const x3 = tensor(new Float32Array(2 * 4 * 4 * 4), { shape: [1, 2, 4, 4, 4] });
    const w3 = tensor(new Float32Array(2 * 2 * 27), { shape: [2, 2, 3, 3, 3] });
    refuses(() => F.conv3d(x3, w3, null, { stride: [1, 1, -2] }), 'conv3d: stride[2] must be an integer >= 1, got -2');
    const wt = tensor(new Float32Array(2 * 3 * 2 * 2), { shape: [2, 3, 2, 2] });
    const xt = tensor(new Float32Array(2 * 9), { shape: [1, 2, 3, 3] });
    refuses(
      () => F.convTranspose2d(xt, wt, null, { stride: 2, outputPadding: -1 }),
      'convTranspose2d: outputPadding must be an integer >= 0, got -1',
    );
    refuses(
      () => F.convTranspose2d(xt, wt, null, { stride: 0.5 }),
      'convTranspose2d: stride must be an integer, got 0.5',
    );
  });
});

test('pooling: kernel, stride, padding, dilation checked; avgPool refuses a dilation it cannot apply', () => {
  tidy(() => {
    const x = x4();
    refuses(() => F.maxPool2d(x, { kernelSize: 0 }), 'maxPool2d: kernelSize must be an integer >= 1, got 0');
    refuses(() => F.maxPool2d(x, { kernelSize: 2.7 }), 'maxPool2d: kernelSize must be an integer, got 2.7');
    refuses(() => F.maxPool2d(x, { kernelSize: [2, NaN] }), 'maxPool2d: kernelSize[1] must be an integer, got NaN');
    refuses(
      () => F.maxPool2d(x, {} as F.PoolOptions),
      'maxPool2d: kernelSize must be an integer or an array of integers, got undefined',
      TypeError,
    );
    refuses(() => F.maxPool2d(x, { kernelSize: 2, stride: 0 }), 'maxPool2d: stride must be an integer >= 1, got 0');
    refuses(() => F.maxPool2d(x, { kernelSize: 2, padding: -1 }), 'maxPool2d: padding must be an integer >= 0, got -1');
    refuses(() => F.maxPool2d(x, { kernelSize: 2, dilation: 0 }), 'maxPool2d: dilation must be an integer >= 1, got 0');
    refuses(() => F.avgPool2d(x, { kernelSize: 2, stride: 1.5 }), 'avgPool2d: stride must be an integer, got 1.5');
    refuses(() => F.avgPool2d(x, { kernelSize: 2, dilation: 2 }), 'avgPool2d: dilation is not supported (got [2, 2])');
    refuses(() => F.adaptiveAvgPool2d(x, 0), 'adaptiveAvgPool2d: outputSize must be an integer >= 1, got 0');
    refuses(() => F.adaptiveAvgPool2d(x, [2, 2.5]), 'adaptiveAvgPool2d: outputSize[1] must be an integer, got 2.5');
    refuses(() => F.pixelShuffle(x, 0), 'pixelShuffle: upscaleFactor must be an integer >= 1, got 0');
  });
});

test('interpolate: sizes are integers >= 1, scale factors finite and > 0 with an output of at least 1', () => {
  tidy(() => {
    const x = x4();
    refuses(() => F.interpolate(x, { size: 0 }), 'interpolate: size must be an integer >= 1, got 0');
    refuses(() => F.interpolate(x, { size: [3, 2.5] }), 'interpolate: size[1] must be an integer, got 2.5');
    refuses(
      () => F.interpolate(x, { size: [3, 3, 3] }),
      'interpolate: size must have 2 values (one per dim), got [3, 3, 3]',
    );
    refuses(() => F.interpolate(x, { scaleFactor: NaN }), 'interpolate: scaleFactor must be a finite number, got NaN');
    refuses(
      () => F.interpolate(x, { scaleFactor: [2, Infinity] }),
      'interpolate: scaleFactor[1] must be a finite number, got Infinity',
    );
    refuses(
      () => F.interpolate(x, { scaleFactor: -2 }),
      'interpolate: scaleFactor = -2 gives an output size of -10 for an input size of 5',
    );
    refuses(
      () => F.interpolate(x, { scaleFactor: 0.1 }),
      'interpolate: scaleFactor = 0.1 gives an output size of 0 for an input size of 5',
    );
    refuses(
      () => F.interpolate(x, { scaleFactor: [2] }),
      'interpolate: scaleFactor must be a number or 2 numbers (one per spatial dim)',
    );
  });
});

test('the addon converter itself refuses non-integers, NaN, out-of-range and > 2^53 values, naming op and argument', () => {
  tidy(() => {
    const [x, w] = [x4(), w4()];
    const conv = (stride: unknown, groups: unknown = 1) =>
      N.conv(x.handle, w.handle, null, stride, [0, 0], [1, 1], false, [0, 0], groups);
    refuses(() => conv([1, 2.5]), 'conv: stride[1] must be an integer >= 1, got 2.5');
    refuses(() => conv([NaN, 1]), 'conv: stride[0] must be an integer >= 1, got NaN');
    refuses(() => conv([1, 2 ** 60]), `conv: stride[1] must be an integer >= 1, got ${2 ** 60}`);
    refuses(() => conv([1, 1], -1), 'conv: groups must be an integer >= 1, got -1');
    refuses(() => conv('1'), 'conv: stride must be an array of integers', TypeError);
    refuses(
      () => N.maxPool(x.handle, [2, 2], [2, 2], [0, -1], [1, 1], false),
      'maxPool: padding[1] must be an integer >= 0, got -1',
    );
    refuses(
      () => N.interpolate(x.handle, [3, 0.5], 'nearest', false),
      'interpolate: size[1] must be an integer >= 1, got 0.5',
    );
    refuses(() => N.manualSeed(-1), 'manualSeed: seed must be an integer >= 0, got -1');
    refuses(() => N.manualSeed(2 ** 53), `manualSeed: seed must be an integer >= 0, got ${2 ** 53}`);
    // generic integer arguments (dims, counts): any sign, but integers only
    refuses(() => N.transpose(x.handle, 0.5, 1), 'transpose: integer argument must be an integer, got 0.5');
    refuses(() => N.transpose(x.handle, '0', 1), 'transpose: integer argument must be an integer, got 0', TypeError);
    refuses(() => N.setNumThreads(0), 'setNumThreads: threads must be an integer >= 1, got 0');
    assert.deepEqual(new Tensor(N.transpose(x.handle, -1, 0)).shape, [5, 2, 5, 2], 'a negative dim still works');
  });
});

/** float64 reference: y[n, o, i, j] = b[o] + Σ_{c, a, d} x[n, g·C/G + c, i·s − p + a, j·s − p + d] · w[o, c, a, d] */
function conv2dRef(
  x: number[],
  xs: number[],
  w: number[],
  ws: number[],
  b: number[],
  s: number,
  p: number,
  groups: number,
) {
  const [n, cin, h, wd] = xs as [number, number, number, number];
  const [cout, cpg, kh, kw] = ws as [number, number, number, number];
  const oh = Math.floor((h + 2 * p - kh) / s) + 1;
  const ow = Math.floor((wd + 2 * p - kw) / s) + 1;
  const out = new Float64Array(n * cout * oh * ow);
  const opg = cout / groups;
  for (let b0 = 0; b0 < n; b0++)
    for (let o = 0; o < cout; o++)
      for (let i = 0; i < oh; i++)
        for (let j = 0; j < ow; j++) {
          let acc = b[o]!;
          const g = Math.floor(o / opg);
          for (let c = 0; c < cpg; c++)
            for (let a = 0; a < kh; a++)
              for (let d = 0; d < kw; d++) {
                const yi = i * s - p + a;
                const xj = j * s - p + d;
                if (yi < 0 || yi >= h || xj < 0 || xj >= wd) continue;
                const ci = g * cpg + c;
                acc += x[((b0 * cin + ci) * h + yi) * wd + xj]! * w[((o * cpg + c) * kh + a) * kw + d]!;
              }
          out[((b0 * cout + o) * oh + i) * ow + j] = acc;
        }
  return { data: out, shape: [n, cout, oh, ow] };
}

test('valid edge cases: conv2d stride 2 / padding 1 (odd sizes, groups 2) equals the float64 loop', () => {
  const rng = new Rng(15);
  const xs = [2, 4, 7, 6];
  const ws = [6, 2, 3, 3];
  const x = randomArray(rng, 2 * 4 * 7 * 6);
  const w = randomArray(rng, 6 * 2 * 9);
  const b = randomArray(rng, 6);
  const ref = conv2dRef(x, xs, w, ws, b, 2, 1, 2);
  tidy(() => {
    const y = F.conv2d(
      tensor(Float64Array.from(x), { shape: xs }),
      tensor(Float64Array.from(w), { shape: ws }),
      tensor(Float64Array.from(b), { shape: [6] }),
      { stride: [2, 2], padding: 1, groups: 2 },
    );
    assert.deepEqual(y.shape, ref.shape);
    assertClose(y.toFloat64Array(), ref.data, { rtol: 1e-12, atol: 1e-12 });
  });
});

test('valid edge cases: a padded strided maxPool and a scale-factor nearest interpolation equal float64 loops', () => {
  const rng = new Rng(16);
  const [h, w] = [5, 6];
  const x = randomArray(rng, h * w);
  // max over the 3×3 window at (2i − 1, 2j − 1), padding cells excluded (PyTorch pads with −∞)
  const oh = Math.floor((h + 2 - 3) / 2) + 1;
  const ow = Math.floor((w + 2 - 3) / 2) + 1;
  const pool: number[] = [];
  for (let i = 0; i < oh; i++)
    for (let j = 0; j < ow; j++) {
      let m = -Infinity;
      for (let a = 0; a < 3; a++)
        for (let d = 0; d < 3; d++) {
          const [r, c] = [2 * i - 1 + a, 2 * j - 1 + d];
          if (r >= 0 && r < h && c >= 0 && c < w) m = Math.max(m, x[r * w + c]!);
        }
      pool.push(m);
    }
  // nearest with scale 0.5: output (⌊h/2⌋, ⌊w/2⌋), source index ⌊i · in / out⌋
  const [nh, nw] = [Math.floor(h * 0.5), Math.floor(w * 0.5)];
  const near: number[] = [];
  for (let i = 0; i < nh; i++)
    for (let j = 0; j < nw; j++) near.push(x[Math.floor((i * h) / nh) * w + Math.floor((j * w) / nw)]!);
  tidy(() => {
    const t = tensor(Float64Array.from(x), { shape: [1, 1, h, w] });
    const p = F.maxPool2d(t, { kernelSize: 3, stride: 2, padding: 1 });
    assert.deepEqual(p.shape, [1, 1, oh, ow]);
    assertClose(p.toFloat64Array(), pool, { rtol: 0, atol: 0 });
    const n = F.interpolate(t, { scaleFactor: 0.5 });
    assert.deepEqual(n.shape, [1, 1, nh, nw]);
    assertClose(n.toFloat64Array(), near, { rtol: 0, atol: 0 });
  });
});
