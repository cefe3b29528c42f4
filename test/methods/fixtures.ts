/**
 * Shared fixtures of the training-side tests: the small phantom data sets written once per test process into a temp
 * folder (removed at exit), their slice data sets per preset, and tiny pre-training configs (size 32, widths [4, 8])
 * so that a step takes milliseconds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writePhantoms, SMALL_SIZES } from '../../src/phantoms/write.js';
import { loadManifest } from '../../src/io/manifest.js';
import { buildSliceDataset, type SliceDataset, type SlicePreset } from '../../src/data/slice-dataset.js';
import { resolvePretrainConfig } from '../../src/methods/resolve-config.js';
import type { PretrainConfig, PretrainInput } from '../../src/methods/config.js';

const dirs: string[] = [];
process.on('exit', () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A temp folder removed when the process exits. */
export function tempDir(prefix = 'medcl-train-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

export interface PhantomManifests {
  dir: string;
  xray: string;
  ct: string;
}

let phantoms: Promise<PhantomManifests> | null = null;

/** The `--small` X-ray and CT phantoms (8 patients / 26 X-rays of 64 px; 4 CT volumes of 24×48×48), seed 7. */
export function smallPhantoms(): Promise<PhantomManifests> {
  phantoms ??= (async () => {
    const dir = tempDir('medcl-phantoms-');
    const r = await writePhantoms({ out: dir, seed: 7, kinds: ['xray', 'ct'], sizes: 'small' });
    return { dir, xray: r.manifests.xray!, ct: r.manifests.ct! };
  })();
  return phantoms;
}

export { SMALL_SIZES };

const datasets = new Map<string, Promise<SliceDataset>>();

/**
 * The slice data set of the small phantoms for a preset (xray: the X-rays; ct-*: the CT volumes). On the CT phantoms
 * the central 30 % of every volume contains the liver (the default organ), so PolyCL-O needs another organ class
 * to have slices of both flags: `organClass` 4 (right kidney) gives both in every volume.
 */
export function phantomDataset(preset: SlicePreset, size = 32, organClass?: number): Promise<SliceDataset> {
  const key = `${preset}/${size}/${organClass}`;
  let p = datasets.get(key);
  if (!p) {
    p = (async () => {
      const m = await smallPhantoms();
      return buildSliceDataset(await loadManifest(preset === 'xray' ? m.xray : m.ct), { preset, size, organClass });
    })();
    datasets.set(key, p);
  }
  return p;
}

/** The preset a method's paper uses (its defaults), else xray. */
export function presetOf(method: string): SlicePreset {
  const cfg = resolvePretrainConfig({ method, data: 'unused', out: 'unused' });
  return cfg.preset;
}

/**
 * A tiny config for `method`: size 32, encoder widths [4, 8], batch 8, queue 16, 16-d projections, the method's
 * other defaults kept (PolyCL keeps InstanceNorm + LeakyReLU 0.2).
 */
export function tinyConfig(method: string, extra: Partial<PretrainInput> = {}): PretrainConfig {
  const base = resolvePretrainConfig({ method, data: 'unused', out: 'unused' });
  return resolvePretrainConfig({
    method,
    data: 'unused',
    out: 'unused',
    size: 32,
    batchSize: 8,
    queueSize: 16,
    projectionDim: 16,
    epochs: 2,
    ...extra,
    encoder: { ...base.encoder, widths: [4, 8], ...(extra.encoder ?? {}) },
  });
}

/**
 * A tiny pre-training input on the small X-ray phantoms: size 32, encoder widths [4, 8], 2 epochs of batch 8, a queue
 * of 16 keys of 16 dimensions; `extra` overrides.
 */
export async function tinyPretrainInput(
  method: string,
  out: string,
  extra: Partial<PretrainInput> = {},
): Promise<PretrainInput> {
  const { xray } = await smallPhantoms();
  return {
    method,
    data: xray,
    out,
    size: 32,
    epochs: 2,
    batchSize: 8,
    queueSize: 16,
    projectionDim: 16,
    encoder: { widths: [4, 8] },
    ...extra,
  };
}
