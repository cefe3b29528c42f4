/**
 * What pre-training sees: unlabelled manifest items (and patients in no fold, who have no label) feed it; with
 * 'all-images' (and in transfer) it runs once per method and every fold reuses that encoder.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runExperiment } from '../../src/experiment/experiment.js';
import type { ExperimentInput } from '../../src/experiment/config.js';
import { smallPhantoms, tempDir } from '../methods/fixtures.js';
import { manifestVariant, readJsonl, readManifestJson } from './helpers.js';

const tiny = (data: string, out: string): ExperimentInput => ({
  data,
  out,
  size: 32,
  methods: ['random', 'simclr'],
  budgets: [1],
  folds: 2,
  seed: 2,
  pretrain: { epochs: 1, batchSize: 8, projectionDim: 16, encoder: { widths: [4, 8] } },
  finetune: { epochs: 1, batchSize: 8 },
  overlays: 0,
  tsne: false,
  cacheDir: join(out, '.cache'),
});

test('unlabelled items and unlabelled patients feed pre-training (all but the test fold)', async () => {
  const { xray } = await smallPhantoms();
  const patients = [...new Set(readManifestJson(xray).items.map((it) => it.patient))];
  // two patients without any label (in no fold), and one unlabelled image of a third
  const unlabelledPatients = new Set(patients.slice(0, 2));
  const third = patients[2]!;
  const data = manifestVariant(xray, 'manifest-unlabelled.json', (m) => {
    let dropped = false;
    const items = m.items.map((it) => {
      if (unlabelledPatients.has(it.patient) || (it.patient === third && !dropped && (dropped = true))) {
        const { label: _l, ...rest } = it;
        return rest;
      }
      return it;
    });
    return { ...m, items };
  });
  const out = tempDir('medcl-exp-unl-');
  const lines: string[] = [];
  await runExperiment({ ...tiny(data, out), runFolds: 1 }, { log: (l) => lines.push(l), progress: 'quiet' });
  const splits = JSON.parse(readFileSync(join(out, 'splits.json'), 'utf8')) as { folds: string[][] };
  const inFolds = new Set(splits.folds.flat());
  for (const p of unlabelledPatients) assert.ok(!inFolds.has(p), `${p} has no label and is in no fold`);
  const test0 = new Set(splits.folds[0]!);
  const items = readManifestJson(data).items;
  const expected = items.filter((it) => !test0.has(it.patient)).length;
  const labelledTraining = items.filter((it) => it.label !== undefined && !test0.has(it.patient)).length;
  assert.ok(expected > labelledTraining, 'the fixture has unlabelled images outside the test fold');
  assert.ok(
    lines.some((l) => l.includes(`fold 0: pre-training simclr on ${expected} images`)),
    `expected ${expected} pre-training images:\n${lines.join('\n')}`,
  );
  const log = readFileSync(join(out, 'pretrain', 'simclr', 'fold0', 'log.jsonl'), 'utf8')
    .trim()
    .split('\n');
  assert.equal(log.length, Math.ceil(expected / 8));
  assert.match(readFileSync(join(out, 'table.md'), 'utf8'), /unlabelled images included/);
});

test("'all-images': one pre-training run per method, shared by every fold", async () => {
  const { xray } = await smallPhantoms();
  const out = tempDir('medcl-exp-shared-');
  const lines: string[] = [];
  const input = { ...tiny(xray, out), pretrainImages: 'all-images' as const };
  await runExperiment(input, { log: (l) => lines.push(l), progress: 'quiet' });
  const runs = readdirSync(join(out, 'pretrain', 'simclr'));
  assert.equal(runs.length, 1, runs.join(', '));
  assert.match(runs[0]!, /^shared-[0-9a-f]{12}$/);
  assert.equal(lines.filter((l) => /pre-training simclr/.test(l)).length, 1);
  const images = readManifestJson(xray).items.length;
  assert.ok(lines.some((l) => l.includes(`pre-training simclr once for all folds on ${images} images`)));
  const simclr = readJsonl(join(out, 'results.jsonl')).filter((r) => r.method === 'simclr');
  assert.deepEqual(
    simclr.map((r) => r.fold),
    [0, 1],
  );
  assert.equal(simclr[0]!.encoder!.scope, 'shared');
  assert.deepEqual(simclr[0]!.encoder, simclr[1]!.encoder, 'both folds start from the same encoder');
  assert.equal(`shared-${simclr[0]!.encoder!.key!.slice(0, 12)}`, runs[0]);
  // the shared run uses the experiment's seed (not seed + fold)
  const pcfg = JSON.parse(readFileSync(join(out, 'pretrain', 'simclr', runs[0]!, 'config.json'), 'utf8'));
  assert.equal(pcfg.seed, 2);
  // a second experiment in the same folder (one more budget) reuses the cached run
  const again: string[] = [];
  await runExperiment({ ...input, budgets: [1, 2] }, { log: (l) => again.push(l), progress: 'quiet' });
  assert.equal(again.filter((l) => /pre-training/.test(l)).length, 0, again.join('\n'));
  assert.equal(readdirSync(join(out, 'pretrain', 'simclr')).length, 1);
});

test('transfer (pretrainData): one shared pre-training run on the other data set, every image of it', async () => {
  const { xray } = await smallPhantoms();
  const out = tempDir('medcl-exp-transfer-');
  const lines: string[] = [];
  await runExperiment({ ...tiny(xray, out), pretrainData: xray }, { log: (l) => lines.push(l), progress: 'quiet' });
  const images = readManifestJson(xray).items.length;
  assert.deepEqual(
    lines.filter((l) => /pre-training simclr/.test(l)),
    [`pre-training simclr once for all folds on ${images} images (1 epochs)`],
  );
  const simclr = readJsonl(join(out, 'results.jsonl')).filter((r) => r.method === 'simclr');
  assert.equal(simclr.length, 2);
  assert.deepEqual(simclr[0]!.encoder, simclr[1]!.encoder);
  assert.match(readFileSync(join(out, 'table.md'), 'utf8'), /Pre-training images: transfer, all \d+ images of/);
});
