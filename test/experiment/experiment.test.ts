/**
 * A tiny end-to-end experiment on the small X-ray phantoms: phantoms -> pre-training (SimCLR) -> fine-tuning (random
 * and SimCLR init) -> table, plot, verdict and report; 2 methods × M ∈ {1, all} × 2 folds, one epoch each at 32 px.
 * Then the same experiment again, which must find every cell done and recompute nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runExperiment } from '../../src/experiment/experiment.js';
import type { ExperimentInput } from '../../src/experiment/config.js';
import { planExperiment } from '../../src/experiment/plan.js';
import { smallPhantoms, tempDir, SMALL_SIZES } from '../methods/fixtures.js';
import { manifestVariant, readJsonl } from './helpers.js';

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
  const records = readJsonl(resultsFile);
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
  const manifest = JSON.parse(readFileSync(xray, 'utf8')) as { items: { patient: string }[] };
  for (const c of records) {
    const testPatients = new Set(splits.folds[c.fold]!);
    assert.ok(c.cases.length > 0);
    for (const k of c.cases) assert.ok(testPatients.has(k.patient), `fold ${c.fold} tested on ${k.patient}`);
    // the label budget: X-rays count images (CL-TCI); selection 'last' uses no label beyond M
    const trainingImages = manifest.items.filter((it) => !testPatients.has(it.patient)).length;
    assert.equal(c.selection, 'last');
    assert.equal(c.validationPatients, 0, `${c.method} M=${c.M}`);
    assert.equal(c.validationImages, 0);
    assert.equal(c.trainImages, c.M === 'all' ? trainingImages : 1, `${c.method} M=${c.M}`);
    if (c.M === 1) assert.equal(c.trainPatients, 1);
    else assert.equal(c.trainPatients, all.length - testPatients.size);
    assert.equal(c.bestEpoch, 0);
    assert.equal(c.stepsPerEpoch, Math.ceil(c.trainImages! / 8));
    assert.equal(c.totalSteps, c.stepsPerEpoch);
    assert.ok(Number.isFinite(c.values['dice']!) && c.values['dice']! >= 0 && c.values['dice']! <= 1);
    // the cell's Dice is the mean over its test cases that have one
    const dice = c.cases.filter((k) => k.meanDice !== null).map((k) => k.meanDice!);
    assert.ok(Math.abs(c.values['dice']! - dice.reduce((a, b) => a + b, 0) / dice.length) < 1e-12);
    // the encoder the cell started from
    if (c.method === 'random') {
      assert.equal(c.encoder, null);
      assert.equal(c.loadedTensors, 0);
    } else {
      assert.deepEqual(c.encoder, { run: `pretrain/simclr/fold${c.fold}`, scope: 'fold' });
      assert.ok(c.loadedTensors! > 0, 'the pre-trained encoder was loaded');
    }
  }
  // pre-training ran once per fold for simclr (none for random), never on the fold's test patients' images
  assert.ok(existsSync(join(out, 'pretrain', 'simclr', 'fold0', 'encoder.safetensors')));
  assert.ok(existsSync(join(out, 'pretrain', 'simclr', 'fold1', 'encoder.safetensors')));
  assert.ok(!existsSync(join(out, 'pretrain', 'random')));
  assert.equal(lines.filter((l) => /pre-training simclr/.test(l)).length, 2);
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

  // config.json: the resolved fine-tuning config and architecture
  const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as Record<string, never>;
  assert.equal(config['budgetUnit'], 'image');
  assert.equal(config['selection'], 'last');
  assert.equal(config['backbone'], 'unet');
  const ft = config['finetune'] as Record<string, unknown>;
  for (const k of ['selection', 'augment', 'schedule', 'restartEpochs', 'minStepsPerEpoch', 'absentClasses', 'model'])
    assert.ok(k in ft, `config.json finetune.${k}`);
  assert.equal(ft['selection'], 'last');
  assert.deepEqual((ft['encoder'] as { widths: number[] }).widths, [4, 8]);
  // config.json is itself a valid experiment config that resolves to the same fine-tuning
  const { init: _i, seed: _s, ...resolvedFt } = planExperiment(config).finetune;
  assert.deepEqual(resolvedFt, ft);

  // table, plot, verdict and report
  for (const f of [
    'table.md',
    'table.csv',
    'dice-vs-m.svg',
    'dice-vs-m.png',
    'report.html',
    'verdict.md',
    'verdict.json',
  ])
    assert.ok(existsSync(join(out, f)), `${f} missing`);
  const table = readFileSync(join(out, 'table.md'), 'utf8');
  assert.match(table, /random/);
  assert.match(table, /simclr/);
  assert.match(table, /over 2 of 2 folds/);
  assert.match(table, /M = labelled training images/);
  assert.match(table, /the last epoch of the fixed schedule is tested; no validation labels/);
  assert.match(table, /Absent classes: .* left out of that case's mean/);
  assert.match(table, /Fine-tuning budget: 1 epochs × steps per epoch .*M=1: 1 × 1 = 1 steps/);
  assert.match(table, /Pre-training images: every image but those of the fold's test patients/);
  assert.match(table, /Architecture, the same for every method \(Random included\): U-Net \(widths 4–8, BatchNorm/);
  // the verdict: paired, Holm-corrected bootstrap against random; the headline says "helped" only from it
  const verdict = JSON.parse(readFileSync(join(out, 'verdict.json'), 'utf8')) as {
    sentence: string;
    baseline: string;
    rows: { method: string; M: number | 'all'; n: number; helped: boolean; holmCI: [number, number] }[];
  };
  assert.equal(verdict.baseline, 'random');
  assert.deepEqual(
    verdict.rows.map((v) => `${v.method}|${v.M}`),
    ['simclr|1', 'simclr|all'],
  );
  for (const v of verdict.rows) {
    // paired on the same test cases: every labelled image of both folds' test patients
    assert.equal(v.n, manifest.items.length);
    assert.equal(v.helped, v.holmCI[0] > 0);
  }
  const helped = verdict.rows.some((v) => v.helped);
  assert.equal(r.summary, verdict.sentence);
  assert.ok(
    r.summary.startsWith(
      helped ? 'Pre-training helped on this data: ' : 'Pre-training did not clearly help on this data: ',
    ),
    r.summary,
  );
  assert.ok(readFileSync(join(out, 'verdict.md'), 'utf8').includes('| simclr | 1 |'));
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  assert.ok(html.includes('Verdict: paired Dice differences to random, Holm-corrected'));
  assert.ok(html.includes('Pre-training') && html.includes('Holm'), 'the headline');
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
  // another selection rule in the same folder is refused rather than mixed in
  await assert.rejects(
    runExperiment({ ...input, selection: 'inner-validation' }, { log: () => {}, progress: 'quiet' }),
    /holds cells fine-tuned with selection 'last'/,
  );
});

test('selection inner-validation: validation patients are drawn outside M; M = 1 trains on one patient', async () => {
  const { xray } = await smallPhantoms();
  const out = tempDir('medcl-exp-');
  const lines: string[] = [];
  await runExperiment(
    {
      data: xray,
      out,
      size: 32,
      methods: ['random'],
      budgets: [1, 'all'],
      budgetUnit: 'patient',
      folds: 2,
      runFolds: 1,
      seed: 1,
      selection: 'inner-validation',
      validationPatients: 1,
      finetune: { epochs: 2, batchSize: 8, encoder: { widths: [4, 8] } },
      overlays: 0,
      tsne: false,
      cacheDir: join(out, '.cache'),
    },
    { log: (l) => lines.push(l), progress: 'quiet' },
  );
  const records = readJsonl(join(out, 'results.jsonl'));
  assert.equal(records.length, 2);
  const splits = JSON.parse(readFileSync(join(out, 'splits.json'), 'utf8')) as { folds: string[][] };
  const training = SMALL_SIZES.xray.patients - splits.folds[0]!.length;
  const [m1, mAll] = records;
  assert.equal(m1!.M, 1);
  assert.equal(m1!.trainPatients, 1, 'M = 1 trains on one patient');
  assert.equal(m1!.validationPatients, 1, 'and validates on one more');
  assert.ok(m1!.validationImages! >= 1);
  assert.equal(mAll!.trainPatients + mAll!.validationPatients, training);
  for (const r of records) {
    assert.equal(r.selection, 'inner-validation');
    assert.ok(typeof r.bestValDice === 'number', 'the checkpoint was chosen on validation Dice');
  }
  const ft = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).finetune as { selection: string };
  assert.equal(ft.selection, 'best-validation');
  assert.match(
    readFileSync(join(out, 'table.md'), 'utf8'),
    /best validation Dice on 1 validation patient\(s\) per fold/,
  );
  assert.ok(
    lines.some((l) =>
      /M=1: fine-tuning random on \d+ images? \(1 patient\), checkpoint chosen on 1 validation patient/.test(l),
    ),
  );
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

test('label ids beyond the manifest classes fail before any pre-training, naming a label file', async () => {
  const { xray } = await smallPhantoms();
  const out = tempDir('medcl-exp-');
  // the phantoms label both lungs (ids 1 and 2); a manifest that names only one lung class leaves id 2 unknown
  const data = manifestVariant(xray, 'one-lung.json', (m) => ({
    ...m,
    classes: ['background', 'left_lung'],
    leftRightPairs: undefined,
  }));
  const lines: string[] = [];
  await assert.rejects(
    runExperiment(
      { data, out, folds: 2, size: 32, methods: ['random', 'simclr'], cacheDir: join(out, '.cache') },
      { log: (l) => lines.push(l) },
    ),
    /label maps disagree with "classes":[\s\S]*\.(png|nii\.gz)/,
  );
  assert.equal(lines.filter((l) => /pre-training|fine-tuning/.test(l)).length, 0, 'no work before the check');
});

test('results.jsonl from before the protocol fields is still read: its cells are reused and flagged', async () => {
  const { xray } = await smallPhantoms();
  const out = tempDir('medcl-exp-legacy-');
  mkdirSync(out, { recursive: true });
  const legacy = {
    method: 'random',
    M: 1,
    fold: 0,
    values: { dice: 0.5 },
    cases: [{ case: 'x', patient: 'p', dice: { 1: 0.5 }, meanDice: 0.5 }],
    bestEpoch: 0,
    trainPatients: 1,
    validationPatients: 1,
    seconds: 1,
  };
  writeFileSync(join(out, 'results.jsonl'), JSON.stringify(legacy) + '\n');
  const lines: string[] = [];
  const r = await runExperiment(
    { data: xray, out, size: 32, methods: ['random'], budgets: [1], folds: 2, runFolds: 1, tsne: false },
    { log: (l) => lines.push(l), progress: 'quiet' },
  );
  assert.deepEqual(
    lines.filter((l) => /fine-tuning/.test(l)),
    [],
  );
  assert.ok(lines.some((l) => /1 record\(s\) in .* predate the protocol fields/.test(l)));
  assert.equal(r.table.rows[0]!.cells[0]!.mean, 0.5);
  assert.match(readFileSync(join(out, 'report.html'), 'utf8'), /predate the protocol fields/);
});
