/**
 * `medcl embed`: the CSV of a hand-made SimCLR run (config.json + encoder.safetensors) against the encoder run
 * directly with global average pooling and L2 normalisation computed here in float64; and a real (one-epoch)
 * PolyCL-S pre-training run on CT volumes, embedded slice by slice with a t-SNE plot; the same CSV whether the data
 * set is read in loader threads (`--loader-workers 2`, which really read the items) or on the main thread.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { manualSeed, noGrad, randn, saveSafetensors } from '../../src/engine/index.js';
import { register } from '../../src/cli/embed.js';
import { parsePretrainConfig } from '../../src/methods/config.js';
import { pretrain } from '../../src/train/pretrain.js';
import { buildEncoder } from '../../src/methods/common.js';
import { buildSliceDataset } from '../../src/data/slice-dataset.js';
import { loadManifest } from '../../src/io/manifest.js';
import { readImage } from '../../src/io/read.js';
import { parseCsv } from '../../src/io/csv.js';
import { captureStdout, corruptXrayManifest, program, smallPhantoms } from './fixtures.js';

const data = await smallPhantoms('medcl-cli-embed-');
after(() => rm(data.dir, { recursive: true, force: true }));

const medcl = (): Command => program(register);

function embed(args: string[]): Promise<string> {
  return captureStdout(() => medcl().parseAsync(['node', 'medcl', 'embed', ...args]));
}

function readCsv(file: string): { header: string[]; rows: string[][] } {
  const records = parseCsv(readFileSync(file, 'utf8'), file);
  return { header: records[0]!.fields, rows: records.slice(1).map((r) => r.fields) };
}

interface RawManifest {
  items: { image: string; patient: string }[];
}

test('embed: one row per image, unit-norm GAP encoder features equal to running the encoder directly', async () => {
  const runDir = join(data.dir, 'run-simclr');
  mkdirSync(runDir, { recursive: true });
  const cfg = parsePretrainConfig({
    method: 'simclr',
    data: data.xray,
    out: runDir,
    preset: 'xray',
    size: 16,
    encoder: { widths: [4, 8], norm: 'batch', slope: 0.01, dropout: 0 },
  });
  manualSeed(21);
  const encoder = buildEncoder(cfg);
  encoder.train(); // move the BatchNorm statistics away from 0 / 1: embed must use the saved ones
  noGrad(() => encoder.forward(randn([4, 1, 16, 16]).mul(2).add(0.5)).dispose());
  encoder.eval();
  writeFileSync(join(runDir, 'config.json'), JSON.stringify(cfg, null, 2));
  saveSafetensors(join(runDir, 'encoder.safetensors'), encoder.stateDict());

  const csv = join(data.dir, 'emb-xray.csv');
  const svg = join(data.dir, 'tsne-xray.svg');
  const printed = await embed([
    '--run',
    runDir,
    '--data',
    data.xray,
    '--out',
    csv,
    '--tsne',
    svg,
    '--iterations',
    '300',
    '--no-cache',
  ]);
  const raw = JSON.parse(readFileSync(data.xray, 'utf8')) as RawManifest;
  const N = raw.items.length;
  const D = 8;
  assert.match(printed, new RegExp(`${N} samples x ${D} dimensions`));
  const { header, rows } = readCsv(csv);
  assert.deepEqual(header, [
    'id',
    'item',
    'patient',
    'slice',
    'position',
    ...Array.from({ length: D }, (_, k) => `e${k}`),
  ]);
  assert.equal(rows.length, N);

  // reference: the encoder's feature map, pooled and normalised in float64
  const ds = await buildSliceDataset(await loadManifest(data.xray), { preset: 'xray', size: 16 });
  const ids = ds.samples.map((s) => s.id);
  const f = noGrad(() => encoder.forward(ds.imageBatch(ids)));
  const [, C, h, w] = f.shape as [number, number, number, number];
  assert.equal(C, D);
  const fv = f.toFloat64Array();
  rows.forEach((row, r) => {
    assert.equal(row.length, 5 + D);
    const item = Number(row[1]);
    assert.equal(Number(row[0]), r);
    assert.equal(row[2], raw.items[item]!.patient);
    assert.equal(row[3], '0');
    assert.equal(row[4], '1');
    const e = row.slice(5).map(Number);
    const norm = Math.hypot(...e);
    assert.ok(Math.abs(norm - 1) < 1e-5, `row ${r} norm ${norm}`);
    const g = Array.from({ length: C }, (_, c) => {
      let s = 0;
      for (let k = 0; k < h * w; k++) s += fv[(r * C + c) * h * w + k]!;
      return s / (h * w);
    });
    const gn = Math.hypot(...g);
    g.forEach((v, c) => assert.ok(Math.abs(e[c]! - v / gn) < 1e-5, `row ${r} e${c}: ${e[c]} vs ${v / gn}`));
  });
  // the t-SNE plot has one point per image
  const text = readFileSync(svg, 'utf8');
  assert.equal(text.match(/<circle class="point"/g)?.length, N);
  assert.match(text, /patient/);
});

test('embed: a PolyCL-S run on CT volumes gives one row per kept slice with its position, and a t-SNE PNG', async () => {
  const runDir = join(data.dir, 'run-polycl');
  await pretrain(
    {
      method: 'polycl-s',
      data: data.ct,
      out: runDir,
      size: 16,
      epochs: 1,
      batchSize: 2,
      encoder: { widths: [4, 8], norm: 'instance', slope: 0.2, dropout: 0.25 },
      projectionDim: 8,
      cacheDir: join(data.dir, 'cache'),
    },
    { progress: 'quiet' },
  );
  const csv = join(data.dir, 'emb-ct.csv');
  const png = join(data.dir, 'tsne-ct.png');
  await embed(['--run', runDir, '--out', csv, '--tsne', png, '--color', 'position', '--iterations', '200']);
  const { rows } = readCsv(csv);
  // 2 volumes of 10 slices; ct-polycl keeps the central 30 %: round(0.3 * 10) = 3 slices, 3..5
  assert.equal(rows.length, 6);
  const raw = JSON.parse(readFileSync(data.ct, 'utf8')) as RawManifest;
  rows.forEach((row, r) => {
    const slice = r % 3;
    assert.equal(Number(row[1]), Math.floor(r / 3));
    assert.equal(row[2], raw.items[Math.floor(r / 3)]!.patient);
    assert.equal(Number(row[3]), slice);
    assert.ok(Math.abs(Number(row[4]) - (slice + 1) / 3) < 1e-12);
    const e = row.slice(5).map(Number);
    assert.equal(e.length, 8, 'PolyCL encoder width');
    assert.ok(Math.abs(Math.hypot(...e) - 1) < 1e-5);
  });
  const img = await readImage(png);
  assert.deepEqual(img.shape, [480, 560]);
});

test('embed --loader-workers: the same CSV read in 2 threads as on the main thread; the threads read the items', async () => {
  const run = join(data.dir, 'run-simclr');
  const csv = (n: number) => join(data.dir, `emb-lw${n}.csv`);
  for (const n of [0, 2])
    await embed(['--run', run, '--data', data.xray, '--out', csv(n), '--no-cache', '--loader-workers', String(n)]);
  assert.ok(readCsv(csv(0)).rows.length > 0);
  assert.equal(readFileSync(csv(2), 'utf8'), readFileSync(csv(0), 'utf8'));
  // an image that cannot be decoded: read in the threads, the error is the loader's (src/data/loader-pool.ts)
  const { bad, broken } = corruptXrayManifest(data);
  const args = (n: string) => ['--run', run, '--data', broken, '--out', csv(9), '--no-cache', '--loader-workers', n];
  await assert.rejects(embed(args('2')), (e: Error) => /^loader: /.test(e.message) && e.message.includes(bad));
  await assert.rejects(embed(args('0')), (e: Error) => !/^loader: /.test(e.message) && e.message.includes(bad));
  await assert.rejects(embed(args('-1')), /--loader-workers: expected a non-negative integer, got -1/);
});

test('embed: errors name the file or option', async () => {
  await assert.rejects(
    embed(['--run', join(data.dir, 'nope'), '--out', join(data.dir, 'x.csv')]),
    /nope\/config\.json: cannot read/,
  );
  await assert.rejects(
    embed(['--run', join(data.dir, 'run-simclr'), '--out', join(data.dir, 'x.csv'), '--color', 'age']),
    /expected patient or position, got "age"/,
  );
  // a run whose weights do not fit its config
  const bad = join(data.dir, 'run-bad');
  mkdirSync(bad, { recursive: true });
  const cfg = JSON.parse(readFileSync(join(data.dir, 'run-simclr', 'config.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(bad, 'config.json'), JSON.stringify({ ...cfg, encoder: { widths: [4, 16] } }));
  writeFileSync(join(bad, 'encoder.safetensors'), readFileSync(join(data.dir, 'run-simclr', 'encoder.safetensors')));
  await assert.rejects(
    embed(['--run', bad, '--out', join(data.dir, 'x.csv')]),
    /run-bad\/encoder\.safetensors does not fit the simclr encoder/,
  );
});
