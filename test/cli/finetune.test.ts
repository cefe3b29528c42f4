/**
 * `medcl finetune`: from a tiny PCL pre-training run on two CT phantom volumes, one epoch of fine-tuning writes the
 * run folder (config.json with the settings inherited from the pre-training run, log.jsonl, model/ loadable by
 * predict, results.json with per-case Dice of the test patient); without patient lists every labelled item trains
 * and nothing is tested; bad settings are refused before any work, naming the option or the config file's field.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { register } from '../../src/cli/finetune.js';
import { pretrain } from '../../src/train/pretrain.js';
import { loadSegmentationModel } from '../../src/models/saved.js';
import { loadManifest } from '../../src/io/manifest.js';
import { captureStdout, program, smallPhantoms } from './fixtures.js';

const data = await smallPhantoms('medcl-cli-finetune-');
after(() => rm(data.dir, { recursive: true, force: true }));
const pre = join(data.dir, 'pre');
await pretrain(
  {
    method: 'pcl',
    data: data.ct,
    out: pre,
    size: 16,
    epochs: 1,
    batchSize: 8,
    projectionDim: 16,
    encoder: { widths: [4, 8] },
  },
  { progress: 'quiet' },
);
const encoder = join(pre, 'encoder.safetensors');
const patients = [...(await loadManifest(data.ct)).patients.keys()];

const medcl = (): Command => program(register);

async function finetune(args: string[]): Promise<string> {
  const err = process.stderr.write;
  process.stderr.write = (() => true) as typeof process.stderr.write; // progress and notes
  try {
    return await captureStdout(() => medcl().parseAsync(['node', 'medcl', 'finetune', '--quiet', ...args]));
  } finally {
    process.stderr.write = err;
  }
}

interface Results {
  train: { patients: string[]; images: number };
  test: { patients: string[]; cases: { patient: string; dice: Record<string, number>; meanDice: number | null }[] };
  meanDice: number | null;
  notes: string[];
  encoderTensorsLoaded: number;
}

test('finetune: run folder with model/, log.jsonl, results.json; settings inherited from the pre-training run', async () => {
  assert.equal(patients.length, 2);
  const out = join(data.dir, 'ft');
  const printed = await finetune([
    ...['--init', encoder, '--data', data.ct, '--out', out, '--epochs', '1', '--batch-size', '4'],
    ...['--train-patients', patients[0]!, '--test-patients', patients[1]!],
  ]);
  assert.match(printed, /test: 1 cases, mean Dice \d\.\d{4}/);
  const cfg = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(cfg['preset'], 'ct-pcl');
  assert.equal(cfg['size'], 16);
  assert.deepEqual((cfg['encoder'] as { widths: number[] }).widths, [4, 8]);
  assert.equal(cfg['epochs'], 1);
  const r = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results;
  assert.deepEqual(r.train.patients, [patients[0]]);
  assert.equal(r.train.images, 10);
  assert.ok(r.encoderTensorsLoaded > 0);
  assert.equal(r.test.cases.length, 1);
  const c = r.test.cases[0]!;
  assert.equal(c.patient, patients[1]);
  const dice = Object.values(c.dice);
  assert.ok(dice.length > 0 && dice.every((d) => d >= 0 && d <= 1));
  assert.ok(Math.abs(c.meanDice! - dice.reduce((a, b) => a + b) / dice.length) < 1e-12);
  assert.equal(r.meanDice, c.meanDice);
  const log = readFileSync(join(out, 'log.jsonl'), 'utf8').trim().split('\n');
  assert.ok(log.length >= 3, 'one line per step');
  const saved = loadSegmentationModel(join(out, 'model'));
  assert.equal(saved.meta.preset, 'ct-pcl');
  assert.equal(saved.meta.size, 16);
});

test('finetune: without patient lists every labelled item trains, nothing is tested, and results say so', async () => {
  const out = join(data.dir, 'ft-all');
  const cfgFile = join(data.dir, 'ft.json');
  writeFileSync(cfgFile, JSON.stringify({ data: data.ct, out, epochs: 1, batchSize: 8, loss: 'dice-ce' }));
  await finetune(['--init', encoder, '--config', cfgFile]);
  const r = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results;
  assert.deepEqual(r.train.patients, patients);
  assert.equal(r.test.cases.length, 0);
  assert.equal(r.meanDice, null);
  assert.ok(r.notes.some((n) => /no patient lists: training on every labelled item \(2 patients\)/.test(n)));
  assert.ok(r.notes.some((n) => /nothing is tested/.test(n)));
  assert.equal(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).loss, 'dice-ce');
});

test('finetune: the whole config is checked before any work; errors name options and file fields', async () => {
  const out = join(data.dir, 'ft-bad');
  const cfgFile = join(data.dir, 'ft-bad.json');
  writeFileSync(cfgFile, JSON.stringify({ lr: -1, lossFn: 'ce' }));
  await assert.rejects(
    finetune(['--init', encoder, '--config', cfgFile, '--out', out, '--epochs', '0', '--preset', 'mri']),
    (e: Error) => {
      assert.match(e.message, /--data: required/);
      assert.match(e.message, /--epochs: /);
      assert.match(e.message, /--preset: /);
      assert.ok(e.message.includes(`${cfgFile}: lr: `), e.message);
      assert.ok(e.message.includes(`${cfgFile}: lossFn: unknown field`), e.message);
      return true;
    },
  );
  assert.equal(existsSync(out), false, 'nothing written');
  await assert.rejects(
    finetune([
      '--data',
      data.ct,
      '--out',
      out,
      '--train-patients',
      `${patients[0]},x9`,
      '--test-patients',
      patients[0]!,
    ]),
    /--test-patients: patient ".*" is also in trainPatients/,
  );
  await assert.rejects(
    finetune(['--data', data.ct, '--out', out, '--train-patients', 'x9']),
    /trainPatients: not in the manifest: "x9"/,
  );
  await assert.rejects(
    finetune(['--data', data.ct, '--out', out, '--init', join(data.dir, 'nope.safetensors')]),
    /init: file not found/,
  );
  assert.equal(existsSync(out), false, 'nothing written');
});
