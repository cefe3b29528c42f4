import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, nn, noGrad, zeros, randn } from '../../src/engine/index.js';
import { BasicBlock, Bottleneck, ResNet, resnet18, resnet50, type ResNetBlockKind } from '../../src/models/resnet.js';
import { assertClose } from '../engine/helpers.js';
import {
  Rng,
  addRef,
  batchNormRef,
  bnParams,
  conv2dRef,
  convOut,
  nd,
  param,
  randomTensor,
  randomizeBatchNorms,
  reluRef,
  type Nd,
} from './seg-refs.js';

const R50: [number, number, number, number] = [3, 4, 6, 3];
const R18: [number, number, number, number] = [2, 2, 2, 2];

/**
 * torchvision's ResNet state dict (without fc), written from the architecture: name -> shape. Blocks per stage,
 * planes 64/128/256/512, expansion 4 (bottleneck) or 1 (basic), a downsample (1×1 conv + BN) on the first block of
 * a stage when the stride or the width changes.
 */
function torchvisionResNet(block: ResNetBlockKind, layers: number[], inC: number): Map<string, number[]> {
  const m = new Map<string, number[]>();
  const bn = (p: string, c: number): void => {
    m.set(`${p}.weight`, [c]);
    m.set(`${p}.bias`, [c]);
    m.set(`${p}.running_mean`, [c]);
    m.set(`${p}.running_var`, [c]);
    m.set(`${p}.num_batches_tracked`, []);
  };
  m.set('conv1.weight', [64, inC, 7, 7]);
  bn('bn1', 64);
  const exp = block === 'bottleneck' ? 4 : 1;
  let inplanes = 64;
  [64, 128, 256, 512].forEach((planes, s) => {
    for (let b = 0; b < layers[s]!; b++) {
      const p = `layer${s + 1}.${b}`;
      if (block === 'bottleneck') {
        m.set(`${p}.conv1.weight`, [planes, inplanes, 1, 1]);
        bn(`${p}.bn1`, planes);
        m.set(`${p}.conv2.weight`, [planes, planes, 3, 3]);
        bn(`${p}.bn2`, planes);
        m.set(`${p}.conv3.weight`, [planes * 4, planes, 1, 1]);
        bn(`${p}.bn3`, planes * 4);
      } else {
        m.set(`${p}.conv1.weight`, [planes, inplanes, 3, 3]);
        bn(`${p}.bn1`, planes);
        m.set(`${p}.conv2.weight`, [planes, planes, 3, 3]);
        bn(`${p}.bn2`, planes);
      }
      const stride = s > 0 && b === 0 ? 2 : 1;
      if (b === 0 && (stride !== 1 || inplanes !== planes * exp)) {
        m.set(`${p}.downsample.0.weight`, [planes * exp, inplanes, 1, 1]);
        bn(`${p}.downsample.1`, planes * exp);
      }
      inplanes = planes * exp;
    }
  });
  return m;
}

function trainableCount(spec: Map<string, number[]>): number {
  let n = 0;
  for (const [k, s] of spec) {
    if (k.endsWith('running_mean') || k.endsWith('running_var') || k.endsWith('num_batches_tracked')) continue;
    n += s.reduce((a, b) => a * b, 1);
  }
  return n;
}

test('ResNet-50 has torchvision parameter names, shapes and count (23,508,032 without fc for 3 channels)', () => {
  manualSeed(0);
  const spec3 = torchvisionResNet('bottleneck', R50, 3);
  // torchvision's resnet50 has 25,557,032 parameters; its fc (2048·1000 + 1000) is not part of the encoder
  assert.equal(trainableCount(spec3), 25_557_032 - 2_049_000);
  const m3 = resnet50({ inChannels: 3 });
  assert.equal(m3.numParameters(), 23_508_032);
  const own = new Map([...m3.stateDict()].map(([k, t]) => [k, t.shape]));
  assert.deepEqual([...own.keys()].sort(), [...spec3.keys()].sort());
  for (const [k, s] of spec3) assert.deepEqual(own.get(k), s, k);

  // the 1-channel stem (CT / X-ray) removes 2 · 64 · 7 · 7 weights
  const m1 = resnet50({ inChannels: 1, replaceStrideWithDilation: [false, false, true] });
  assert.equal(m1.numParameters(), trainableCount(torchvisionResNet('bottleneck', R50, 1)));
  assert.equal(m1.numParameters(), 23_508_032 - 2 * 64 * 49);
  assert.deepEqual(m1.conv1.weight.shape, [64, 1, 7, 7]);
});

