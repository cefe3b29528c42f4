/**
 * `medcl data import`: small fake nnU-Net v2 and Decathlon folders (tiny NIfTI files) become manifests that
 * loadManifest accepts, with classes in id order, patient = case id, and test images without labels; broken folders
 * are refused with the file and field named.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { register } from '../../src/cli/data-import.js';
import { writeNifti } from '../../src/io/nifti.js';
import { loadManifest } from '../../src/io/manifest.js';
import { readImage } from '../../src/io/read.js';
import { captureStdout, program } from './fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'medcl-cli-import-'));
after(() => rmSync(root, { recursive: true, force: true }));

const medcl = (): Command => program(register);

function dataImport(args: string[]): Promise<string> {
  return captureStdout(() => medcl().parseAsync(['node', 'medcl', 'data', 'import', ...args]));
}

/** a 2x3x4 volume whose voxels hold `value` (images) or labels 0..2 */
async function tinyNifti(file: string, value: number, label = false): Promise<void> {
  const data = label ? Uint8Array.from({ length: 24 }, (_, i) => i % 3) : new Int16Array(24).fill(value);
  await writeNifti(file, {
    data,
    shape: [2, 3, 4],
    spacing: [2, 1, 1],
    origin: [0, 0, 0],
    direction: [1, 0, 0, 0, 1, 0, 0, 0, 1],
  });
}

function json(file: string, value: unknown): void {
  writeFileSync(file, JSON.stringify(value, null, 2));
}

/** an nnU-Net raw dataset: training cases a, b (with labels), test case t */
async function nnunetFolder(name: string): Promise<string> {
  const dir = join(root, name);
  for (const f of ['imagesTr', 'labelsTr', 'imagesTs']) mkdirSync(join(dir, f), { recursive: true });
  json(join(dir, 'dataset.json'), {
    channel_names: { '0': 'CT' },
    labels: { background: 0, kidney: 2, liver: 1 },
    numTraining: 2,
    file_ending: '.nii.gz',
  });
  for (const [i, c] of ['case_a', 'case_b'].entries()) {
    await tinyNifti(join(dir, 'imagesTr', `${c}_0000.nii.gz`), 100 + i);
    await tinyNifti(join(dir, 'labelsTr', `${c}.nii.gz`), 0, true);
  }
  await tinyNifti(join(dir, 'imagesTs', 'case_t_0000.nii.gz'), 7);
  return dir;
}

/** a Decathlon task: training spleen_1, spleen_2; test spleen_9 */
async function msdFolder(name: string): Promise<string> {
  const dir = join(root, name);
  for (const f of ['imagesTr', 'labelsTr', 'imagesTs']) mkdirSync(join(dir, f), { recursive: true });
  const training = [];
  for (const c of ['spleen_1', 'spleen_2']) {
    await tinyNifti(join(dir, 'imagesTr', `${c}.nii.gz`), 5);
    await tinyNifti(join(dir, 'labelsTr', `${c}.nii.gz`), 0, true);
    training.push({ image: `./imagesTr/${c}.nii.gz`, label: `./labelsTr/${c}.nii.gz` });
  }
  await tinyNifti(join(dir, 'imagesTs', 'spleen_9.nii.gz'), 5);
  json(join(dir, 'dataset.json'), {
    name: 'Spleen',
    modality: { '0': 'CT' },
    labels: { '0': 'background', '2': 'tip', '1': 'spleen' },
    numTraining: 2,
    training,
    test: ['./imagesTs/spleen_9.nii.gz'],
  });
  return dir;
}

test('data import --format nnunet: a manifest loadManifest accepts; classes by id; test images unlabelled', async () => {
  const dir = await nnunetFolder('Dataset001_Fake');
  const out = join(root, 'manifests', 'nnunet.json');
  const printed = await dataImport([dir, '--format', 'nnunet', '--out', out]);
  assert.match(printed, /2 training cases with labels, 1 test images without/);
  assert.match(printed, /classes: 0 background, 1 liver, 2 kidney/);
  assert.match(printed, /note: patient id = case id/);
  const m = await loadManifest(out);
  assert.equal(m.name, 'Dataset001_Fake');
  assert.deepEqual(m.classes, ['background', 'liver', 'kidney']);
  assert.deepEqual(
    m.items.map((it) => [it.patient, it.kind, it.label !== undefined, it.meta['split']]),
    [
      ['case_a', '3d', true, 'train'],
      ['case_b', '3d', true, 'train'],
      ['case_t', '3d', false, 'test'],
    ],
  );
  assert.equal(m.items[1]!.image, join(dir, 'imagesTr', 'case_b_0000.nii.gz'));
  assert.equal(m.items[1]!.label, join(dir, 'labelsTr', 'case_b.nii.gz'));
  assert.equal((await readImage(m.items[1]!.image)).data[0], 101);
});

