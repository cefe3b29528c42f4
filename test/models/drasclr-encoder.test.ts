/**
 * DrasclrEncoder: the authors' layout (13 Loc-CondConvs, 32³ → 1³), shapes on 32³ and 16³ patches, the parameter
 * count by hand, the whole forward (Loc-CondConv → BatchNorm with batch statistics → ELU → pool → MLP head) against
 * a float64 loop reference on a 2-layer network, the conditioning variants, gradients reaching every parameter.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, tidy, noGrad, Generator, setNumThreads, type Tensor } from '../../src/engine/index.js';
import { DrasclrEncoder, DRASCLR_LAYERS, type DrasclrEncoderOptions } from '../../src/models/drasclr-encoder.js';
import { locationTensor } from '../../src/models/loc-cond-conv.js';
import { Rng } from '../../src/util/rng.js';
import { assertClose, randomArray, numel } from '../engine/helpers.js';
import { conv3dRef, routingRef, mixRef, concatLocationRef, type Arr } from './conv3d-ref.js';

setNumThreads(1);

function rand(rng: Rng, shape: number[], low = -1, high = 1): Arr {
  return { data: Float64Array.from(randomArray(rng, numel(shape), low, high)), shape };
}
const t64 = (a: Arr): Tensor => tensor(a.data, { shape: a.shape });

function encoder(opts: DrasclrEncoderOptions, seed: number, float64 = false): DrasclrEncoder {
  const e = new DrasclrEncoder({ ...opts, generator: new Generator(seed) });
  return float64 ? e.to({ dtype: 'float64' }) : e;
}

test('DrasclrEncoder: the authors layout, 1→8→8(s2)→[16,16,16 s2]→[32..]→[64..]→128→128(s2), 32³ and 16³ end at 1³', () => {
  assert.deepEqual(
    DRASCLR_LAYERS.map((l) => `${l.out}${l.stride === 2 ? 's2' : ''}`),
    ['8', '8s2', '16', '16', '16s2', '32', '32', '32s2', '64', '64', '64s2', '128', '128s2'],
  );
  const e = encoder({}, 1);
  assert.equal(e.blocks.length, 13);
  assert.equal(e.representationDim, 128);
  e.blocks.forEach((b) => {
    assert.equal(b.conv.mode, 'loc-condconv');
    assert.equal(b.conv.weight.shape[0], 8, 'N = 8 experts');
    assert.deepEqual(b.conv.weight.shape.slice(3), [3, 3, 3]);
    assert.equal(b.conv.bias, null, 'no conv bias before BatchNorm');
  });
  // spatial size after every block, by running the blocks one by one
  for (const [size, expected] of [
    [32, [32, 16, 16, 16, 8, 8, 8, 4, 4, 4, 2, 2, 1]],
    [16, [16, 8, 8, 8, 4, 4, 4, 2, 2, 2, 1, 1, 1]],
  ] as const) {
    const sizes = tidy(() =>
      noGrad(() => {
        const x = tensor(
          new Float32Array(2 * size ** 3).map((_, i) => Math.sin(i)),
          { shape: [2, 1, size, size, size] },
        );
        const loc = locationTensor([0.1, 0.2, 0.3], x);
        let h = x;
        return e.blocks.map((b) => {
          h = b.forward(h, loc);
          assert.equal(h.shape[1], b.conv.outChannels);
          return h.shape[2]!;
        });
      }),
    );
    assert.deepEqual(sizes, [...expected], `${size}³`);
  }
});

test('DrasclrEncoder: output shapes on 32³ and 16³ patches, [B, 128] representation and projection', () => {
  const rng = new Rng(2);
  const e = encoder({}, 2);
  for (const size of [32, 16]) {
    tidy(() => {
      const x = tensor(Float32Array.from(randomArray(rng, 3 * size ** 3)), { shape: [3, 1, size, size, size] });
      const y = e.encode(x, [0.5, -0.5, 0]);
      const z = e.forward(x, [0.5, -0.5, 0]);
      assert.deepEqual(y.shape, [3, 128], `${size}³ representation`);
      assert.deepEqual(z.shape, [3, 128], `${size}³ projection`);
      assert.ok(z.toFloat64Array().every(Number.isFinite));
    });
  }
  const small = encoder({ projectionDim: 64, headHidden: 32 }, 3);
  tidy(() => {
    const x = tensor(Float32Array.from(randomArray(rng, 2 * 16 ** 3)), { shape: [2, 1, 16, 16, 16] });
    assert.deepEqual(small.forward(x, [0, 0, 0]).shape, [2, 64]);
  });
});

test('DrasclrEncoder: parameter count by hand (13 Loc-CondConvs of 8 experts + routing, BatchNorms, 128→128→128 head)', () => {
  const e = encoder({}, 4);
  let expected = 0;
  let cin = 1;
  for (const { out } of DRASCLR_LAYERS) {
    expected += 8 * out * cin * 27 + (3 * 8 + 8) + 2 * out;
    cin = out;
  }
  expected += 128 * 128 + 128 + 128 * 128 + 128;
  assert.equal(e.numParameters(), expected);
  const none = encoder({ conditioning: 'none' }, 4);
  let plain = 0;
  cin = 1;
  for (const { out } of DRASCLR_LAYERS) {
    plain += out * cin * 27 + 2 * out;
    cin = out;
  }
  assert.equal(none.numParameters(), plain + 2 * (128 * 128 + 128));
});

/**
 * f(x, p) by hand in float64: for each layer the mixed kernel (routing by hand), the convolution by loops, BatchNorm
 * with the batch's biased variance (training) or the running statistics (eval), ELU; mean pool; fc1, ReLU, fc2.
 */
