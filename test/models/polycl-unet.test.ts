import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, nn, noGrad, randn } from '../../src/engine/index.js';
import { PolyCLUNet, polyclEncoder } from '../../src/models/polycl-unet.js';
import { LinearHead } from '../../src/models/heads.js';
import { assertClose } from '../engine/helpers.js';
import {
  Rng,
  conv2dRef,
  instanceNormRef,
  leakyRef,
  nd,
  param,
  randomTensor,
  assertTrainingHalvesLoss,
  type Nd,
} from './seg-refs.js';

const WIDTHS = [16, 32, 64, 128, 256];

test('parameter count by hand: 3×3 convs without bias (instance norm follows), 1×1 classifier', () => {
  manualSeed(0);
  const dc = (cin: number, cout: number): number => 9 * (cin * cout + cout * cout);
  let enc = 0;
  let cin = 1;
  for (const w of WIDTHS) {
    enc += dc(cin, w);
    cin = w;
  }
  let dec = 0;
  for (let i = WIDTHS.length - 1; i > 0; i--) dec += dc(WIDTHS[i]! + WIDTHS[i - 1]!, WIDTHS[i - 1]!);
  const m = new PolyCLUNet({ numClasses: 2 });
  assert.equal(m.encoder.numParameters(), enc);
  assert.equal(m.numParameters(), enc + dec + 16 * 2 + 2);
  // (the reference code also gives every 3×3 conv a bias, which the affine-free instance norm cancels)
  const keys = [...m.stateDict().keys()];
  assert.ok(!keys.some((k) => k.includes('running') || k.includes('norm')), 'no BN statistics, no norm affine');
  const drops = m.namedModules().filter(([, mod]) => mod instanceof nn.Dropout) as [string, nn.Dropout][];
  assert.equal(drops.length, 9, 'dropout after each of the 5 encoder and 4 decoder double convs');
  for (const [name, d] of drops) assert.equal(d.p, 0.25, name);
});

test('logits at the input size, including sizes not divisible by 16; too small an input is an error', () => {
  manualSeed(1);
  const m = new PolyCLUNet({ numClasses: 3 }).eval();
  noGrad(() => {
    assert.deepEqual(m.forward(randn([2, 1, 64, 64])).shape, [2, 3, 64, 64]);
    assert.deepEqual(m.forward(randn([1, 1, 50, 70])).shape, [1, 3, 50, 70]);
    assert.deepEqual(m.forward(randn([1, 1, 16, 16])).shape, [1, 3, 16, 16]);
    const feats = m.encoder.features(randn([1, 1, 64, 64]));
    assert.deepEqual(
      feats.map((f) => f.shape),
      WIDTHS.map((w, i) => [1, w, 64 / 2 ** i, 64 / 2 ** i]),
    );
  });
  assert.throws(() => m.forward(randn([1, 1, 8, 8])), /H, W >= 16/);
});

// ---- float64 reference of the whole network (eval mode) ----

function doubleConvRef(m: nn.Module, p: string, x: Nd): Nd {
  const a = leakyRef(instanceNormRef(conv2dRef(x, param(m, `${p}.0.conv.weight`), null, { pad: 1 })), 0.2);
  return leakyRef(instanceNormRef(conv2dRef(a, param(m, `${p}.1.conv.weight`), null, { pad: 1 })), 0.2);
}

function maxPool2Ref(x: Nd): Nd {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const OH = Math.floor(H / 2);
  const OW = Math.floor(W / 2);
  const out = new Float64Array(N * C * OH * OW);
  for (let nc = 0; nc < N * C; nc++)
    for (let y = 0; y < OH; y++)
      for (let z = 0; z < OW; z++) {
        let b = -Infinity;
        for (const [dy, dz] of [
          [0, 0],
          [0, 1],
          [1, 0],
          [1, 1],
        ] as const)
          b = Math.max(b, x.data[(nc * H + 2 * y + dy) * W + 2 * z + dz]!);
        out[(nc * OH + y) * OW + z] = b;
      }
  return { data: out, shape: [N, C, OH, OW] };
}

/** bilinear resize with align_corners = true: source coordinate = dst · (in − 1) / (out − 1) */
function bilinearAlignCornersRef(x: Nd, OH: number, OW: number): Nd {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const out = new Float64Array(N * C * OH * OW);
  const src = (d: number, inS: number, outS: number): [number, number, number] => {
    const s = outS > 1 ? (d * (inS - 1)) / (outS - 1) : 0;
    const i0 = Math.min(Math.floor(s), inS - 1);
    return [i0, Math.min(i0 + 1, inS - 1), s - i0];
  };
  for (let nc = 0; nc < N * C; nc++)
    for (let y = 0; y < OH; y++) {
      const [y0, y1, ly] = src(y, H, OH);
      for (let z = 0; z < OW; z++) {
        const [z0, z1, lz] = src(z, W, OW);
        const v = (a: number, b: number): number => x.data[(nc * H + a) * W + b]!;
        out[(nc * OH + y) * OW + z] =
          (1 - ly) * ((1 - lz) * v(y0, z0) + lz * v(y0, z1)) + ly * ((1 - lz) * v(y1, z0) + lz * v(y1, z1));
      }
    }
  return { data: out, shape: [N, C, OH, OW] };
}

