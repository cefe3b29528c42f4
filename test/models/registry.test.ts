import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, noGrad, randn } from '../../src/engine/index.js';
import {
  MODEL_NAMES,
  buildSegmentationModel,
  createEncoder,
  createModel,
  isModelName,
  parseModelOptions,
} from '../../src/models/registry.js';
import { UNet, UNetEncoder } from '../../src/models/unet.js';
import { DeepLabV3Plus } from '../../src/models/deeplab.js';
import { PolyCLUNet } from '../../src/models/polycl-unet.js';
import { loadEncoderWeights } from '../../src/models/encoder-loading.js';

test('models by name, with their options applied', () => {
  manualSeed(0);
  assert.deepEqual([...MODEL_NAMES], ['unet', 'deeplabv3plus', 'polycl-unet']);
  const u = createModel('unet', { numClasses: 4, widths: [4, 8, 16] });
  assert.ok(u instanceof UNet);
  assert.deepEqual(u.encoder.widths, [4, 8, 16]);
  const d = createModel('deeplabv3plus', { numClasses: 3, backbone: 'resnet18', asppChannels: 8, decoderChannels: 8 });
  assert.ok(d instanceof DeepLabV3Plus);
  const p = createModel('polycl-unet', { numClasses: 2 });
  assert.ok(p instanceof PolyCLUNet);
  assert.deepEqual(p.encoder.widths, [16, 32, 64, 128, 256]);
  noGrad(() => {
    u.eval();
    d.eval();
    assert.deepEqual(u.forward(randn([1, 1, 16, 16])).shape, [1, 4, 16, 16]);
    assert.deepEqual(d.forward(randn([1, 1, 40, 40])).shape, [1, 3, 40, 40]);
  });
  assert.ok(isModelName('unet') && !isModelName('vnet') && !isModelName(3));
});

test('unknown names and bad options are errors naming the field', () => {
  assert.throws(() => createModel('vnet'), /unknown name "vnet".*unet, deeplabv3plus, polycl-unet/);
  assert.throws(() => createModel('unet', { numClases: 3 }), /unet: .*numClases/s);
  assert.throws(() => createModel('deeplabv3plus', { outputStride: 32 }), /deeplabv3plus\.outputStride/);
  assert.throws(() => createModel('polycl-unet', { dropout: 1.5 }), /polycl-unet\.dropout/);
  assert.throws(() => createModel('unet', { activation: { kind: 'leakyRelu' } }), /unet\.activation/);
  assert.throws(() => parseModelOptions('unet', { widths: [4] }), /unet\.widths/);
  assert.deepEqual(parseModelOptions('polycl-unet', undefined), {});
});

test('createEncoder builds the encoder whose state dict is the model encoder part without the prefix', () => {
  manualSeed(1);
  const cases: [string, object][] = [
    ['unet', { widths: [4, 8, 16], numClasses: 3 }],
    ['polycl-unet', { widths: [4, 8, 16] }],
    ['deeplabv3plus', { backbone: 'resnet18', asppChannels: 8, decoderChannels: 8 }],
  ];
  for (const [name, opts] of cases) {
    const { encoder, outChannels, prefix } = createEncoder(name, opts);
    const model = createModel(name, opts);
    const encShapes = [...encoder.stateDict()].map(([k, t]) => [prefix + k, t.shape.join('x')]);
    const modelShapes = [...model.stateDict()]
      .filter(([k]) => k.startsWith(prefix))
      .map(([k, t]) => [k, t.shape.join('x')]);
    assert.deepEqual(encShapes.sort(), modelShapes.sort(), name);
    const f = noGrad(() => (encoder.eval().forward as (x: unknown) => { shape: number[] })(randn([1, 1, 32, 32])));
    assert.equal(f.shape[1], outChannels, name);
    const r = loadEncoderWeights(model, encoder.stateDict());
    assert.equal(r.loaded.length, encoder.stateDict().size, name);
  }
  assert.equal(createEncoder('deeplabv3plus', { backbone: 'resnet18' }).outChannels, 512);
});

test('buildSegmentationModel follows a pre-training encoder config (methods build the encoder from it)', () => {
  manualSeed(2);
  const cfg = { widths: [4, 8, 16], norm: 'instance' as const, slope: 0.2, dropout: 0.25 };
  // what pre-training builds from that config
  const pre = new UNetEncoder({
    inChannels: 1,
    widths: cfg.widths,
    norm: cfg.norm,
    activation: { kind: 'leakyRelu', slope: cfg.slope },
    dropout: cfg.dropout,
  });
  for (const name of ['unet', 'polycl-unet'] as const) {
    const m = buildSegmentationModel(name, { numClasses: 3, encoder: cfg });
    const r = loadEncoderWeights(m, pre.stateDict());
    assert.equal(r.loaded.length, pre.stateDict().size, name);
    const first = (m as UNet | PolyCLUNet).encoder.stages[0]!;
    assert.deepEqual(first.a.opts.activation, { kind: 'leakyRelu', slope: 0.2 }, name);
    assert.equal(first.drop?.p, 0.25, name);
  }
  // slope 0 means ReLU; no encoder config means the model's own defaults
  const relu = buildSegmentationModel('unet', { encoder: { widths: [4, 8], slope: 0 } }) as UNet;
  assert.deepEqual(relu.encoder.stages[0]!.a.opts.activation, { kind: 'relu' });
  const polycl = buildSegmentationModel('polycl-unet', { numClasses: 2 }) as PolyCLUNet;
  assert.deepEqual(polycl.encoder.widths, [16, 32, 64, 128, 256]);
  const dl = buildSegmentationModel('deeplabv3plus', { numClasses: 3, encoder: cfg });
  assert.ok(dl instanceof DeepLabV3Plus);
  assert.equal(dl.numClasses, 3);
});
