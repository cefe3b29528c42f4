import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, noGrad, randn, tensor, zeros } from '../../src/engine/index.js';
import { ASPP, DeepLabV3Plus, deeplabBackbone } from '../../src/models/deeplab.js';
import { ConvNormAct } from '../../src/models/blocks.js';
import { assertClose } from '../engine/helpers.js';
import { Rng, nd, assertTrainingHalvesLoss } from './seg-refs.js';

/** ResNet-50 (bottleneck [3, 4, 6, 3]) parameters without fc, by the architecture. */
function resnet50Params(inC: number): number {
  let n = inC * 64 * 49 + 2 * 64;
  let inplanes = 64;
  [3, 4, 6, 3].forEach((blocks, s) => {
    const planes = 64 * 2 ** s;
    for (let b = 0; b < blocks; b++) {
      n += inplanes * planes + 2 * planes; // 1×1 + BN
      n += planes * planes * 9 + 2 * planes; // 3×3 + BN
      n += planes * planes * 4 + 2 * planes * 4; // 1×1 (×4) + BN
      if (b === 0) n += inplanes * planes * 4 + 2 * planes * 4; // downsample
      inplanes = planes * 4;
    }
  });
  return n;
}

/** DeepLabV3+ head parameters: ASPP (1×1, three 3×3, pooling 1×1, projection), low-level 1×1, two 3×3, classifier. */
function headParams(inC: number, lowIn: number, classes: number): number {
  const cnb = (cin: number, cout: number, k: number): number => cin * cout * k * k + 2 * cout; // conv (no bias) + BN
  const aspp = cnb(inC, 256, 1) + 3 * cnb(inC, 256, 3) + cnb(inC, 256, 1) + cnb(5 * 256, 256, 1);
  const low = cnb(lowIn, 48, 1);
  const dec = cnb(48 + 256, 256, 3) + cnb(256, 256, 3);
  return aspp + low + dec + 256 * classes + classes;
}

test('DeepLabV3+ on ResNet-50: parameter count by hand, logits at the input size, output stride 16', () => {
  manualSeed(0);
  const m = new DeepLabV3Plus({ numClasses: 3, inChannels: 1 }).eval();
  assert.equal(resnet50Params(3), 23_508_032); // torchvision's number checks the formula
  assert.equal(m.backbone.numParameters(), resnet50Params(1));
  assert.equal(m.numParameters(), resnet50Params(1) + headParams(2048, 256, 3));
  assert.equal(m.backbone.outputStride, 16);
  assert.deepEqual(m.aspp.rates, [6, 12, 18]);
  for (const b of m.aspp.convs.items.slice(1)) assert.deepEqual(b.conv.weight.shape, [256, 2048, 3, 3]);
  noGrad(() => {
    for (const [H, W] of [
      [64, 64],
      [50, 70], // not divisible by 16: the logits are upsampled to the input size all the same
    ] as const) {
      const x = randn([1, 1, H, W]);
      const y = m.forward(x);
      assert.deepEqual(y.shape, [1, 3, H, W]);
      assert.ok(y.toFloat64Array().every(Number.isFinite));
    }
    // layer4 at stride 16: a 64×64 input gives 4×4 (without dilation it would be 2×2)
    const f = m.backbone.features(randn([1, 1, 64, 64]));
    assert.deepEqual(f.highLevel.shape, [1, 2048, 4, 4]);
    assert.deepEqual(f.lowLevel.shape, [1, 256, 16, 16]);
  });
});

/** nonzero positions (offsets from the centre) of a conv's response to a unit impulse in channel 0 */
function impulseSupport(conv: ConvNormAct, inC: number, size: number): string[] {
  return noGrad(() => {
    const c = (size - 1) / 2;
    const x = zeros([1, inC, size, size]);
    x.narrow(1, 0, 1).narrow(2, c, 1).narrow(3, c, 1).fill_(1);
    const y = conv.conv.forward(x).abs().sum([0, 1]);
    assert.deepEqual(y.shape, [size, size], 'the branch keeps the spatial size (padding = rate)');
    const out: string[] = [];
    y.toArray().forEach((a, i) => {
      if (a !== 0) out.push(`${Math.floor(i / size) - c},${(i % size) - c}`);
    });
    return out.sort();
  });
}

function grid(r: number): string[] {
  const o: string[] = [];
  for (const a of [-r, 0, r]) for (const b of [-r, 0, r]) o.push(`${a},${b}`);
  return o.sort();
}

