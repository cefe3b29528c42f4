import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadSafetensors, manualSeed, nn, saveSafetensors, type Tensor } from '../../src/engine/index.js';
import { UNet, UNetEncoder } from '../../src/models/unet.js';
import { MLPHead, LinearHead } from '../../src/models/heads.js';
import { PolyCLUNet, polyclEncoder } from '../../src/models/polycl-unet.js';
import { DeepLabV3Plus } from '../../src/models/deeplab.js';
import { resnet18 } from '../../src/models/resnet.js';
import { encoderPrefixOf, loadEncoderWeights } from '../../src/models/encoder-loading.js';

/** A pre-training model: encoder f and projection head g under `encoderName` and "head". */
class Pretrain extends nn.Module {
  constructor(encoderName: string, encoder: nn.Module, head: nn.Module) {
    super();
    this.registerModule(encoderName, encoder);
    this.registerModule('head', head);
  }
  forward(): never {
    throw new Error('not used');
  }
}

/** copies of every tensor's values by name */
function snapshot(m: nn.Module): Map<string, Float64Array> {
  return new Map([...m.stateDict()].map(([k, t]) => [k, t.toFloat64Array()]));
}

function sameValues(a: Float64Array, b: Float64Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

const SMALL = { widths: [4, 8, 16], norm: 'batch' as const };

test('UNet: exactly the encoder tensors are loaded (parameters and BN buffers); decoder and head untouched', () => {
  manualSeed(1);
  const pre = new Pretrain('encoder', new UNetEncoder({ ...SMALL, memoryFormat: 'contiguous' }), new MLPHead(16, 8, 4));
  const ckpt = pre.stateDict();
  // BN statistics must travel too: give them values a fresh model cannot have
  for (const [k, t] of ckpt) if (k.endsWith('running_mean')) t.fill_(0.25);
  manualSeed(2);
  const unet = new UNet({ ...SMALL, numClasses: 3 });
  const before = snapshot(unet);
  const r = loadEncoderWeights(unet, ckpt);

  const encoderKeys = [...pre.stateDict().keys()].filter((k) => k.startsWith('encoder.'));
  assert.equal(encoderKeys.length, 3 * 2 * (1 + 5)); // 3 stages × 2 convs × (weight + BN weight, bias, 3 buffers)
  assert.deepEqual([...r.loaded].sort(), [...encoderKeys].sort());
  const all = [...unet.stateDict().keys()];
  assert.deepEqual([...r.leftRandom].sort(), all.filter((k) => !encoderKeys.includes(k)).sort());
  assert.ok(r.leftRandom.some((k) => k.startsWith('up')) && r.leftRandom.includes('head.weight'));
  assert.deepEqual(r.ignored.sort(), [...ckpt.keys()].filter((k) => k.startsWith('head.')).sort());

  const after = snapshot(unet);
  for (const k of encoderKeys) assert.ok(sameValues(after.get(k)!, ckpt.get(k)!.toFloat64Array()), `${k} loaded`);
  for (const k of r.leftRandom) assert.ok(sameValues(after.get(k)!, before.get(k)!), `${k} untouched`);
  // and the loaded encoder values differ from the random ones they replaced (the test would be vacuous otherwise)
  assert.ok(!sameValues(before.get('encoder.stage0.0.conv.weight')!, after.get('encoder.stage0.0.conv.weight')!));
  assert.ok(after.get('encoder.stage1.1.norm.running_mean')!.every((v) => v === 0.25));
});

test('an encoder-alone checkpoint (no prefix) loads by default, through a safetensors file', () => {
  manualSeed(3);
  const enc = new UNetEncoder(SMALL);
  const dir = mkdtempSync(path.join(tmpdir(), 'medcl-enc-'));
  try {
    const file = path.join(dir, 'encoder.safetensors');
    saveSafetensors(file, enc.stateDict());
    const { tensors } = loadSafetensors(file);
    manualSeed(4);
    const unet = new UNet(SMALL);
    const r = loadEncoderWeights(unet, tensors);
    assert.deepEqual(r.loaded.sort(), [...enc.stateDict().keys()].map((k) => `encoder.${k}`).sort());
    assert.deepEqual(r.ignored, []);
    const w = unet.stateDict().get('encoder.stage2.1.conv.weight')!.toFloat64Array();
    assert.ok(sameValues(w, enc.stateDict().get('stage2.1.conv.weight')!.toFloat64Array()));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('PolyCL U-Net: the pre-trained encoder (LinearHead pre-training) loads; decoder left random', () => {
  manualSeed(5);
  const enc = polyclEncoder({ widths: [4, 8, 16] });
  const pre = new Pretrain('encoder', enc, new LinearHead(16, 256));
  manualSeed(6);
  const seg = new PolyCLUNet({ widths: [4, 8, 16], numClasses: 2 });
  const r = loadEncoderWeights(seg, pre.stateDict());
  const expected = [...enc.stateDict().keys()].map((k) => `encoder.${k}`);
  assert.deepEqual(r.loaded.sort(), expected.sort());
  assert.deepEqual(r.leftRandom.sort(), [...seg.stateDict().keys()].filter((k) => !k.startsWith('encoder.')).sort());
  assert.deepEqual(r.ignored.sort(), ['head.fc.bias', 'head.fc.weight']);
});

test('DeepLabV3+: backbone.* loads from a ResNet pre-training checkpoint; ASPP and decoder left random', () => {
  manualSeed(7);
  const backbone = resnet18({ inChannels: 1, replaceStrideWithDilation: [false, false, true] });
  const pre = new Pretrain('backbone', backbone, new MLPHead(512, 64, 16));
  manualSeed(8);
  const seg = new DeepLabV3Plus({ backbone: 'resnet18', asppChannels: 8, decoderChannels: 8 });
  assert.equal(encoderPrefixOf(seg), 'backbone.');
  const before = snapshot(seg);
  const r = loadEncoderWeights(seg, pre.stateDict());
  const expected = [...backbone.stateDict().keys()].map((k) => `backbone.${k}`);
  assert.equal(expected.length, 120); // conv1 + bn1 (5) + 8 blocks × (2 convs + 2 BNs) + 3 downsamples (1 + 5)
  assert.deepEqual(r.loaded.sort(), expected.sort());
  const rest = [...seg.stateDict().keys()].filter((k) => !k.startsWith('backbone.'));
  assert.ok(rest.some((k) => k.startsWith('aspp.')) && rest.some((k) => k.startsWith('decoder.')));
  assert.deepEqual(r.leftRandom.sort(), rest.sort());
  const after = snapshot(seg);
  for (const k of rest) assert.ok(sameValues(after.get(k)!, before.get(k)!), `${k} untouched`);
  const src = backbone.stateDict().get('layer3.1.conv2.weight')!.toFloat64Array();
  assert.ok(sameValues(after.get('backbone.layer3.1.conv2.weight')!, src));

  // a checkpoint saved under another name: prefix says where the encoder is
  const renamed = new Map([...pre.stateDict()].map(([k, t]) => [k.replace(/^backbone\./, 'query.'), t]));
  assert.equal(loadEncoderWeights(seg, renamed, { prefix: 'query' }).loaded.length, expected.length);
});

test('a shape mismatch is an error naming the key and both shapes, and nothing is copied', () => {
  manualSeed(9);
  const ckpt = new UNetEncoder({ widths: [4, 8, 16] }).stateDict();
  const unet = new UNet({ widths: [4, 8, 32] });
  const before = snapshot(unet);
  assert.throws(
    () => loadEncoderWeights(unet, ckpt),
    (e: Error) =>
      /shape mismatch/.test(e.message) &&
      e.message.includes('stage2.0.conv.weight: [16, 8, 3, 3] in the checkpoint, [32, 8, 3, 3]'),
  );
  const after = snapshot(unet);
  for (const [k, v] of before) assert.ok(sameValues(after.get(k)!, v), `${k} must not change on a failed load`);
});

test('encoder tensors the model lacks are an error naming them; missing ones need allowPartial', () => {
  manualSeed(10);
  // a 4-stage encoder into a 3-stage U-Net: stage3.* has no counterpart
  const deeper = new Pretrain('encoder', new UNetEncoder({ widths: [4, 8, 16, 32] }), new MLPHead(32, 8, 4));
  const unet = new UNet(SMALL);
  assert.throws(
    () => loadEncoderWeights(unet, deeper.stateDict()),
    (e: Error) => /lacks under "encoder\."/.test(e.message) && e.message.includes('encoder.stage3.0.conv.weight'),
  );

  // a 2-stage checkpoint into a 3-stage U-Net: stage2 would stay random
  const shallow = new Pretrain('encoder', new UNetEncoder({ widths: [4, 8] }), new MLPHead(8, 8, 4));
  assert.throws(
    () => loadEncoderWeights(unet, shallow.stateDict()),
    (e: Error) => /lacks encoder tensors/.test(e.message) && e.message.includes('encoder.stage2.0.conv.weight'),
  );
  const r = loadEncoderWeights(unet, shallow.stateDict(), { allowPartial: true });
  const stage2 = [...unet.stateDict().keys()].filter((k) => k.startsWith('encoder.stage2.'));
  assert.ok(stage2.length > 0 && stage2.every((k) => r.leftRandom.includes(k)));
  assert.ok(r.loaded.every((k) => /^encoder\.stage[01]\./.test(k)));

  // an encoder-alone checkpoint with a stray key
  const stray = new Map<string, Tensor>([
    ...new UNetEncoder(SMALL).stateDict(),
    ['fc.weight', deeper.stateDict().get('head.fc1.weight')!],
  ]);
  assert.throws(() => loadEncoderWeights(unet, stray), /fc\.weight/);
  // a prefix that matches nothing
  assert.throws(
    () => loadEncoderWeights(unet, deeper.stateDict(), { prefix: 'student' }),
    /no checkpoint key starts with "student\."/,
  );
});

test('a model without an encoder child needs modelPrefix', () => {
  manualSeed(11);
  const enc = new UNetEncoder(SMALL);
  assert.throws(() => loadEncoderWeights(enc, new UNetEncoder(SMALL).stateDict()), /modelPrefix/);
  const src = new UNetEncoder(SMALL);
  const r = loadEncoderWeights(enc, src.stateDict(), { modelPrefix: '' });
  assert.equal(r.loaded.length, enc.stateDict().size);
  assert.deepEqual(r.leftRandom, []);
});
