/**
 * The experiment's whole configuration, resolved and validated before any work: the architecture (one for every
 * method, architecture.ts), the fine-tuning config (a paper's recipe under the user's `finetune`, with the
 * experiment's model, encoder and selection rule), and every method's pre-training config (registry name checked,
 * the method's defaults applied, backbone and encoder of the experiment). A typo in the fifth method fails here,
 * naming it, before the first method pre-trains.
 */
import path from 'node:path';
import { getSliceMethod } from '../methods/registry.js';
import { resolvePretrainConfig } from '../methods/resolve-config.js';
import { parseFinetuneConfig, type FinetuneConfig } from '../train/finetune.js';
import { FINETUNE_RECIPES } from '../train/finetune-recipes.js';
import type { PretrainConfig, PretrainInput } from '../methods/config.js';
import { resolvePrecision, type PrecisionSetting } from '../engine/precision.js';
import { resolveDevice } from '../engine/device.js';
import { parseExperimentConfig, type ExperimentConfig } from './config.js';
import { resolveArchitecture, type Architecture } from './architecture.js';

export interface ExperimentPlan {
  cfg: ExperimentConfig;
  arch: Architecture;
  /** the fine-tuning config of every cell, but for `init` (the method's encoder) and `seed` (seed + fold) */
  finetune: FinetuneConfig;
  /** each pre-trained method's resolved config (out and seed are set per run) */
  pretrain: Map<string, PretrainConfig>;
}

export const RANDOM = 'random';

/** the pre-training config of one run of `method` */
export function pretrainInputFor(
  plan: Pick<ExperimentPlan, 'cfg' | 'arch'>,
  method: string,
  run: { out: string; seed: number; cacheDir: string },
): PretrainInput {
  const { cfg, arch } = plan;
  return {
    ...(cfg.pretrain as object),
    ...(cfg.methodOverrides[method] ?? {}),
    method,
    data: cfg.pretrainData ?? cfg.data,
    out: run.out,
    preset: cfg.preset,
    size: cfg.size,
    ...(cfg.spacing !== undefined ? { spacing: cfg.spacing } : {}),
    seed: run.seed,
    cacheDir: run.cacheDir,
    backbone: arch.backbone,
    encoder: arch.encoder,
  } as PretrainInput;
}

/** 'auto' -> this machine's precision on the experiment's device, once per stage for the whole experiment (written into config.json) */
function resolvePrecisions(cfg: ExperimentConfig): void {
  for (const stage of ['pretrain', 'finetune'] as const) {
    const rec = cfg[stage];
    try {
      rec['precision'] = resolvePrecision(rec['precision'] as PrecisionSetting | undefined, cfg.device).precision;
    } catch (e) {
      throw new Error(`experiment: ${stage}.precision: ${(e as Error).message}`);
    }
  }
}

/** the experiment's device, resolved once and given to both stages (a stage's own device must be the same) */
function resolveDevices(cfg: ExperimentConfig): void {
  cfg.device = resolveDevice(cfg.device, { field: 'experiment: device' });
  for (const stage of ['pretrain', 'finetune'] as const) {
    const rec = cfg[stage];
    const own = rec['device'];
    if (own !== undefined && resolveDevice(String(own), { field: `experiment: ${stage}.device` }) !== cfg.device)
      throw new Error(
        `experiment: ${stage}.device ${JSON.stringify(own)} disagrees with the experiment's device '${cfg.device}'; ` +
          "set the experiment's device and leave the stages' unset",
      );
    rec['device'] = cfg.device;
  }
}

function resolveFinetune(cfg: ExperimentConfig, arch: Architecture): FinetuneConfig {
  const selection = cfg.selection === 'last' ? 'last' : 'best-validation';
  const given = cfg.finetune['selection'];
  if (given !== undefined && given !== selection)
    throw new Error(
      `experiment: finetune.selection ${JSON.stringify(given)} disagrees with the experiment's selection ` +
        `'${cfg.selection}'; set the experiment's selection ('last' or 'inner-validation') and leave finetune.selection unset`,
    );
  for (const k of ['init', 'seed'] as const) {
    if (cfg.finetune[k] !== undefined)
      throw new Error(`experiment: finetune.${k}: set by the experiment per cell (the method's encoder; seed + fold)`);
  }
  const recipe = cfg.finetuneRecipe ? FINETUNE_RECIPES[cfg.finetuneRecipe] : {};
  const { encoder: _e, model: _m, ...user } = cfg.finetune;
  return parseFinetuneConfig(
    { ...recipe, ...user, model: arch.model, encoder: arch.encoder, selection },
    'experiment finetune',
  );
}

function resolvePretrains(cfg: ExperimentConfig, arch: Architecture): Map<string, PretrainConfig> {
  const out = new Map<string, PretrainConfig>();
  for (const [i, method] of cfg.methods.entries()) {
    if (method === RANDOM) continue;
    const where = `experiment: methods[${i}] "${method}"`;
    try {
      getSliceMethod(method);
    } catch (e) {
      throw new Error(`${where}: ${(e as Error).message}`);
    }
    const run = { out: path.join(cfg.out, 'pretrain', method), seed: cfg.seed, cacheDir: cfg.cacheDir ?? '' };
    try {
      out.set(method, resolvePretrainConfig(pretrainInputFor({ cfg, arch }, method, run)));
    } catch (e) {
      throw new Error(`${where}: ${(e as Error).message}`);
    }
  }
  return out;
}

/** Parses and resolves everything; throws at the first configuration problem, naming its field or method. */
export function planExperiment(input: unknown): ExperimentPlan {
  const cfg = parseExperimentConfig(input);
  resolveDevices(cfg);
  resolvePrecisions(cfg);
  const arch = resolveArchitecture(cfg);
  const finetune = resolveFinetune(cfg, arch);
  const pretrain = resolvePretrains(cfg, arch);
  return { cfg, arch, finetune, pretrain };
}

/** config.json: the experiment config with the resolved fine-tuning config and architecture written in */
export function resolvedConfigJson(plan: ExperimentPlan): Record<string, unknown> {
  const { cfg, arch, finetune } = plan;
  const { init: _i, seed: _s, ...ft } = finetune;
  return {
    ...cfg,
    backbone: arch.backbone,
    pretrain: { ...cfg.pretrain, encoder: arch.encoder },
    finetune: ft,
    ...(cfg.selection === 'inner-validation' && cfg.validationPatients === undefined
      ? { validationFraction: cfg.validationFraction ?? DEFAULT_VALIDATION_FRACTION }
      : {}),
  };
}

export const DEFAULT_VALIDATION_FRACTION = 0.2;
