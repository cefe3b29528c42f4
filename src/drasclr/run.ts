/**
 * A finished DrasCLR pre-training run (src/drasclr/pretrain.ts writes `config.json`, `encoder.safetensors` and
 * `landmarks.json` into its folder): the query encoder rebuilt with the run's architecture and weights, in eval
 * mode, and the run's prepared patches (read from the preparation cache, so nothing is registered twice).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadSafetensors } from '../engine/index.js';
import { loadManifest, type Manifest } from '../io/manifest.js';
import { buildDrasclrEncoder } from '../methods/drasclr.js';
import type { DrasclrEncoder } from '../models/drasclr-encoder.js';
import { parseDrasclrConfig, type DrasclrConfig } from './config.js';
import { prepareLandmarkPatches, type PreparedData } from './prepare.js';

export interface DrasclrRunFiles {
  encoder: DrasclrEncoder;
  config: DrasclrConfig;
  /** the run folder, its config.json and encoder.safetensors (absolute) */
  dir: string;
  configFile: string;
  weightsFile: string;
}

/** Rebuilds a DrasCLR run's encoder (and projection head) from `dir`; failures name the file. */
export function loadDrasclrRun(dir: string): DrasclrRunFiles {
  const runDir = path.resolve(dir);
  const configFile = path.join(runDir, 'config.json');
  const weightsFile = path.join(runDir, 'encoder.safetensors');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(configFile, 'utf8'));
  } catch (e) {
    throw new Error(`drasclr run: ${configFile}: cannot read the run's config: ${(e as Error).message}`);
  }
  const config = parseDrasclrConfig(raw, configFile);
  const encoder = buildDrasclrEncoder(config);
  const { tensors } = loadSafetensors(weightsFile);
  try {
    encoder.loadStateDict(tensors);
  } catch (e) {
    throw new Error(`drasclr run: ${weightsFile} does not fit the encoder of ${configFile}: ${(e as Error).message}`);
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
  encoder.eval();
  return { encoder, config, dir: runDir, configFile, weightsFile };
}

/**
 * The run's prepared patches (same atlas, landmarks, transforms; from the run's cache unless `cacheDir` is given).
 * `manifest` defaults to the run's `data`.
 */
export async function prepareRunData(
  run: Pick<DrasclrRunFiles, 'config' | 'dir'>,
  options: { manifest?: Manifest; cacheDir?: string; log?: (line: string) => void } = {},
): Promise<PreparedData & { manifest: Manifest }> {
  const manifest = options.manifest ?? (await loadManifest(run.config.data));
  const prepared = await prepareLandmarkPatches(manifest, run.config, {
    cacheDir: options.cacheDir ?? run.config.cacheDir ?? path.join(run.dir, 'cache'),
    log: options.log,
  });
  return { ...prepared, manifest };
}