test('ResNet-18 has torchvision names and 11,176,512 parameters without fc', () => {
  manualSeed(1);
  const spec = torchvisionResNet('basic', R18, 3);
  assert.equal(trainableCount(spec), 11_689_512 - 513_000);
  const m = resnet18({ inChannels: 3 });
  assert.equal(m.numParameters(), 11_176_512);
  const own = new Map([...m.stateDict()].map(([k, t]) => [k, t.shape]));
  assert.deepEqual([...own.keys()].sort(), [...spec.keys()].sort());
  for (const [k, s] of spec) assert.deepEqual(own.get(k), s, k);
});

test('ResNet-50 feature shapes: layer1 at stride 4, layer4 at stride 16 with the last stage dilated (any input size)', () => {
  manualSeed(2);
  const m = resnet50({ inChannels: 1, replaceStrideWithDilation: [false, false, true] }).eval();
  assert.equal(m.outputStride, 16);
  assert.deepEqual(m.dilations, [1, 1, 1, 2]);
  for (const [H, W] of [
    [64, 64],
    [50, 70],
  ] as const) {
    const sizes = [H, W].map((s) => {
      const stem = convOut(convOut(s, 7, 2, 3), 3, 2, 1);
      const l3 = convOut(convOut(stem, 3, 2, 1), 3, 2, 1);
      return { stem, l3 };
    });
    noGrad(() => {
      const x = randn([1, 1, H, W]);
      const { lowLevel, highLevel } = m.features(x);
      assert.deepEqual(lowLevel.shape, [1, 256, sizes[0]!.stem, sizes[1]!.stem]);
      // layer4 keeps layer3's size (stride replaced by dilation)
      assert.deepEqual(highLevel.shape, [1, 2048, sizes[0]!.l3, sizes[1]!.l3]);
      if (H === 64) assert.deepEqual(highLevel.shape.slice(2), [64 / 16, 64 / 16]);
    });
  }
});

test('output stride 32 / 16 / 8 from replaceStrideWithDilation (ResNet-18, 64×64)', () => {
  manualSeed(3);
  const cases: [[boolean, boolean, boolean], number][] = [
    [[false, false, false], 32],
    [[false, false, true], 16],
    [[false, true, true], 8],
  ];
  for (const [dil, os] of cases) {
    const m = resnet18({ inChannels: 1, replaceStrideWithDilation: dil }).eval();
    assert.equal(m.outputStride, os);
    const y = noGrad(() => m.forward(randn([2, 1, 64, 64])));
    assert.deepEqual(y.shape, [2, 512, 64 / os, 64 / os]);
  }
});

test('a dilated stage: the conv that carried the stride keeps dilation 1, the later 3×3 convs dilate by 2 (impulse)', () => {
  manualSeed(4);
  const m = resnet18({ inChannels: 1, replaceStrideWithDilation: [false, false, true] }).eval();
  // nonzero output positions of a 3×3 conv for a unit impulse at the centre of a 9×9 map, any output channel
  const support = (conv: nn.Conv2d): string[] =>
    noGrad(() => {
      const x = zeros([1, conv.inChannels, 9, 9]);
      x.narrow(1, 0, 1).narrow(2, 4, 1).narrow(3, 4, 1).fill_(1);
      const y = conv.forward(x).abs().sum([0, 1]);
      assert.deepEqual(y.shape, [9, 9]);
      const v = y.toArray();
      const out: string[] = [];
      v.forEach((a, i) => {
        if (a !== 0) out.push(`${Math.floor(i / 9) - 4},${(i % 9) - 4}`);
      });
      return out.sort();
    });
  const offsets = (d: number): string[] => {
    const o: string[] = [];
    for (const a of [-d, 0, d]) for (const b of [-d, 0, d]) o.push(`${a},${b}`);
    return o.sort();
  };
  const l4 = m.layer4.layers as BasicBlock[];
  assert.deepEqual(support(l4[0]!.conv1), offsets(1));
  assert.deepEqual(support(l4[0]!.conv2), offsets(2));
  assert.deepEqual(support(l4[1]!.conv1), offsets(2));
  assert.deepEqual(support(l4[1]!.conv2), offsets(2));
  assert.deepEqual(support((m.layer3.layers as BasicBlock[])[1]!.conv1), offsets(1));
});

// ---- float64 references of the blocks and of a whole ResNet-18 ----