test('ASPP branches: a 1×1 conv and 3×3 convs dilated at rates 6, 12, 18 (impulse responses of the model)', () => {
  manualSeed(1);
  const m = new DeepLabV3Plus({ backbone: 'resnet18', asppChannels: 8 }).eval();
  const [one, ...atrous] = m.aspp.convs.items;
  assert.equal(atrous.length, 3);
  assert.deepEqual(impulseSupport(one!, 512, 37), ['0,0']);
  [6, 12, 18].forEach((r, i) => assert.deepEqual(impulseSupport(atrous[i]!, 512, 37), grid(r), `rate ${r}`));
});

test('ASPP image pooling: the fifth branch is constant over space and equals its conv-BN-ReLU of the mean', () => {
  manualSeed(2);
  const aspp = new ASPP(4, { rates: [1, 2, 3], channels: 3, dropout: 0 }).eval();
  const rng = new Rng(2);
  const x = tensor(new Float32Array(Array.from({ length: 2 * 4 * 5 * 6 }, () => rng.uniform(-1, 1))), {
    shape: [2, 4, 5, 6],
  });
  // the projection is linear in the 5 concatenated branches: put an identity on the pooling block of its input
  noGrad(() => {
    const w = zeros([3, 15, 1, 1]);
    for (let o = 0; o < 3; o++)
      w.narrow(0, o, 1)
        .narrow(1, 12 + o, 1)
        .fill_(1);
    aspp.project.conv.weight.copy_(w);
  });
  const y = noGrad(() => aspp.forward(x));
  assert.deepEqual(y.shape, [2, 3, 5, 6]);
  // reference: mean over space -> 1×1 conv (no bias) -> eval BN (fresh: identity up to eps) -> ReLU, then the
  // projection's BN and ReLU (fresh, identity up to eps)
  const xv = nd(x);
  const wv = nd(aspp.pooling.conv.weight).data;
  const yv = y.toFloat64Array();
  const eps = 1 / Math.sqrt(1 + 1e-5);
  for (let n = 0; n < 2; n++)
    for (let o = 0; o < 3; o++) {
      let v = 0;
      for (let c = 0; c < 4; c++) {
        let mean = 0;
        for (let i = 0; i < 30; i++) mean += xv.data[(n * 4 + c) * 30 + i]!;
        v += (wv[o * 4 + c]! * mean) / 30;
      }
      const expected = Math.max(0, Math.max(0, v * eps) * eps);
      for (let i = 0; i < 30; i++) assertClose([yv[(n * 3 + o) * 30 + i]!], [expected], { rtol: 1e-5, atol: 1e-6 });
    }
});

test('output stride 8 dilates layer3 and layer4 and doubles the ASPP rates', () => {
  manualSeed(3);
  const m = new DeepLabV3Plus({ backbone: 'resnet18', outputStride: 8, asppChannels: 16 }).eval();
  assert.equal(m.backbone.outputStride, 8);
  assert.deepEqual(m.aspp.rates, [12, 24, 36]);
  const f = noGrad(() => m.backbone.features(randn([1, 1, 64, 64])));
  assert.deepEqual(f.highLevel.shape, [1, 512, 8, 8]);
  assert.deepEqual(f.lowLevel.shape, [1, 64, 16, 16]);
  assert.equal(deeplabBackbone({ backbone: 'resnet18' }).outputStride, 16);
  assert.throws(() => new DeepLabV3Plus({ outputStride: 32 as 16 }), /outputStride/);
  assert.throws(() => new DeepLabV3Plus({ backbone: 'vgg' as 'resnet18' }), /backbone/);
  assert.throws(() => new DeepLabV3Plus({ backbone: 'resnet18', numClasses: 0 }), /numClasses/);
});

test('backward gives a finite, nonzero gradient to every parameter (ResNet-18 backbone)', () => {
  manualSeed(4);
  const m = new DeepLabV3Plus({ backbone: 'resnet18', numClasses: 3, asppChannels: 32, decoderChannels: 32 });
  const x = randn([2, 1, 64, 64]);
  const y = m.forward(x);
  assert.deepEqual(y.shape, [2, 3, 64, 64]);
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

test('training with a batch of 1 is refused with a clear error (the image-pooling BN); eval works', () => {
  manualSeed(5);
  const m = new DeepLabV3Plus({ backbone: 'resnet18', asppChannels: 8, decoderChannels: 8 });
  assert.throws(() => m.forward(randn([1, 1, 32, 32])), /batch of at least 2/);
  m.eval();
  assert.deepEqual(noGrad(() => m.forward(randn([1, 1, 32, 32]))).shape, [1, 2, 32, 32]);
});

test('a short training run on a synthetic segmentation task reduces the loss', () => {
  manualSeed(6);
  const m = new DeepLabV3Plus({
    backbone: 'resnet18',
    asppChannels: 32,
    decoderChannels: 32,
    lowLevelChannels: 16,
  });
  assertTrainingHalvesLoss(m, { lr: 1e-3, seed: 6, n: 2, steps: 15 });
});
