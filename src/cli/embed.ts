/**
 * `medcl embed --run <pretrain out dir> --data manifest.json --out embeddings.csv [--tsne tsne.png]
 * [--color patient|position]`: embeds every sample of a data set with a pre-training run's encoder
 * (global-average-pooled encoder features, L2-normalised: src/eval/embed.ts), writes them as CSV (one row per
 * sample: id, item, patient, slice, position, e0..eD-1) and optionally a t-SNE plot (PNG, or SVG for a .svg path)
 * coloured by patient or by slice position (default: position for volumes, patient for 2D images). The data set is
 * read and preprocessed in `--loader-workers` threads (docs/data-loading.md) and held in memory.
 */
import { open, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import { loadManifest } from '../io/manifest.js';
import { csvRows, type CsvValue } from '../io/csv-write.js';
import { buildSliceDataset, type SliceDataset } from '../data/slice-dataset.js';
import { loadRunEncoder } from '../train/run-encoder.js';
import { embedSamples, type Embeddings } from '../eval/embed.js';
import { tsne } from '../eval/tsne.js';
import { slicePosition } from '../relations/position.js';
import { scatterSvg, svgToPng } from '../report/plot.js';
import { Rng } from '../util/rng.js';
import { schemaOptions } from './options.js';
import { DEVICE_OPTION } from './device-option.js';
import { LOADER_WORKERS_OPTION } from './loader-workers-option.js';
import { resolveLoaderWorkers } from '../data/loader-pool.js';
import { deviceField, resolveDevice } from '../engine/device.js';
import { intOption, numberOption } from '../util/number-fields.js';
import { ensureDir } from '../engine/checkpoint/ensure-dir.js';

/** position of a slice in its volume, (index + 1) / slices (PCL), 1 for 2D images */
function positionOf(ds: SliceDataset, id: number): number {
  const s = ds.samples[id]!;
  return slicePosition(s.sliceIndex, s.slicesInVolume);
}

/** Writes the embeddings as CSV, in blocks of rows (float32 values with 9 significant digits: exact round trip). */
export async function writeEmbeddingsCsv(file: string, ds: SliceDataset, e: Embeddings): Promise<void> {
  ensureDir(path.dirname(path.resolve(file)));
  const fh = await open(file, 'w');
  try {
    const header = ['id', 'item', 'patient', 'slice', 'position', ...Array.from({ length: e.dim }, (_, k) => `e${k}`)];
    await fh.write(csvRows([header]));
    const block: CsvValue[][] = [];
    for (let r = 0; r < e.n; r++) {
      const id = e.ids[r]!;
      const s = ds.samples[id]!;
      const row: CsvValue[] = [id, s.item, s.patient, s.sliceIndex, positionOf(ds, id)];
      for (let k = 0; k < e.dim; k++) row.push(Number(e.data[r * e.dim + k]!.toPrecision(9)));
      block.push(row);
      if (block.length === 1000 || r === e.n - 1) {
        await fh.write(csvRows(block));
        block.length = 0;
      }
    }
  } finally {
    await fh.close();
  }
}

export const embedOptionsSchema = z.strictObject({
  run: z.string().min(1),
  data: z.string().min(1).optional(),
  out: z.string().min(1),
  tsne: z.string().min(1).optional(),
  color: z
    .enum(['patient', 'position'], { error: (iss) => `expected patient or position, got "${String(iss.input)}"` })
    .optional(),
  batchSize: intOption(1).default(32),
  seed: intOption(0).default(0),
  perplexity: numberOption(true).optional(),
  iterations: intOption(1).default(1000),
  maxPoints: intOption(1).default(2000),
  cache: z.boolean().default(true),
  device: deviceField,
  loaderWorkers: intOption(0).optional(),
});
type EmbedCliOptions = z.output<typeof embedOptionsSchema>;

const OPTIONS = {
  run: { description: 'pre-training output folder (config.json, encoder.safetensors)', value: '<dir>', required: true },
  data: { description: 'dataset manifest', value: '<manifest>', default: "the run's own data" },
  out: { description: 'CSV to write: id,item,patient,slice,position,e0..eD-1', value: '<file>', required: true },
  tsne: { description: 't-SNE plot to write (.png, or .svg)', value: '<file>' },
  color: {
    description: 't-SNE colours: patient | position',
    value: '<by>',
    default: 'position for volumes, else patient',
  },
  batchSize: 'images per forward pass',
  seed: 't-SNE seed (and subsampling)',
  perplexity: { description: 't-SNE perplexity', default: 'min(30, (n - 1) / 3)' },
  iterations: 't-SNE iterations',
  maxPoints: 't-SNE of at most this many samples (a seeded subsample; exact t-SNE is O(n²))',
  device: DEVICE_OPTION,
  cache: { description: 'do not use the on-disk cache of preprocessed volumes', negate: true },
  loaderWorkers: LOADER_WORKERS_OPTION,
} as const;

export function register(program: Command): void {
  const command = program
    .command('embed')
    .description("embed every sample of a data set with a pre-training run's encoder (CSV, optional t-SNE plot)");
  const parse = schemaOptions(command, embedOptionsSchema, OPTIONS, 'embed');
  command.action(async (raw: Record<string, unknown>) => {
    const o = parse(raw);
    const device = resolveDevice(o.device, { field: '--device' }); // before any work
    const { encoder, config, configFile } = loadRunEncoder(o.run);
    encoder.to({ device });
    const data = o.data ?? config.data;
    const manifest = await loadManifest(data);
    const ds = await buildSliceDataset(manifest, {
      preset: config.preset,
      size: config.size,
      ...(config.spacing !== undefined ? { spacing: config.spacing } : {}),
      ...(o.cache ? { cacheDir: config.cacheDir ?? path.join(os.tmpdir(), 'medcl-cache') } : {}),
      loaderWorkers: resolveLoaderWorkers(o.loaderWorkers),
    });
    const e = embedSamples(encoder, ds, undefined, { batchSize: o.batchSize });
    await writeEmbeddingsCsv(o.out, ds, e);
    process.stdout.write(
      `${o.out}: ${e.n} samples x ${e.dim} dimensions (${config.method} encoder of ${configFile}, preset ` +
        `${config.preset}, size ${config.size})\n`,
    );
    if (o.tsne) {
      const file = await writeTsne(o.tsne, ds, e, o, config.method);
      process.stdout.write(`${file}: t-SNE\n`);
    }
  });
}

async function writeTsne(file: string, ds: SliceDataset, e: Embeddings, o: EmbedCliOptions, method: string) {
  if (e.n < 5) throw new Error(`embed: --tsne needs at least 5 samples, the data set has ${e.n}`);
  let rows = Array.from({ length: e.n }, (_, r) => r);
  if (rows.length > o.maxPoints) {
    rows = new Rng(o.seed)
      .permutation(e.n)
      .slice(0, o.maxPoints)
      .sort((a, b) => a - b);
  }
  const n = rows.length;
  const x = new Float64Array(n * e.dim);
  rows.forEach((r, i) => {
    for (let k = 0; k < e.dim; k++) x[i * e.dim + k] = e.data[r * e.dim + k]!;
  });
  const perplexity = o.perplexity ?? Math.min(30, Math.floor((n - 1) / 3));
  if (!(perplexity < n - 1))
    throw new Error(`embed: --perplexity ${perplexity} must be below the number of points minus 1 (${n - 1})`);
  const r = tsne(x, e.dim, { seed: o.seed, perplexity, iterations: o.iterations, learningRate: 'auto' });
  const ids = rows.map((row) => e.ids[row]!);
  const isVolume = ds.samples.some((s) => s.slicesInVolume > 1);
  const by = o.color ?? (isVolume ? 'position' : 'patient');
  const svg = scatterSvg(r.embedding, {
    title: `t-SNE of ${method} encoder features (${n} ${isVolume ? 'slices' : 'images'})`,
    ...(by === 'position'
      ? { values: ids.map((id) => positionOf(ds, id)), colourLabel: 'slice position' }
      : { categories: ids.map((id) => ds.samples[id]!.patient), colourLabel: 'patient' }),
  });
  if (/\.svg$/i.test(file)) {
    ensureDir(path.dirname(path.resolve(file)));
    await writeFile(file, svg);
  } else await svgToPng(svg, file);
  return file;
}