function convBnRef(
  m: nn.Module,
  p: string,
  conv: string,
  bn: string,
  x: Nd,
  o: { stride?: number; pad?: number; dil?: number },
): Nd {
  return batchNormRef(conv2dRef(x, param(m, `${p}${conv}.weight`), null, o), bnParams(m, `${p}${bn}`));
}

function basicRef(m: nn.Module, p: string, x: Nd, stride: number, dil: number, down: boolean, dil2 = dil): Nd {
  const h = reluRef(convBnRef(m, p, 'conv1', 'bn1', x, { stride, pad: dil, dil }));
  const r = convBnRef(m, p, 'conv2', 'bn2', h, { pad: dil2, dil: dil2 });
  const id = down ? convBnRef(m, p, 'downsample.0', 'downsample.1', x, { stride }) : x;
  return reluRef(addRef(r, id));
}

function bottleneckRef(m: nn.Module, p: string, x: Nd, stride: number, dil: number, down: boolean): Nd {
  const a = reluRef(convBnRef(m, p, 'conv1', 'bn1', x, {}));
  const b = reluRef(convBnRef(m, p, 'conv2', 'bn2', a, { stride, pad: dil, dil }));
  const c = convBnRef(m, p, 'conv3', 'bn3', b, {});
  const id = down ? convBnRef(m, p, 'downsample.0', 'downsample.1', x, { stride }) : x;
  return reluRef(addRef(c, id));
}

function maxPoolRef(x: Nd, k: number, s: number, p: number): Nd {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const OH = convOut(H, k, s, p);
  const OW = convOut(W, k, s, p);
  const out = new Float64Array(N * C * OH * OW);
  for (let nc = 0; nc < N * C; nc++)
    for (let oy = 0; oy < OH; oy++)
      for (let ox = 0; ox < OW; ox++) {
        let best = -Infinity;
        for (let ky = 0; ky < k; ky++)
          for (let kx = 0; kx < k; kx++) {
            const iy = oy * s - p + ky;
            const ix = ox * s - p + kx;
            if (iy >= 0 && iy < H && ix >= 0 && ix < W) best = Math.max(best, x.data[(nc * H + iy) * W + ix]!);
          }
        out[(nc * OH + oy) * OW + ox] = best;
      }
  return { data: out, shape: [N, C, OH, OW] };
}

test('BasicBlock (stride 2, downsample) and Bottleneck (dilation 2, identity shortcut) match float64 references', () => {
  manualSeed(5);
  const rng = new Rng(5);
  const down = new nn.Sequential(new nn.Conv2d(3, 4, 1, { stride: 2, bias: false }), new nn.BatchNorm2d(4));
  const basic = new BasicBlock(3, 4, 2, 1, down).eval();
  randomizeBatchNorms(basic, rng);
  const x1 = randomTensor(rng, [2, 3, 7, 7]);
  const y1 = noGrad(() => basic.forward(x1));
  const r1 = basicRef(basic, '', nd(x1), 2, 1, true);
  assert.deepEqual(y1.shape, r1.shape);
  assertClose(y1.toFloat64Array(), r1.data, { rtol: 1e-4, atol: 1e-5 });

  const bott = new Bottleneck(8, 2, 1, 2, null).eval();
  randomizeBatchNorms(bott, rng);
  const x2 = randomTensor(rng, [1, 8, 9, 9]);
  const y2 = noGrad(() => bott.forward(x2));
  const r2 = bottleneckRef(bott, '', nd(x2), 1, 2, false);
  assert.deepEqual(y2.shape, r2.shape);
  assertClose(y2.toFloat64Array(), r2.data, { rtol: 1e-4, atol: 1e-5 });
});