function referenceForward(e: DrasclrEncoder, x: Arr, p: number[], training: boolean): { y: number[][]; z: number[][] } {
  let h = x;
  for (const b of e.blocks) {
    const c = b.conv;
    const o = { stride: c.stride, padding: c.padding, dilation: c.dilation };
    let out: Arr;
    if (c.mode === 'loc-condconv') {
      const r = routingRef(p, c.routing!.weight.toFloat64Array(), c.routing!.bias!.toFloat64Array(), c.experts);
      const shape = c.weight.shape.slice(1);
      out = conv3dRef(h, { data: mixRef(c.weight.toFloat64Array(), r, numel(shape)), shape }, null, o);
    } else {
      const input = c.mode === 'concat' ? concatLocationRef(h, p) : h;
      out = conv3dRef(input, { data: c.weight.toFloat64Array(), shape: c.weight.shape }, null, o);
    }
    const [B, C] = out.shape as [number, number];
    const vox = numel(out.shape.slice(2));
    const gamma = b.norm.weight!.toFloat64Array();
    const beta = b.norm.bias!.toFloat64Array();
    const rm = b.norm.runningMean!.toFloat64Array();
    const rv = b.norm.runningVar!.toFloat64Array();
    for (let ch = 0; ch < C; ch++) {
      let mean = rm[ch]!;
      let variance = rv[ch]!;
      if (training) {
        let s = 0;
        let s2 = 0;
        for (let n = 0; n < B; n++)
          for (let v = 0; v < vox; v++) {
            const a = out.data[(n * C + ch) * vox + v]!;
            s += a;
            s2 += a * a;
          }
        mean = s / (B * vox);
        variance = s2 / (B * vox) - mean * mean;
      }
      for (let n = 0; n < B; n++)
        for (let v = 0; v < vox; v++) {
          const i = (n * C + ch) * vox + v;
          const a = ((out.data[i]! - mean) / Math.sqrt(variance + 1e-5)) * gamma[ch]! + beta[ch]!;
          out.data[i] = a > 0 ? a : Math.expm1(a);
        }
    }
    h = out;
  }
  const [B, C] = h.shape as [number, number];
  const vox = numel(h.shape.slice(2));
  let y = Array.from({ length: B }, (_, n) =>
    Array.from({ length: C }, (_, ch) => {
      let s = 0;
      for (let v = 0; v < vox; v++) s += h.data[(n * C + ch) * vox + v]!;
      return s / vox;
    }),
  );
  const linear = (rows: number[][], w: Tensor, bias: Tensor | null): number[][] => {
    const [outF, inF] = w.shape as [number, number];
    const W = w.toFloat64Array();
    const bb = bias ? bias.toFloat64Array() : null;
    return rows.map((row) =>
      Array.from({ length: outF }, (_, o) => {
        let s = bb ? bb[o]! : 0;
        for (let i = 0; i < inF; i++) s += W[o * inF + i]! * row[i]!;
        return s;
      }),
    );
  };
  if (e.fuse)
    y = linear(
      y.map((row) => [...row, ...p]),
      e.fuse.weight,
      e.fuse.bias,
    ).map((r) => r.map((a) => (a > 0 ? a : Math.expm1(a))));
  const hidden = linear(y, e.head.fc1.weight, e.head.fc1.bias).map((r) => r.map((a) => Math.max(a, 0)));
  return { y, z: linear(hidden, e.head.fc2.weight, e.head.fc2.bias) };
}

