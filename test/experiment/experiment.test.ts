/**
 * A tiny end-to-end experiment on the small X-ray phantoms: phantoms -> pre-training (SimCLR) -> fine-tuning (random
 * and SimCLR init) -> table, plot and report; 2 methods × M ∈ {1, all} × 2 folds, one epoch each at 32 px. Then the
 * same experiment again, which must find every cell done and recompute nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runExperiment, type CellRecord } from '../../src/experiment/experiment.js';
import type { ExperimentInput } from '../../src/experiment/config.js';
import { smallPhantoms, tempDir, SMALL_SIZES } from '../methods/fixtures.js';

test('a tiny experiment end to end: 2×2×2 cells, folds over patients, table and report; a re-run skips every cell', async () => {
  const { xray } = await smallPhantoms();
  const out = tempDir('medcl-exp-');
  const input: ExperimentInput = {
    name: 'tiny',
    data: xray,
    out,
    preset: 'xray',
    size: 32,
    methods: ['random', 'simclr'],
    budgets: [1, 'all'],
    folds: 2,
    seed: 4,
    pretrain: { epochs: 1, batchSize: 8, projectionDim: 16, encoder: { widths: [4, 8] } },
    finetune: { epochs: 1, batchSize: 8 },
    overlays: 1,
    tsne: true,
    cacheDir: join(out, '.cache'),
  };
  const lines: string[] = [];
  const t0 = Date.now();
  const r = await runExperiment(input, { log: (l) => lines.push(l), progress: 'quiet' });
  const seconds = (Date.now() - t0) / 1000;

  // results.jsonl: one record per (method, M, fold), 2 × 2 × 2
  const resultsFile = join(out, 'results.jsonl');
  const text = readFileSync(resultsFile, 'utf8');
  const records = text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as CellRecord);
  assert.equal(records.length, 8);
  const keys = records.map((c) => `${c.method}|${c.M}|${c.fold}`).sort();
  assert.deepEqual(keys, [
    'random|1|0',
    'random|1|1',
    'random|all|0',
    'random|all|1',
    'simclr|1|0',
    'simclr|1|1',
    'simclr|all|0',
    'simclr|all|1',
  ]);
  assert.equal(r.records.length, 8);

  // folds: a partition of the patients; every test case of a fold is one of its test patients
  const splits = JSON.parse(readFileSync(join(out, 'splits.json'), 'utf8')) as { folds: string[][] };
  assert.equal(splits.folds.length, 2);
  const all = splits.folds.flat();
  assert.equal(all.length, SMALL_SIZES.xray.patients);
  assert.equal(new Set(all).size, all.length, 'a patient in two folds');
  for (const c of records) {
    const testPatients = new Set(splits.folds[c.fold]!);
    assert.ok(c.cases.length > 0);
    for (const k of c.cases) assert.ok(testPatients.has(k.patient), `fold ${c.fold} tested on ${k.patient}`);
    // the label budget: M patients in all, split into training and validation patients
    const trainingPatients = all.length - testPatients.size;
    assert.equal(c.trainPatients + c.validationPatients, c.M === 'all' ? trainingPatients : 1, `${c.method} M=${c.M}`);
    assert.ok(Number.isFinite(c.values['dice']!) && c.values['dice']! >= 0 && c.values['dice']! <= 1);
    // the cell's Dice is the mean over its test cases
    const mean = c.cases.reduce((a, k) => a + k.meanDice, 0) / c.cases.length;
    assert.ok(Math.abs(c.values['dice']! - mean) < 1e-12);
  }
  // pre-training ran once per fold for simclr (none for random), on that fold's training images only
  assert.ok(existsSync(join(out, 'pretrain', 'simclr', 'fold0', 'encoder.safetensors')));
  assert.ok(existsSync(join(out, 'pretrain', 'simclr', 'fold1', 'encoder.safetensors')));
  assert.ok(!existsSync(join(out, 'pretrain', 'random')));
  assert.equal(lines.filter((l) => /pre-training simclr/.test(l)).length, 2);
  const manifest = JSON.parse(readFileSync(xray, 'utf8')) as { items: { patient: string }[] };
  for (const fold of [0, 1]) {
    // one epoch of full batches of 8 over the images of the fold's training patients (never its test patients)
    const test = new Set(splits.folds[fold]!);
    const images = manifest.items.filter((it) => !test.has(it.patient)).length;
    const log = readFileSync(join(out, 'pretrain', 'simclr', `fold${fold}`, 'log.jsonl'), 'utf8')
      .trim()
      .split('\n');
    assert.equal(log.length, Math.ceil(images / 8), `fold ${fold}: ${images} training images`);
    assert.ok(
      lines.some((l) => l.includes(`fold ${fold}: pre-training simclr on ${images} images`)),
      lines.join('\n'),
    );
  }

  // table, plot, report with a verdict
  for (const f of ['table.md', 'table.csv', 'dice-vs-m.svg', 'dice-vs-m.png', 'report.html', 'config.json']) {
    assert.ok(existsSync(join(out, f)), `${f} missing`);
  }
  const table = readFileSync(join(out, 'table.md'), 'utf8');
  assert.match(table, /random/);
  assert.match(table, /simclr/);
  const verdicts = [
    'Pre-training helped on this data',
    'Pre-training did not help on this data',
    'Pre-training made no clear difference on this data',
  ];
  assert.equal(verdicts.filter((v) => r.summary.startsWith(v)).length, 1, r.summary);
  assert.match(r.summary, /simclr vs random, mean Dice difference over folds: M=1: .*; M=all: /);
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  assert.ok(
    verdicts.some((v) => html.includes(v)),
    'the report states the verdict',
  );
  assert.ok(seconds < 120, `the tiny experiment took ${seconds.toFixed(1)} s`);

  // again: every cell is read back from results.jsonl; nothing is pre-trained or fine-tuned
  const again: string[] = [];
  const r2 = await runExperiment(input, { log: (l) => again.push(l), progress: 'quiet' });
  assert.equal(readFileSync(resultsFile, 'utf8'), text, 'results.jsonl changed');
  assert.deepEqual(
    again.filter((l) => /fine-tuning|pre-training/.test(l)),
    [],
  );
  assert.equal(r2.records.length, 8);
  assert.equal(r2.summary, r.summary);
});

test('experiment config errors name the field; too few patients for the folds is refused', async () => {
  const { xray } = await smallPhantoms();
  const out = tempDir('medcl-exp-');
  await assert.rejects(runExperiment({ data: xray, out, folds: 1 } as ExperimentInput, { log: () => {} }), /folds/);
  await assert.rejects(
    runExperiment({ data: xray, out, budgets: [0] } as ExperimentInput, { log: () => {} }),
    /budgets/,
  );
  await assert.rejects(
    runExperiment(
      { data: xray, out, folds: 9, size: 32, methods: ['random'], cacheDir: join(out, '.cache') },
      { log: () => {} },
    ),
    /has 8 patients with labels; 9 folds need at least 9/,
  );
});
