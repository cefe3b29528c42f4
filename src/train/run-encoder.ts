/**
 * The encoder f of a finished pre-training run (src/train/pretrain.ts writes `config.json` and
 * `encoder.safetensors` into its output folder), rebuilt with the run's architecture and its weights loaded, in eval
 * mode: the encoder the run's method pre-trains (its definition's `encoder` field: methodEncoder), as the method
 * itself builds it.
 *
 * ```ts
 * const { encoder, config } = loadRunEncoder('runs/pcl');
 * const ds = await buildSliceDataset(await loadManifest(config.data), { preset: config.preset, size: config.size });
 * ```
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadSafetensors } from '../engine/index.js';
import { methodEncoder } from '../methods/common.js';
import { getMethod } from '../methods/registry.js';
import type { BackboneEncoder } from '../models/backbones.js';
import { parsePretrainConfig, type PretrainConfig } from './config.js';

export interface RunEncoder {
  encoder: BackboneEncoder;
  config: PretrainConfig;
  /** the run folder, its config.json and encoder.safetensors (absolute) */
  dir: string;
  configFile: string;
  weightsFile: string;
}

/** Rebuilds a run's encoder from `dir/config.json` and `dir/encoder.safetensors`; failures name the file. */
export function loadRunEncoder(dir: string): RunEncoder {
  const runDir = path.resolve(dir);
  const configFile = path.join(runDir, 'config.json');
  const weightsFile = path.join(runDir, 'encoder.safetensors');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(configFile, 'utf8'));
  } catch (e) {
    throw new Error(`run: ${configFile}: cannot read the run's config: ${(e as Error).message}`);
  }
  const config = parsePretrainConfig(raw, configFile);
  const encoder = methodEncoder(getMethod(config.method), config);
  const { tensors } = loadSafetensors(weightsFile);
  try {
    encoder.loadStateDict(tensors);
  } catch (e) {
    throw new Error(
      `run: ${weightsFile} does not fit the ${config.method} encoder of ${configFile}: ${(e as Error).message}`,
    );
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
  encoder.eval();
  return { encoder, config, dir: runDir, configFile, weightsFile };
}
