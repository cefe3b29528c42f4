/**
 * buildEncoder by backbone: 'unet' the config's U-Net encoder, 'deeplabv3plus' DeepLabV3+'s ResNet-50; every
 * method that builds its encoder with buildEncoder pre-trains the ResNet-50 (heads on its 2048 channels, one step
 * gives a finite loss and a gradient on the stem); a method that pre-trains one architecture only refuses the other
 * with an error naming the method and the `backbone` field.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, optim, tidy } from '../../src/engine/index.js';
import { getSliceMethod } from '../../src/methods/registry.js';
import { batchSamples, buildEncoder, requireBackbone } from '../../src/methods/common.js';
import { SLICE_METHODS } from '../../src/methods/registry.js';
import { UNetEncoder } from '../../src/models/unet.js';
import { ResNet } from '../../src/models/resnet.js';
import { ModuleBundle } from '../../src/train/run-state.js';
import { Rng } from '../../src/util/rng.js';
import { phantomDataset, presetOf, tinyConfig } from './fixtures.js';

test("buildEncoder: backbone 'unet' (the default) is the config's U-Net encoder, 'deeplabv3plus' the ResNet-50", () => {
  const unet = buildEncoder(tinyConfig('simclr'));
  assert.equal(tinyConfig('simclr').backbone, 'unet');
  assert.ok(unet instanceof UNetEncoder);
  assert.deepEqual(unet.widths, [4, 8]);
  assert.equal(unet.outChannels, 8);

  const resnet = buildEncoder(tinyConfig('simclr', { backbone: 'deeplabv3plus' }));
  assert.ok(resnet instanceof ResNet);
  assert.equal(resnet.outChannels, 2048);
  assert.equal(resnet.expansion, 4);
  assert.equal(resnet.outputStride, 16);
  assert.equal(resnet.inChannels, 1);
});

test('the pre-training config refuses an unknown backbone, naming the field', () => {
  assert.throws(
    () => tinyConfig('simclr', { backbone: 'resnet18' as never }),
    /invalid pre-training configuration:[\s\S]*backbone/,
  );
});

/** the methods whose encoder is buildEncoder's (docs/methods.md's 2D contrastive family and the pretext baselines) */
const RESNET_METHODS = ['simclr', 'moco', 'cltci-simclr', 'cltci-moco', 'rotation', 'pirl', 'pcl', 'gcl'];

for (const method of RESNET_METHODS) {
  test(`${method} with backbone 'deeplabv3plus': ResNet-50 encoder, head on 2048 channels, one finite step`, async () => {
    const ds = await phantomDataset(presetOf(method));
    // batch 2 (queue 4: a multiple of it; CL-TCI-SimCLR: 2 patients × 2 images): ResNet-50 at 32×32 takes about a
    // second a step on one thread
    const batchSize = method === 'cltci-simclr' ? 4 : 2;
    const cfg = tinyConfig(method, { backbone: 'deeplabv3plus', batchSize, queueSize: 4 });
    manualSeed(cfg.seed);
    const run = getSliceMethod(method).create({ dataset: ds, config: cfg });
    const encoder = run.modules['encoder']!;
    assert.ok(encoder instanceof ResNet, `${method}: encoder is ${encoder.constructor.name}`);
    assert.equal(encoder.outChannels, 2048);
    const [, firstHeadWeight] = run.modules['head']!.namedParameters()[0]!;
    assert.equal(firstHeadWeight.shape[1], 2048, `${method}: head input ${firstHeadWeight.shape.join('x')}`);

    const trained = new ModuleBundle(run.modules);
    trained.train();
    const opt = new optim.SGD(trained.parameters(), { lr: cfg.lr, momentum: cfg.momentum });
    manualSeed(1);
    const { loss, gradNorm } = tidy(() => {
      const o = run.step(run.sampler.epoch(0)[0]!, new Rng(1));
      opt.zeroGrad();
      o.loss.backward();
      const g = encoder.conv1.weight.grad;
      return { loss: o.loss.item(), gradNorm: g ? g.pow(2).sum().item() : 0 };
    });
    assert.ok(Number.isFinite(loss), `${method}: loss ${loss}`);
    // MoCo's first step has an empty queue (no negatives: loss 0); the others have in-batch or bank negatives
    if (!method.endsWith('moco')) assert.ok(loss > 0, `${method}: loss ${loss}`);
    assert.ok(Number.isFinite(gradNorm), `${method}: stem gradient ${gradNorm}`);
    if (!method.endsWith('moco')) assert.ok(gradNorm > 0, `${method}: the stem got no gradient`);
    opt.step();
    run.afterStep?.();
  });
}

test('requireBackbone: passes a supported backbone, else names the method, the field and the fix', () => {
  requireBackbone('polycl-s', { backbone: 'unet' }, ['unet']);
  assert.throws(
    () => requireBackbone('polycl-s', { backbone: 'deeplabv3plus' }, ['unet'], "it pre-trains PolyCL's U-Net encoder"),
    {
      message:
        "polycl-s: backbone 'deeplabv3plus' is not supported (it pre-trains PolyCL's U-Net encoder); " +
        "set the pre-training config's backbone to 'unet'",
    },
  );
  assert.throws(
    () => requireBackbone('m', { backbone: 'unet' }, ['deeplabv3plus']),
    /m: backbone 'unet'.*'deeplabv3plus'/,
  );
});

// PolyCL builds PolyCL's U-Net encoder: it refuses the ResNet backbone
for (const method of ['polycl-s', 'polycl-o']) {
  test(`${method} refuses backbone 'deeplabv3plus', naming the method and the field`, async () => {
    const ds = await phantomDataset(presetOf(method), 32, method === 'polycl-o' ? 4 : undefined);
    const cfg = tinyConfig(method, { backbone: 'deeplabv3plus' });
    assert.throws(
      () => getSliceMethod(method).create({ dataset: ds, config: cfg }),
      new RegExp(`${method}: backbone 'deeplabv3plus' is not supported`),
    );
  });
}

test('batchSamples: every 2D method reads exactly the samples of its batch (what a streamed data set loads ahead)', async () => {
  for (const def of SLICE_METHODS) {
    const full = await phantomDataset(presetOf(def.name), 32, def.name === 'polycl-o' ? 4 : undefined);
    // a copy of the data set whose reads are recorded
    const ds = full.subset(new Set(full.samples.map((s) => s.item)));
    const read = new Set<number>();
    const image = ds.image.bind(ds);
    ds.image = (id: number) => (read.add(id), image(id));
    manualSeed(0);
    const run = def.create({ dataset: ds, config: tinyConfig(def.name, { preset: presetOf(def.name) }) });
    for (const batch of run.sampler.epoch(0).slice(0, 2)) {
      read.clear();
      tidy(() => void run.step(batch, new Rng(batch.index)));
      assert.deepEqual(
        [...read].sort((a, b) => a - b),
        [...new Set(batchSamples(batch))].sort((a, b) => a - b),
        def.name,
      );
    }
  }
});