test('data import --format msd: training with labels, test without; ids "0", "1", "2" in order', async () => {
  const dir = await msdFolder('Task09_Fake');
  const out = join(root, 'msd.json');
  await dataImport([dir, '--format', 'msd', '--out', out]);
  const m = await loadManifest(out);
  assert.equal(m.name, 'Spleen');
  assert.deepEqual(m.classes, ['background', 'spleen', 'tip']);
  assert.deepEqual(
    m.items.map((it) => [it.patient, it.label !== undefined]),
    [
      ['spleen_1', true],
      ['spleen_2', true],
      ['spleen_9', false],
    ],
  );
  assert.equal(m.items[0]!.label, join(dir, 'labelsTr', 'spleen_1.nii.gz'));
});

test('data import: nnU-Net folders that medcl cannot take are refused, naming file and field', async () => {
  const out = join(root, 'bad.json');
  const run = (dir: string) => dataImport([dir, '--format', 'nnunet', '--out', out]);
  const empty = join(root, 'empty');
  mkdirSync(empty);
  await assert.rejects(run(empty), /empty\/dataset\.json: not found/);

  const noLabel = await nnunetFolder('Dataset002_NoLabel');
  rmSync(join(noLabel, 'labelsTr', 'case_b.nii.gz'));
  await assert.rejects(run(noLabel), /labelsTr\/case_b\.nii\.gz: not found \(the label of training image/);

  const multi = await nnunetFolder('Dataset003_Multi');
  json(join(multi, 'dataset.json'), {
    channel_names: { '0': 'T2', '1': 'ADC' },
    labels: { background: 0, a: 1, b: [1, 2], ignore: 3 },
    file_ending: '.nii.gz',
  });
  await tinyNifti(join(multi, 'imagesTr', 'case_a_0001.nii.gz'), 1);
  await assert.rejects(run(multi), (e: Error) => {
    assert.match(e.message, /dataset\.json: channel_names: 2 channels \(T2, ADC\): medcl takes single-channel images/);
    assert.match(e.message, /case_a_0000\.nii\.gz: case "case_a" has channels 0000, 0001/);
    assert.match(e.message, /labels\.b: region-based labels/);
    assert.match(e.message, /labels\.ignore: nnU-Net's ignore label/);
    return true;
  });

  const gaps = await nnunetFolder('Dataset004_Gaps');
  json(join(gaps, 'dataset.json'), {
    channel_names: { '0': 'CT' },
    labels: { background: 0, x: 2 },
    file_ending: '.nii.gz',
  });
  await assert.rejects(run(gaps), /dataset\.json: labels: label ids must be 0\.\.1 without gaps, got 0, 2/);
  json(join(gaps, 'dataset.json'), { channel_names: { '0': 'CT' }, labels: { background: 0 } });
  await assert.rejects(run(gaps), /dataset\.json: file_ending: /);
  await assert.rejects(dataImport([gaps, '--format', 'nnUNet', '--out', 'x.txt']), (e: Error) => {
    assert.match(e.message, /--format: /);
    assert.match(e.message, /--out: expected a \.json file/);
    return true;
  });
});

test('data import: Decathlon folders with missing files or several modalities are refused', async () => {
  const out = join(root, 'bad-msd.json');
  const dir = await msdFolder('Task02_Broken');
  rmSync(join(dir, 'labelsTr', 'spleen_2.nii.gz'));
  await assert.rejects(dataImport([dir, '--format', 'msd', '--out', out]), (e: Error) => {
    assert.match(e.message, /dataset\.json: training\[1\]\.label: file not found: .*labelsTr\/spleen_2\.nii\.gz/);
    return true;
  });
  json(join(dir, 'dataset.json'), {
    modality: { '0': 'FLAIR', '1': 'T1w', '2': 'T1gd', '3': 'T2w' },
    labels: { '0': 'background', '1': 'edema' },
    training: [{ image: './imagesTr/spleen_1.nii.gz', label: './labelsTr/spleen_1.nii.gz' }],
  });
  await assert.rejects(dataImport([dir, '--format', 'msd', '--out', out]), /modality: 4 modalities .*multi-channel/);
});
