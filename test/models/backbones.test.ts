/**
 * The pre-training encoder by backbone and the fine-tuning model it fits: 'deeplabv3plus' is exactly the ResNet-50
 * backbone of fine-tuning's DeepLabV3+ (names, shapes, output stride 16, 2048 channels), and a ResNet-50
 * pre-training run's encoder.safetensors, written by pretrain(), fills every backbone tensor of finetune()'s
 * `deeplabv3plus` model (finetune()'s loaded / leftRandom) with the saved values, while the ASPP and the decoder keep
 * their seeded random init.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSafetensors, manualSeed, type Tensor } from '../../src/engine/index.js';
import {
  BACKBONES,
  buildBackboneEncoder,
  isBackbone,
  segmentationModelFor,
  type UNetEncoderSettings,
} from '../../src/models/backbones.js';
import { DeepLabV3Plus } from '../../src/models/deeplab.js';
import { ResNet } from '../../src/models/resnet.js';
import { UNetEncoder } from '../../src/models/unet.js';
import { buildSegmentationModel } from '../../src/models/registry.js';
import { loadEncoderWeights } from '../../src/models/encoder-loading.js';
import { pretrain } from '../../src/train/pretrain.js';
import { finetune } from '../../src/train/finetune.js';
import { phantomDataset, smallPhantoms, tempDir } from '../methods/fixtures.js';

const UNET: UNetEncoderSettings = { widths: [4, 8], norm: 'batch', slope: 0.01, dropout: 0 };

function shapes(m: { stateDict(): Map<string, Tensor> }): [string, number[]][] {
  return [...m.stateDict()].map(([k, t]) => [k, [...t.shape]]);
}

test("'deeplabv3plus' is DeepLabV3+'s ResNet-50 backbone: same tensors and shapes, output stride 16, 2048 channels", () => {
  const f = buildBackboneEncoder('deeplabv3plus', UNET);
  assert.ok(f instanceof ResNet);
  assert.equal(f.outChannels, 2048);
  assert.equal(f.lowLevelChannels, 256);
  assert.equal(f.outputStride, 16);
  assert.deepEqual(f.dilations, [1, 1, 1, 2]);
  const model = new DeepLabV3Plus({ numClasses: 3 });
  assert.deepEqual(shapes(f), shapes(model.backbone));
  // the segmentation model around it: ASPP 6/12/18 with 256 channels, low-level projection to 48
  assert.deepEqual(model.aspp.rates, [6, 12, 18]);
  assert.equal(model.aspp.channels, 256);
  assert.deepEqual(model.lowLevelProject.stateDict().get('conv.weight')?.shape, [48, 256, 1, 1]);
});

test("'unet' is the U-Net encoder of the settings (LeakyReLU slope 0 = ReLU)", () => {
  const f = buildBackboneEncoder('unet', UNET);
  assert.ok(f instanceof UNetEncoder);
  assert.deepEqual(f.widths, [4, 8]);
  assert.equal(f.outChannels, 8);
  assert.deepEqual(shapes(f), shapes(new UNetEncoder({ widths: [4, 8] })));
  assert.ok(buildBackboneEncoder('unet', { ...UNET, slope: 0 }) instanceof UNetEncoder);
});

test('an unknown backbone is refused, naming the known ones', () => {
  assert.deepEqual([...BACKBONES], ['unet', 'deeplabv3plus']);
  assert.ok(isBackbone('unet') && isBackbone('deeplabv3plus') && !isBackbone('resnet50'));
  assert.throws(() => buildBackboneEncoder('resnet50' as never, UNET), /backbone: unknown value "resnet50"/);
  assert.throws(() => segmentationModelFor('vit' as never, false), /known: unet, deeplabv3plus/);
});

test('segmentationModelFor: the fine-tuning model of each backbone; PolyCL has no DeepLabV3+', () => {
  assert.equal(segmentationModelFor('unet', false), 'unet');
  assert.equal(segmentationModelFor('unet', true), 'polycl-unet');
  assert.equal(segmentationModelFor('deeplabv3plus', false), 'deeplabv3plus');
  assert.throws(() => segmentationModelFor('deeplabv3plus', true), /'deeplabv3plus' cannot be used with the PolyCL/);
});

function maxAbsDiff(a: Tensor, b: Tensor): number {
  return a.float().sub(b.float()).abs().max().item();
}

test('a ResNet-50 pre-training run (pretrain) initialises every backbone tensor of the fine-tuned DeepLabV3+', async () => {
  const ds = (await phantomDataset('xray')).subset([0, 1, 2, 3]);
  const { xray } = await smallPhantoms();
  const pre = await pretrain(
    { method: 'simclr', backbone: 'deeplabv3plus', data: xray, out: tempDir(), size: 32, epochs: 1, batchSize: 2 },
    { dataset: ds, progress: 'quiet' },
  );
  assert.equal(pre.steps, 2);
  assert.ok(pre.losses.every(Number.isFinite));
  const saved = loadSafetensors(pre.encoder).tensors;

  const input = { model: 'deeplabv3plus' as const, init: pre.encoder, epochs: 1, batchSize: 2, seed: 5 };
  const r = await finetune({ ...input, augment: false, hausdorff: false }, ds, {
    train: [0, 1],
    val: [2, 3],
    test: [],
  });

  // finetune()'s load, by hand: the same seeded model and loader, and a second seeded model left random
  const seeded = (): DeepLabV3Plus => {
    manualSeed(5);
    return buildSegmentationModel('deeplabv3plus', { numClasses: ds.numClasses }) as DeepLabV3Plus;
  };
  const loadedModel = seeded();
  const direct = loadEncoderWeights(loadedModel, saved);
  const keys = [...loadedModel.stateDict().keys()];
  const backbone = keys.filter((k) => k.startsWith('backbone.'));
  assert.equal(backbone.length, saved.size, 'encoder.safetensors holds exactly the backbone tensors');
  assert.ok(
    backbone.some((k) => k.endsWith('running_var')),
    'BN statistics are part of the encoder',
  );
  assert.deepEqual(r.loaded, backbone);
  assert.deepEqual(
    r.leftRandom,
    keys.filter((k) => !k.startsWith('backbone.')),
  );
  assert.deepEqual([direct.loaded, direct.leftRandom], [r.loaded, r.leftRandom]);
  for (const part of ['aspp.', 'lowLevelProject.', 'decoder.', 'classifier.']) {
    assert.ok(
      r.leftRandom.some((k) => k.startsWith(part)),
      `${part}* left random`,
    );
  }

  // values: every backbone tensor (parameters and BN buffers) is the saved one, the rest the seeded random init
  const got = loadedModel.stateDict();
  const init = seeded().stateDict();
  for (const k of keys) {
    const want = k.startsWith('backbone.') ? saved.get(k.slice('backbone.'.length))! : init.get(k)!;
    assert.equal(
      maxAbsDiff(got.get(k)!, want),
      0,
      `${k}: not the ${k.startsWith('backbone.') ? 'saved' : 'init'} value`,
    );
  }
  // ... and the pre-trained backbone is not the random one (so the comparison above tells them apart)
  assert.ok(maxAbsDiff(saved.get('conv1.weight')!, init.get('backbone.conv1.weight')!) > 1e-3);
  for (const t of saved.values()) t.dispose();
});
