/**
 * The whole configuration is validated before any work: methods against the registry, every method's pre-training
 * config, the fine-tuning config; the budget unit comes from the preset; a paper's fine-tuning recipe under the
 * user's overrides; left/right classes without leftRightPairs are not flipped silently; loaderWorkers is an integer
 * >= 0.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runExperiment } from '../../src/experiment/experiment.js';
import { parseExperimentConfig, type ExperimentInput } from '../../src/experiment/config.js';
import { planExperiment } from '../../src/experiment/plan.js';
import { smallPhantoms, tempDir } from '../methods/fixtures.js';
import { manifestVariant } from './helpers.js';

const base = { data: 'm.json', out: 'o' };

test('budgetUnit defaults from the preset: X-rays count images, CT counts patients', () => {
  assert.equal(parseExperimentConfig({ ...base, preset: 'xray' }).budgetUnit, 'image');
  assert.equal(parseExperimentConfig({ ...base, preset: 'ct-pcl' }).budgetUnit, 'patient');
  assert.equal(parseExperimentConfig({ ...base, preset: 'ct-polycl' }).budgetUnit, 'patient');
  assert.equal(parseExperimentConfig({ ...base, preset: 'xray', budgetUnit: 'patient' }).budgetUnit, 'patient');
});

test('loaderWorkers: an integer >= 0, absent by default (resolved when the data is read)', () => {
  assert.equal(parseExperimentConfig({ ...base, loaderWorkers: 2 }).loaderWorkers, 2);
  assert.equal(parseExperimentConfig({ ...base, loaderWorkers: 0 }).loaderWorkers, 0);
  assert.equal(parseExperimentConfig(base).loaderWorkers, undefined);
  assert.throws(
    () => parseExperimentConfig({ ...base, loaderWorkers: -1 }),
    /loaderWorkers: Too small: expected number to be >=0/,
  );
  assert.throws(
    () => parseExperimentConfig({ ...base, loaderWorkers: 1.5 }),
    /loaderWorkers: Invalid input: expected int/,
  );
});

test('selection fields: validation settings need inner-validation; selection maps onto fine-tuning', () => {
  assert.throws(() => parseExperimentConfig({ ...base, validationPatients: 2 }), /validationPatients: only applies/);
  assert.throws(() => parseExperimentConfig({ ...base, validationFraction: 0.2 }), /validationFraction: only applies/);
  assert.throws(() => parseExperimentConfig({ ...base, methods: ['simclr', 'simclr'] }), /listed twice/);
  assert.throws(
    () => parseExperimentConfig({ ...base, methods: ['random'], methodOverrides: { simclr: {} } }),
    /"simclr" is not in methods/,
  );
  assert.equal(planExperiment({ ...base }).finetune.selection, 'last');
  assert.equal(planExperiment({ ...base, selection: 'inner-validation' }).finetune.selection, 'best-validation');
  assert.throws(
    () => planExperiment({ ...base, finetune: { selection: 'best-validation' } }),
    /finetune.selection "best-validation" disagrees/,
  );
});

test('finetuneRecipe: the paper recipe under the user overrides', () => {
  const p = planExperiment({ ...base, methods: ['random'], finetuneRecipe: 'polycl', finetune: { epochs: 3 } });
  assert.equal(p.finetune.lr, 1e-3);
  assert.equal(p.finetune.loss, 'dice');
  assert.equal(p.finetune.schedule, 'cosine-restarts');
  assert.equal(p.finetune.augment, 'none');
  assert.equal(p.finetune.epochs, 3);
  const pcl = planExperiment({ ...base, methods: ['random'], finetuneRecipe: 'pcl' }).finetune;
  assert.equal(pcl.batchSize, 5);
  assert.equal(pcl.augment, 'pcl');
});

test('a typo in the fifth method, or a bad config of any stage, fails before any work, naming it', async () => {
  const { xray } = await smallPhantoms();
  const out = tempDir('medcl-exp-plan-');
  const run = (input: Partial<ExperimentInput>) =>
    runExperiment({ data: xray, out, size: 32, folds: 2, budgets: [1], ...input } as ExperimentInput, {
      log: () => {},
      progress: 'quiet',
    });
  await assert.rejects(
    run({ methods: ['random', 'simclr', 'moco', 'pcl', 'simclrr'] }),
    /methods\[4\] "simclrr": unknown method "simclrr"/,
  );
  await assert.rejects(
    run({ methods: ['random', 'simclr', 'moco'], methodOverrides: { moco: { queueSize: -1 } } }),
    /methods\[2\] "moco": invalid pre-training configuration:\n.*queueSize/,
  );
  await assert.rejects(run({ methods: ['random', 'simclr'], finetune: { lr: -1 } }), /experiment finetune: lr/);
  await assert.rejects(run({ methods: ['random'], budgets: [1, 100] }), /budget M = 100 exceeds/);
  assert.ok(!existsSync(join(out, 'pretrain')), 'nothing was pre-trained');
  assert.ok(!existsSync(join(out, 'finetune')), 'nothing was fine-tuned');
});

test('left/right-looking classes without leftRightPairs are not flipped silently', async () => {
  const { xray } = await smallPhantoms();
  const data = manifestVariant(xray, 'manifest-no-pairs.json', (m) => {
    const { leftRightPairs: _p, ...rest } = m;
    return { ...rest, classes: ['background', 'Left Lung', 'Right Lung'] };
  });
  const out = tempDir('medcl-exp-lr-');
  const input = { data, out, size: 32, folds: 2, budgets: [1], methods: ['random'], tsne: false, overlays: 0 };
  await assert.rejects(
    runExperiment(input as ExperimentInput, { log: () => {}, progress: 'quiet' }),
    /"Left Lung" \(1\) \/ "Right Lung" \(2\) look like left\/right pairs.*"leftRightPairs": \[\[1,2\]\]/s,
  );
  assert.ok(!existsSync(join(out, 'finetune')));
  // without the flip it runs
  const ok = { ...input, finetune: { epochs: 1, batchSize: 8, augment: 'pcl', encoder: { widths: [4, 8] } } };
  const r = await runExperiment({ ...ok, runFolds: 1, cacheDir: join(out, '.cache') } as ExperimentInput, {
    log: () => {},
    progress: 'quiet',
  });
  assert.equal(r.records.length, 1);
});