test('DrasclrEncoder: encode/forward equal a float64 loop reference (train and eval BatchNorm), every conditioning', () => {
  const rng = new Rng(5);
  const layers = [
    { out: 3, stride: 2 },
    { out: 2, stride: 1 },
  ];
  for (const conditioning of ['loc-condconv', 'none', 'concat', 'concat-features'] as const) {
    const e = encoder({ layers, experts: 3, headHidden: 4, projectionDim: 5, conditioning }, 50, true);
    const x = rand(rng, [3, 1, 5, 6, 5]);
    const p = [0.2, -0.9, 0.6];
    for (const training of [true, false]) {
      if (training) e.train();
      else e.eval();
      // training normalises with the batch statistics; eval with the running ones, as the training forwards left them
      const ref = referenceForward(e, x, p, training);
      const y = tidy(() => noGrad(() => e.encode(t64(x), p).toFloat64Array()));
      assertClose(y, ref.y.flat(), { rtol: 1e-9, atol: 1e-11, msg: `${conditioning} training=${training}: y` });
      const z = tidy(() => noGrad(() => e.forward(t64(x), p).toFloat64Array()));
      assertClose(z, ref.z.flat(), { rtol: 1e-9, atol: 1e-11, msg: `${conditioning} training=${training}: z` });
    }
    assert.equal(e.fuse !== null, conditioning === 'concat-features');
    // whether the location matters
    e.eval();
    const [a, b] = tidy(() =>
      noGrad(() => [e.forward(t64(x), p).toFloat64Array(), e.forward(t64(x), [0.9, 0.1, -0.4]).toFloat64Array()]),
    );
    const differs = a!.some((v, i) => Math.abs(v - b![i]!) > 1e-9);
    assert.equal(differs, conditioning !== 'none', `${conditioning}: p changes the output`);
  }
});

test('DrasclrEncoder: backward reaches every parameter (experts, routing, BatchNorm, head)', () => {
  const rng = new Rng(6);
  const e = encoder({}, 7);
  e.zeroGrad();
  tidy(() => {
    const x = tensor(Float32Array.from(randomArray(rng, 4 * 16 ** 3)), { shape: [4, 1, 16, 16, 16] });
    const z = e.forward(x, [0.3, 0.3, -0.3]);
    z.mul(tensor(Float32Array.from(randomArray(rng, 4 * 128)), { shape: [4, 128] }))
      .sum()
      .backward();
  });
  for (const [name, p] of e.namedParameters()) {
    const g = p.grad;
    assert.ok(g, `${name}: no gradient`);
    const v = g.toFloat64Array();
    assert.ok(v.every(Number.isFinite), `${name}: finite gradient`);
    assert.ok(
      v.some((a) => a !== 0),
      `${name}: non-zero gradient`,
    );
  }
});

test('DrasclrEncoder: seeded initialisation (head included), clear errors', () => {
  const a = encoder({}, 9);
  const b = encoder({}, 9);
  const c = encoder({}, 10);
  // bitwise equality of every parameter (7M numbers: compare bytes, not arrays of numbers)
  const same = (e: DrasclrEncoder, f: DrasclrEncoder): boolean =>
    e.parameters().every((p, i) => {
      const u = p.toFloat32Array();
      const v = f.parameters()[i]!.toFloat32Array();
      return Buffer.from(u.buffer).equals(Buffer.from(v.buffer));
    });
  assert.ok(same(a, b), 'same seed, same parameters (the head included)');
  assert.ok(
    Buffer.from(a.head.fc2.weight.toFloat32Array().buffer).equals(
      Buffer.from(b.head.fc2.weight.toFloat32Array().buffer),
    ),
  );
  assert.ok(!same(a, c), 'another seed, other parameters');
  tidy(() => {
    const x = tensor(new Float32Array(2 * 2 * 16 ** 3), { shape: [2, 2, 16, 16, 16] });
    assert.throws(() => a.forward(x, [0, 0, 0]), /DrasclrEncoder: input: expected shape \[B, 1, D, H, W\]/);
    const ok = tensor(new Float32Array(2 * 16 ** 3), { shape: [2, 1, 16, 16, 16] });
    assert.throws(() => a.forward(ok, [0, 0, 1.5]), /DrasclrEncoder: location p\[2\] = 1.5 is outside \[-1, 1\]/);
  });
  assert.throws(() => new DrasclrEncoder({ conditioning: 'hyper' as never }), /conditioning: expected/);
  assert.throws(() => new DrasclrEncoder({ layers: [] }), /layers: expected at least one/);
  assert.throws(() => new DrasclrEncoder({ layers: [{ out: 4, stride: 0 }] }), /layers\[0\]\.stride/);
});
