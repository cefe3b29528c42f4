/**
 * The one run loader: the encoder of a finished pre-training run (src/train/pretrain-loop.ts writes `config.json`
 * and `encoder.safetensors` into the run's folder), rebuilt with the run's architecture and its weights loaded, in
 * eval mode. 2D runs (`loadRunEncoder`): the encoder the run's method pre-trains (its definition's `encoder` field:
 * methodEncoder), as the method itself builds it. DrasCLR runs (`loadDrasclrRun`): the query network
 * f_q (Loc-CondConv encoder + projection head) of the run's config, and its prepared patches (`prepareRunData`).
 *
 * ```ts
 * const { encoder, config } = loadRunEncoder('runs/pcl');
 * const ds = await buildSliceDataset(await loadManifest(config.data), { preset: config.preset, size: config.size });
 * ```
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadSafetensors, type nn } from '../engine/index.js';
import { loadManifest, type Manifest } from '../io/manifest.js';
import { prepareLandmarkPatches, type PreparedData } from '../data/landmark-prepare.js';
import { methodEncoder } from '../methods/common.js';
import { getSliceMethod } from '../methods/registry.js';
import { buildDrasclrEncoder } from '../methods/drasclr.js';
import { parsePretrainConfig, type PretrainConfig } from '../methods/config.js';
import { parseDrasclrConfig, type DrasclrConfig } from '../methods/drasclr-config.js';
import type { BackboneEncoder } from '../models/backbones.js';
import type { DrasclrEncoder } from '../models/drasclr-encoder.js';

/** A run's encoder and config; `dir`, `configFile` and `weightsFile` are absolute. */
export interface LoadedRun<E, C> {
  encoder: E;
  config: C;
  dir: string;
  configFile: string;
  weightsFile: string;
}

export type RunEncoder = LoadedRun<BackboneEncoder, PretrainConfig>;
export type DrasclrRunFiles = LoadedRun<DrasclrEncoder, DrasclrConfig>;

/** How a kind of run is read: its config parser, its encoder, and the words errors use. */
interface RunKind<E extends nn.Module, C> {
  /** the errors' prefix */
  who: string;
  parse(raw: unknown, file: string): C;
  build(config: C): E;
  /** 'the encoder', 'the pcl encoder', ... */
  encoderName(config: C): string;
}

/** Rebuilds a run's encoder from `dir/config.json` and `dir/encoder.safetensors`; failures name the file. */
function loadRun<E extends nn.Module, C>(dir: string, kind: RunKind<E, C>): LoadedRun<E, C> {
  const runDir = path.resolve(dir);
  const configFile = path.join(runDir, 'config.json');
  const weightsFile = path.join(runDir, 'encoder.safetensors');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(configFile, 'utf8'));
  } catch (e) {
    throw new Error(`${kind.who}: ${configFile}: cannot read the run's config: ${(e as Error).message}`);
  }
  const config = kind.parse(raw, configFile);
  const encoder = kind.build(config);
  const { tensors } = loadSafetensors(weightsFile);
  try {
    encoder.loadStateDict(tensors);
  } catch (e) {
    throw new Error(
      `${kind.who}: ${weightsFile} does not fit ${kind.encoderName(config)} of ${configFile}: ${(e as Error).message}`,
    );
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
  encoder.eval();
  return { encoder, config, dir: runDir, configFile, weightsFile };
}

const SLICE_RUN: RunKind<BackboneEncoder, PretrainConfig> = {
  who: 'run',
  parse: parsePretrainConfig,
  build: (config) => methodEncoder(getSliceMethod(config.method), config),
  encoderName: (config) => `the ${config.method} encoder`,
};

const DRASCLR_RUN: RunKind<DrasclrEncoder, DrasclrConfig> = {
  who: 'drasclr run',
  parse: parseDrasclrConfig,
  build: buildDrasclrEncoder,
  encoderName: () => 'the encoder',
};

/** The encoder of a 2D method's run (`pretrain`). */
export function loadRunEncoder(dir: string): RunEncoder {
  return loadRun(dir, SLICE_RUN);
}

/** The query encoder (and projection head) of a DrasCLR run (`pretrainDrasclr`). */
export function loadDrasclrRun(dir: string): DrasclrRunFiles {
  return loadRun(dir, DRASCLR_RUN);
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
