/**
 * Pre-training of a 2D method: the config resolved over the method's paper defaults, the slice data set, and the one
 * pre-training loop (src/train/pretrain-loop.ts: checkpoints, exact resume, JSONL log, NaN/Inf guard).
 *
 * Outputs in `out/`: config.json (the resolved config), log.jsonl, checkpoint.safetensors (everything needed to
 * resume), encoder.safetensors (the encoder weights fine-tuning loads), summary.json.
 */
import os from 'node:os';
import path from 'node:path';
import { manualSeed } from '../engine/index.js';
import { loadManifest } from '../io/manifest.js';
import { buildSliceDataset, type SliceDataset } from '../data/slice-dataset.js';
import { getSliceMethod } from '../methods/registry.js';
import type { MethodRun } from '../methods/method.js';
import type { PretrainConfig, PretrainInput } from '../methods/config.js';
import { resolvePretrainConfig } from '../methods/resolve-config.js';
import { runPretraining, type PretrainLoopResult } from './pretrain-loop.js';
import { openRunFolder, trainingRunSpec } from './run-folder.js';
import { checkGlobalBatch, onMainFirst, type DataParallelContext } from './distributed/context.js';
import { describePrecision, withResolvedPrecision, type WithPrecision } from '../engine/precision.js';
import { onDevice, withResolvedDevice } from '../engine/device.js';
import { resolveLoaderWorkers } from '../data/loader-pool.js';
import { DEFAULT_LOADER_CACHE_MIB } from '../data/slice-stream.js';
import { batchSamples } from '../methods/common.js';

export interface PretrainOptions {
  /** progress display (default: a bar on a terminal, lines otherwise) */
  progress?: 'bar' | 'lines' | 'quiet';
  /** stop (after checkpointing) once this many epochs are done in this call: simulates a kill for resume tests */
  stopAfterEpochs?: number;
  /** a data set already built for this config (tests, experiments): skips reading the manifest */
  dataset?: SliceDataset;
  /** start afresh in a folder holding another run: its outputs are moved to previous/<time>/ (run-folder.ts) */
  restart?: boolean;
  /**
   * data-parallel training (docs/distributed.md): this rank's group. `batchSize` stays the global batch (each rank
   * takes batchSize / worldSize of it), so a config trains the same on any number of ranks; rank 0 writes.
   */
  parallel?: DataParallelContext | null;
}

export interface PretrainResult extends PretrainLoopResult {
  out: string;
  config: PretrainConfig;
}

/** Pre-trains a 2D method on the slices of `input.data`; resumes from out/checkpoint.safetensors. */
export async function pretrain(input: PretrainInput, options: PretrainOptions = {}): Promise<PretrainResult> {
  // the device first, before any work (a CUDA device this libtorch lacks is refused here), then the precision on it
  const resolved = withResolvedDevice(resolvePretrainConfig(input));
  const cfg = withResolvedPrecision(resolved, resolved.device);
  const parallel = options.parallel ?? null;
  checkGlobalBatch('pretrain', cfg.batchSize, parallel);
  // made, locked for this run, checked against the run it resumes, config.json written (run-folder.ts); by rank 0
  // alone, before the other ranks look into it
  using _folder = onMainFirst(parallel, () =>
    openRunFolder(cfg.out, trainingRunSpec('pretrain', cfg, { restart: options.restart })),
  );
  const out = path.resolve(cfg.out);
  if (options.progress !== 'quiet' && (!parallel || parallel.rank === 0))
    process.stderr.write(
      `pretrain ${cfg.method}: device ${cfg.device}, ${describePrecision(cfg.precision, cfg.device)}\n`,
    );

  const workers = resolveLoaderWorkers(cfg.loaderWorkers);
  const dataset =
    options.dataset ??
    (await buildSliceDataset(await loadManifest(cfg.data), {
      preset: cfg.preset,
      size: cfg.size,
      spacing: cfg.spacing,
      items: cfg.items,
      cacheDir: cfg.cacheDir ?? path.join(os.tmpdir(), 'medcl-cache'),
      loaderWorkers: workers,
      ...(workers > 0 ? { stream: { capMiB: cfg.loaderCacheMiB ?? DEFAULT_LOADER_CACHE_MIB } } : {}),
    }));
  try {
    return { out, config: cfg, ...(await pretrainOn(dataset, cfg, out, options)) };
  } finally {
    // a data set built here streams from worker threads: end them (one passed in belongs to the caller)
    if (!options.dataset) await dataset.close();
  }
}

async function pretrainOn(
  dataset: SliceDataset,
  cfg: WithPrecision<PretrainConfig>,
  out: string,
  options: PretrainOptions,
): Promise<PretrainLoopResult> {
  const parallel = options.parallel ?? null;
  manualSeed(cfg.seed);
  // modules and queues built on the run's device
  const run: MethodRun = onDevice(cfg.device, () =>
    getSliceMethod(cfg.method).create({ dataset, config: cfg, ...(parallel ? { group: parallel.group } : {}) }),
  );
  if (run.sampler.epoch(0).length === 0)
    throw new Error(`pretrain: the ${run.sampler.name} sampler made no batch from ${dataset.length} samples`);
  return runPretraining(out, cfg, run, {
    progress: options.progress,
    stopAfterEpochs: options.stopAfterEpochs,
    parallel,
    loader: dataset.batchLoader(batchSamples),
  });
}
