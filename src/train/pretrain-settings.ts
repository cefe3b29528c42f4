/**
 * What the one pre-training loop (pretrain-loop.ts) is told: the settings it reads from a run's config, the options
 * of a call, what it returns, and the optimiser and learning-rate schedule the settings name.
 */
import { optim, type Tensor } from '../engine/index.js';
import type { Precision } from '../engine/precision.js';
import type { BatchLoader } from '../data/batch-loader.js';
import type { DataParallelContext } from './distributed/context.js';

/** The settings the loop reads; the 2D and the DrasCLR configs both have them (DrasCLR: SGD, cosine). */
export interface LoopSettings {
  method: string;
  seed: number;
  epochs: number;
  checkpointEvery: number;
  precision: Precision;
  /** the resolved device (src/engine/device.ts; default 'cpu'): modules, steps and queues live there */
  device?: string;
  lr: number;
  momentum: number;
  weightDecay: number;
  warmupEpochs: number;
  /** default 'sgd' */
  optimizer?: 'sgd' | 'adam';
  /** default 'cosine-warmup' */
  schedule?: 'cosine-warmup' | 'cosine-restarts' | 'constant';
  restartEpochs?: number;
}

export interface PretrainLoopOptions<B = unknown> {
  /** progress display (default: a bar on a terminal, lines otherwise) */
  progress?: 'bar' | 'lines' | 'quiet';
  /** stop (after checkpointing) once this many epochs are done in this call: simulates a kill for resume tests */
  stopAfterEpochs?: number;
  /** the log's name for the step's throughput (default 'imagesPerSec'; DrasCLR: 'patchesPerSec') */
  rateKey?: string;
  /** metadata of encoder.safetensors beyond the method and the checkpoint it comes from */
  encoderMetadata?: Record<string, string>;
  /** fields of summary.json beyond the method, epochs, steps and final loss */
  summary?: Record<string, unknown>;
  /** where the loop says that it resumed (default: nowhere) */
  log?: (line: string) => void;
  /**
   * data-parallel training: this rank's group (the method was created with it). The sampler's batches are global
   * batches, each rank takes its shard; rank 0 alone writes the log, checkpoints and outputs.
   */
  parallel?: DataParallelContext | null;
  /**
   * the loader of a data set that streams its data (docs/data-loading.md): each step's batch is loaded
   * `prefetchDepth` steps ahead (default 3) and the step waits only for what is not ready yet
   */
  loader?: BatchLoader<B> | null;
  prefetchDepth?: number;
}

export interface PretrainLoopResult {
  epochsDone: number;
  steps: number;
  /** the losses of the steps run in this call */
  losses: number[];
  checkpoint: string;
  /** '' when the run stopped early (stopAfterEpochs) */
  encoder: string;
  resumedFrom: number | null;
}

export function buildOptimizer(cfg: LoopSettings, params: Tensor[]): optim.Optimizer<{ lr: number }> {
  if (cfg.optimizer === 'adam') return new optim.Adam(params, { lr: cfg.lr, weightDecay: cfg.weightDecay });
  return new optim.SGD(params, { lr: cfg.lr, momentum: cfg.momentum, weightDecay: cfg.weightDecay });
}

export function buildScheduler(
  cfg: LoopSettings,
  opt: optim.Optimizer<{ lr: number }>,
  stepsPerEpoch: number,
): optim.LRScheduler {
  const total = cfg.epochs * stepsPerEpoch;
  if (cfg.schedule === 'constant') return new optim.ConstantLR(opt);
  if (cfg.schedule === 'cosine-restarts')
    return new optim.CosineWarmRestarts(opt, { period0: (cfg.restartEpochs ?? 10) * stepsPerEpoch });
  return new optim.CosineWithWarmup(opt, {
    warmupSteps: Math.min(cfg.warmupEpochs * stepsPerEpoch, total),
    totalSteps: total,
  });
}