test('a whole ResNet-18 at output stride 16 matches a float64 reference (stem, stages, dilation rule)', () => {
  manualSeed(6);
  const rng = new Rng(6);
  const m = resnet18({ inChannels: 2, replaceStrideWithDilation: [false, false, true] }).eval();
  randomizeBatchNorms(m, rng);
  const x = randomTensor(rng, [1, 2, 40, 40]);
  const { lowLevel, highLevel } = noGrad(() => m.features(x));

  let h = reluRef(convBnRef(m, '', 'conv1', 'bn1', nd(x), { stride: 2, pad: 3 }));
  h = maxPoolRef(h, 3, 2, 1);
  h = basicRef(m, 'layer1.0.', h, 1, 1, false);
  h = basicRef(m, 'layer1.1.', h, 1, 1, false);
  assertClose(lowLevel.toFloat64Array(), h.data, { rtol: 1e-3, atol: 1e-4, msg: 'layer1' });
  h = basicRef(m, 'layer2.0.', h, 2, 1, true);
  h = basicRef(m, 'layer2.1.', h, 1, 1, false);
  h = basicRef(m, 'layer3.0.', h, 2, 1, true);
  h = basicRef(m, 'layer3.1.', h, 1, 1, false);
  // layer4: stride 1; the conv that carried the stride keeps dilation 1, every 3×3 conv after it uses 2
  h = basicRef(m, 'layer4.0.', h, 1, 1, true, 2);
  h = basicRef(m, 'layer4.1.', h, 1, 2, false);
  assert.deepEqual(highLevel.shape, h.shape);
  assert.deepEqual(h.shape, [1, 512, 3, 3]);
  assertClose(highLevel.toFloat64Array(), h.data, { rtol: 1e-3, atol: 1e-4, msg: 'layer4' });
});

test('backward gives a finite, nonzero gradient to every ResNet-18 parameter', () => {
  manualSeed(7);
  const m = resnet18({ inChannels: 1, replaceStrideWithDilation: [false, false, true] });
  const y = m.forward(randn([2, 1, 32, 32]));
  // a loss that depends on every output element with distinct weights
  const w = randn(y.shape);
  y.mul(w).sum().backward();
  for (const [name, p] of m.namedParameters()) {
    const g = p.grad;
    assert.ok(g, `${name} has no gradient`);
    const v = g.toFloat64Array();
    assert.ok(v.every(Number.isFinite), `${name}: non-finite gradient`);
    assert.ok(
      v.some((a) => a !== 0),
      `${name}: zero gradient`,
    );
  }
});

test('initialisation: He normal (fan_out) convolutions, BN weight 1 / bias 0, zeroInitResidual zeroes the last BN', () => {
  manualSeed(8);
  const m = resnet18({ inChannels: 1 });
  // layer4.0.conv2 (512 -> 512, 3×3): fan_out 512·9 -> std sqrt(2 / 4608)
  const w = m.stateDict().get('layer4.0.conv2.weight')!.toFloat64Array();
  const mean = w.reduce((a, b) => a + b, 0) / w.length;
  const std = Math.sqrt(w.reduce((a, b) => a + (b - mean) ** 2, 0) / w.length);
  assert.ok(Math.abs(std / Math.sqrt(2 / 4608) - 1) < 0.02, `std ${std}`);
  assert.ok(m.bn1.weight!.toArray().every((v) => v === 1));
  assert.ok(m.bn1.bias!.toArray().every((v) => v === 0));
  const z = resnet18({ inChannels: 1, zeroInitResidual: true });
  for (const [k, t] of z.stateDict()) {
    if (/layer\d\.\d\.bn2\.weight$/.test(k))
      assert.ok(
        t.toArray().every((v) => v === 0),
        k,
      );
    if (/layer\d\.\d\.bn1\.weight$/.test(k))
      assert.ok(
        t.toArray().every((v) => v === 1),
        k,
      );
  }
});

test('bad options and inputs are rejected with the field named', () => {
  assert.throws(() => resnet18({ inChannels: 0 }), /inChannels/);
  assert.throws(
    () => new ResNet({ block: 'bottleneck', layers: [3, 4, 6] as unknown as [number, number, number, number] }),
    /layers/,
  );
  assert.throws(
    () => resnet18({ replaceStrideWithDilation: [true] as unknown as [boolean, boolean, boolean] }),
    /replaceStrideWithDilation/,
  );
  const m = resnet18({ inChannels: 1 });
  assert.throws(() => m.forward(randn([1, 3, 32, 32])), /\(N, 1, H, W\).*\[1, 3, 32, 32\]/);
});

test('contiguous and channels-last layouts compute the same features', () => {
  manualSeed(9);
  const a = resnet18({ inChannels: 1, memoryFormat: 'contiguous', replaceStrideWithDilation: [false, false, true] });
  const b = resnet18({ inChannels: 1, memoryFormat: 'channelsLast', replaceStrideWithDilation: [false, false, true] });
  b.loadStateDict(a.stateDict());
  a.eval();
  b.eval();
  const x = randn([2, 1, 48, 48]);
  const ya = noGrad(() => a.forward(x));
  const yb = noGrad(() => b.forward(x));
  assertClose(yb.toFloat64Array(), ya.toFloat64Array(), { rtol: 1e-4, atol: 1e-4 });
});
