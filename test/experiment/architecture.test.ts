/**
 * One architecture per experiment: Random and a pre-trained method fine-tune the same network, PolyCL's U-Net when
 * a PolyCL method is in the experiment, and conflicting settings are refused before any work.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runExperiment } from '../../src/experiment/experiment.js';
import { parseExperimentConfig, type ExperimentInput } from '../../src/experiment/config.js';
import { isPolyclMethod, resolveArchitecture } from '../../src/experiment/architecture.js';
import { smallPhantoms, tempDir } from '../methods/fixtures.js';
import { readJsonl } from './helpers.js';

const base = { data: 'm.json', out: 'o' };
const arch = (input: Partial<ExperimentInput>) =>
  resolveArchitecture(parseExperimentConfig({ ...base, ...input } as ExperimentInput));

test('resolveArchitecture: U-Net for all by default; PolyCL U-Net for all with a PolyCL method or model', () => {
  const plain = arch({ methods: ['random', 'simclr'] });
  assert.equal(plain.model, 'unet');
  assert.deepEqual(plain.encoder, { widths: [32, 64, 128, 256, 512], norm: 'batch', slope: 0.01, dropout: 0 });
  const poly = arch({ methods: ['random', 'polycl-s'] });
  assert.equal(poly.model, 'polycl-unet');
  assert.deepEqual(poly.encoder, { widths: [16, 32, 64, 128, 256], norm: 'instance', slope: 0.2, dropout: 0.25 });
  // finetune.model 'polycl-unet' alone builds PolyCL's InstanceNorm encoder, not a BatchNorm one
  const alone = arch({ methods: ['random'], finetune: { model: 'polycl-unet' } });
  assert.equal(alone.model, 'polycl-unet');
  assert.equal(alone.encoder.norm, 'instance');
  assert.deepEqual(alone.encoder.widths, [16, 32, 64, 128, 256]);
  // the user's widths on top of PolyCL's other settings
  const small = arch({ methods: ['polycl-o', 'simclr'], pretrain: { encoder: { widths: [4, 8] } } });
  assert.deepEqual(small.encoder, { widths: [4, 8], norm: 'instance', slope: 0.2, dropout: 0.25 });
  assert.equal(arch({ backbone: 'deeplabv3plus' }).model, 'deeplabv3plus');
  assert.equal(arch({ finetune: { model: 'deeplabv3plus' } }).backbone, 'deeplabv3plus');
  assert.equal(arch({ pretrain: { backbone: 'deeplabv3plus' } }).model, 'deeplabv3plus');
  assert.ok(isPolyclMethod('polycl-s') && isPolyclMethod('polycl-o') && !isPolyclMethod('simclr'));
});

test('resolveArchitecture: architectures that cannot agree are refused', () => {
  assert.throws(() => arch({ methods: ['polycl-s'], backbone: 'deeplabv3plus' }), /cannot share one architecture/);
  assert.throws(() => arch({ methods: ['random', 'polycl-s'], finetune: { model: 'unet' } }), /finetune.model 'unet'/);
  assert.throws(() => arch({ backbone: 'unet', finetune: { model: 'deeplabv3plus' } }), /disagrees/);
  assert.throws(() => arch({ backbone: 'unet', pretrain: { backbone: 'deeplabv3plus' } }), /set backbone only/);
  assert.throws(
    () => arch({ methods: ['random', 'simclr'], methodOverrides: { simclr: { encoder: { widths: [8, 16] } } } }),
    /methodOverrides.simclr: sets encoder/,
  );
  assert.throws(
    () => arch({ pretrain: { encoder: { widths: [4, 8] } }, finetune: { encoder: { widths: [8, 16] } } }),
    /pretrain.encoder.widths .* and finetune.encoder.widths .* differ/,
  );
  assert.throws(() => arch({ methods: ['polycl-s'], pretrain: { encoder: { norm: 'batch' } } }), /norm 'instance'/);
});

test('Random and PolyCL-S fine-tune the same network (the saved model.json of each run)', async () => {
  const { ct } = await smallPhantoms();
  const out = tempDir('medcl-exp-arch-');
  await runExperiment(
    {
      data: ct,
      out,
      preset: 'ct-polycl',
      size: 32,
      methods: ['random', 'polycl-s'],
      budgets: [1],
      folds: 2,
      runFolds: 1,
      pretrain: { epochs: 1, batchSize: 4, encoder: { widths: [4, 8] } },
      finetune: { epochs: 1, batchSize: 8, augment: 'none' },
      overlays: 0,
      tsne: false,
      cacheDir: join(out, '.cache'),
    },
    { log: () => {}, progress: 'quiet' },
  );
  const model = (m: string) =>
    JSON.parse(readFileSync(join(out, 'finetune', m, 'M1', 'fold0', 'model', 'model.json'), 'utf8')) as Record<
      string,
      unknown
    >;
  const random = model('random');
  const polycl = model('polycl-s');
  assert.equal(random['model'], 'polycl-unet');
  assert.deepEqual(random['encoder'], { widths: [4, 8], norm: 'instance', slope: 0.2, dropout: 0.25 });
  assert.deepEqual(polycl, random);
  // the pre-trained PolyCL encoder fits the network every method fine-tunes
  const records = readJsonl(join(out, 'results.jsonl'));
  assert.ok(records.find((r) => r.method === 'polycl-s')!.loadedTensors! > 0);
  assert.equal(records.find((r) => r.method === 'random')!.loadedTensors, 0);
  // pre-training used that encoder too
  const pcfg = JSON.parse(readFileSync(join(out, 'pretrain', 'polycl-s', 'fold0', 'config.json'), 'utf8'));
  assert.deepEqual(pcfg.encoder, random['encoder']);
  assert.equal(pcfg.backbone, 'unet');
});