function catRef(a: Nd, b: Nd): Nd {
  const [N, Ca, H, W] = a.shape as [number, number, number, number];
  const Cb = b.shape[1]!;
  const out = new Float64Array(N * (Ca + Cb) * H * W);
  const hw = H * W;
  for (let n = 0; n < N; n++) {
    out.set(a.data.subarray(n * Ca * hw, (n + 1) * Ca * hw), n * (Ca + Cb) * hw);
    out.set(b.data.subarray(n * Cb * hw, (n + 1) * Cb * hw), (n * (Ca + Cb) + Ca) * hw);
  }
  return { data: out, shape: [N, Ca + Cb, H, W] };
}

test('the whole network matches a float64 reference (IN + LeakyReLU 0.2, max-pool, bilinear align-corners up, skips)', () => {
  manualSeed(2);
  const rng = new Rng(2);
  const m = new PolyCLUNet({ numClasses: 2, widths: [4, 6, 8], memoryFormat: 'contiguous' }).eval();
  const x = randomTensor(rng, [2, 1, 10, 14]); // 10 -> 5 -> 2: the decoder upsamples 2 -> 5 -> 10
  const y = noGrad(() => m.forward(x));

  const s0 = doubleConvRef(m, 'encoder.stage0', nd(x));
  const s1 = doubleConvRef(m, 'encoder.stage1', maxPool2Ref(s0));
  const s2 = doubleConvRef(m, 'encoder.stage2', maxPool2Ref(s1));
  const up = (h: Nd, skip: Nd): Nd => catRef(bilinearAlignCornersRef(h, skip.shape[2]!, skip.shape[3]!), skip);
  const d1 = doubleConvRef(m, 'up1.conv', up(s2, s1));
  const d0 = doubleConvRef(m, 'up0.conv', up(d1, s0));
  const ref = conv2dRef(d0, param(m, 'head.weight'), param(m, 'head.bias').data);
  assert.deepEqual(y.shape, ref.shape);
  assertClose(y.toFloat64Array(), ref.data, { rtol: 1e-4, atol: 1e-4 });
});

test('the encoder alone + LinearHead gives the 256-d embedding (GAP then one linear layer)', () => {
  manualSeed(3);
  const enc = polyclEncoder().eval();
  assert.equal(enc.outChannels, 256);
  const head = new LinearHead(enc.outChannels, 256);
  const x = randn([3, 1, 32, 32]);
  const f = noGrad(() => enc.forward(x));
  assert.deepEqual(f.shape, [3, 256, 2, 2]);
  const z = noGrad(() => head.forward(f));
  assert.deepEqual(z.shape, [3, 256]);
  const fv = nd(f).data;
  const W = param(head, 'fc.weight').data;
  const b = param(head, 'fc.bias').data;
  const ref = new Float64Array(3 * 256);
  for (let n = 0; n < 3; n++)
    for (let o = 0; o < 256; o++) {
      let acc = b[o]!;
      for (let c = 0; c < 256; c++) {
        let mean = 0;
        for (let i = 0; i < 4; i++) mean += fv[(n * 256 + c) * 4 + i]!;
        acc += (W[o * 256 + c]! * mean) / 4;
      }
      ref[n * 256 + o] = acc;
    }
  assertClose(z.toFloat64Array(), ref, { rtol: 1e-4, atol: 1e-5 });

  // a pre-trained encoder goes into the segmentation model as is
  const m = new PolyCLUNet({ encoder: enc });
  assert.equal(m.encoder, enc);
  const encKeys = [...enc.stateDict().keys()].map((k) => `encoder.${k}`);
  assert.deepEqual(
    [...m.stateDict().keys()].filter((k) => k.startsWith('encoder.')),
    encKeys,
  );
});

test('backward gives a finite, nonzero gradient to every parameter', () => {
  manualSeed(4);
  const m = new PolyCLUNet();
  const y = m.forward(randn([2, 1, 32, 32]));
  y.mul(randn(y.shape)).sum().backward();
  for (const [name, p] of m.namedParameters()) {
    assert.ok(p.grad, `${name} has no gradient`);
    const g = p.grad.toFloat64Array();
    assert.ok(g.every(Number.isFinite), `${name}: non-finite gradient`);
    assert.ok(
      g.some((v) => v !== 0),
      `${name}: zero gradient`,
    );
  }
});

test('a short training run on a synthetic segmentation task reduces the loss', () => {
  manualSeed(5);
  const m = new PolyCLUNet();
  assertTrainingHalvesLoss(m, { lr: 3e-3, seed: 5, n: 4, steps: 20 });
});

test('bad options are rejected with the field named', () => {
  assert.throws(() => new PolyCLUNet({ numClasses: 0 }), /numClasses/);
  assert.throws(() => polyclEncoder({ dropout: 1 }), /dropout/);
});
