/**
 * The one pre-training loop, for every method (2D slices and DrasCLR's landmark patches alike): a method's steps,
 * SGD/Adam with the paper's schedule, atomic checkpoints every N epochs, exact resume (the same loss curve after a
 * kill and a resume: every step's augmentation and dropout draw from a seed fixed by (seed, epoch, batch), and the
 * sampler is a pure function of (seed, epoch)), a progress bar, a JSONL log truncated back to the checkpoint on
 * resume, and a NaN/Inf guard that stops with the last good checkpoint. Data-parallel (docs/distributed.md): the
 * same loop on every rank, with `ParallelTraining`'s hooks (sharded sampler, per-rank seeds, rank 0's state copied
 * after a resume, gradients averaged after the backward, the logged loss averaged) and rank 0 alone writing.
 *
 * Writes into `out/`: log.jsonl, checkpoint.safetensors (everything needed to resume), encoder.safetensors (the
 * encoder weights fine-tuning loads), summary.json. The caller writes config.json (src/train/run-folder.ts).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadCheckpoint, manualSeed, optim, saveSafetensors, tidy, type Tensor } from '../engine/index.js';
import { autocastScope, type Precision } from '../engine/precision.js';
import { onDevice } from '../engine/device.js';
import type { MethodRun } from '../methods/method.js';
import type { Batch } from '../samplers/sampler.js';
import { Rng } from '../util/rng.js';
import { ModuleBundle, JsonlLog, checkedLoss, stepSeed } from './run-state.js';
import type { DataParallelContext } from './distributed/context.js';
import { ParallelTraining } from './distributed/parallel-training.js';
import { Progress } from './progress.js';
import { writeJson } from './run-folder.js';
import { saveGoodCheckpoint } from './state-guard.js';
import type { BatchLoader } from '../data/batch-loader.js';
import { DEFAULT_PREFETCH_DEPTH, epochBatches, PrefetchWindow } from './prefetch-window.js';

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

function buildOptimizer(cfg: LoopSettings, params: Tensor[]): optim.Optimizer<{ lr: number }> {
  if (cfg.optimizer === 'adam') return new optim.Adam(params, { lr: cfg.lr, weightDecay: cfg.weightDecay });
  return new optim.SGD(params, { lr: cfg.lr, momentum: cfg.momentum, weightDecay: cfg.weightDecay });
}

function buildScheduler(
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

/** Where a run stands: its modules, optimiser, schedule, log and position. */
interface LoopState<B extends Batch<unknown>> {
  cfg: LoopSettings;
  run: MethodRun<B, never[]>;
  /** the run's sampler, sharded over the ranks */
  sampler: { epoch(e: number): B[] };
  pt: ParallelTraining;
  trained: ModuleBundle;
  all: ModuleBundle;
  opt: optim.Optimizer<{ lr: number }>;
  sched: optim.LRScheduler;
  log: JsonlLog;
  ckptFile: string;
  epoch: number;
  step: number;
  lastCheckpoint: string | null;
  /** the step running, for an error of the collectives */
  where: string;
}

/**
 * Loads the checkpoint into the state. The checkpoint gives the optimiser's STATE (momentum buffers, step counts) and
 * the schedule's position; its hyper-parameters (lr, momentum, weight decay) come from this call's config, so that a
 * run stopped by the NaN guard can be resumed with a lower lr, as the guard's message says.
 */
function resume<B extends Batch<unknown>>(s: LoopState<B>): void {
  const ck = loadCheckpoint(s.ckptFile);
  s.all.loadStateDict(ck.model);
  const hyper = s.opt.groups.map(({ params: _params, ...h }) => h);
  if (ck.optimizer) s.opt.loadStateDict(ck.optimizer);
  s.opt.groups.forEach((g, i) => Object.assign(g, hyper[i]));
  if (ck.scheduler) s.sched.loadStateDict({ t: ck.scheduler.t, baseLrs: [...s.sched.baseLrs] });
  s.run.loadStateTensors?.(ck.tensors);
  const extra = ck.extra as { epoch: number; step: number; worldSize?: number };
  s.pt.checkResume(s.ckptFile, extra.worldSize);
  s.epoch = extra.epoch;
  s.step = extra.step;
  if (s.pt.isMain) s.log.truncateAfter(s.step);
}

function writeCheckpoint<B extends Batch<unknown>>(s: LoopState<B>, epoch: number): void {
  if (!s.pt.isMain) return;
  saveGoodCheckpoint(s.ckptFile, {
    model: s.all,
    optimizer: s.opt,
    scheduler: s.sched,
    tensors: s.run.stateTensors?.(),
    extra: { epoch, step: s.step, method: s.cfg.method, worldSize: s.pt.worldSize },
  });
  s.lastCheckpoint = s.ckptFile;
}

/**
 * One step: forward in the run's precision, the NaN guard, backward, gradients averaged over the ranks, the
 * optimiser, the method's after-step. The loss and images returned are the global batch's.
 */
function trainStep<B extends Batch<unknown>>(s: LoopState<B>, epoch: number, batch: B) {
  s.where = `epoch ${epoch}, batch ${batch.index}`;
  const seed = s.pt.seed(stepSeed(s.cfg.seed, epoch, batch.index));
  manualSeed(seed);
  const rng = new Rng(seed);
  const t0 = performance.now();
  s.pt.beforeForward();
  const device = s.cfg.device ?? 'cpu';
  const record = tidy(() => {
    // every tensor the step makes (its batch, masks, labels) is made on the run's device
    const o = onDevice(device, () => autocastScope(s.cfg.precision, () => s.run.step(batch, rng), device));
    const value = checkedLoss(o.loss, epoch, batch.index, s.lastCheckpoint);
    s.opt.zeroGrad();
    o.loss.backward();
    return { value, images: o.images, anchors: o.anchors, skipped: o.skipped, log: o.log };
  });
  s.pt.afterBackward();
  // the lr this step used (the scheduler's step below sets the next one)
  const lr = s.opt.groups[0]!.lr;
  s.opt.step();
  s.sched.step();
  if (s.run.afterStep) onDevice(device, () => s.run.afterStep!());
  s.step++;
  const seconds = (performance.now() - t0) / 1000;
  // the methods that gather compute the global loss on every rank; a local loss (rotation) is averaged
  const value = s.pt.mean(record.value);
  return { ...record, value, images: record.images * s.pt.worldSize, lr, seconds };
}

/** Runs (or resumes) the pre-training of `run` with its results in `out`; see the file's comment. */
export async function runPretraining<B extends Batch<unknown>>(
  out: string,
  cfg: LoopSettings,
  run: MethodRun<B, never[]>,
  options: PretrainLoopOptions<B> = {},
): Promise<PretrainLoopResult> {
  const trained = new ModuleBundle(run.modules);
  const all = new ModuleBundle({ ...run.modules, ...(run.frozen ?? {}) });
  // on the run's device before the optimiser sees the parameters (in place: references stay valid)
  all.to({ device: cfg.device ?? 'cpu' });
  const pt = new ParallelTraining(options.parallel ?? null, trained, all);
  const sampler = pt.sampler(run.sampler);
  const stepsPerEpoch = sampler.epoch(0).length;
  if (stepsPerEpoch === 0) throw new Error(`pretrain: the ${run.sampler.name} sampler made no batch`);
  const opt = buildOptimizer(cfg, trained.parameters());
  const ckptFile = path.join(out, 'checkpoint.safetensors');
  const sched = buildScheduler(cfg, opt, stepsPerEpoch);
  const log = new JsonlLog(path.join(out, 'log.jsonl'));
  const s: LoopState<B> = {
    cfg,
    run,
    sampler,
    pt,
    trained,
    all,
    opt,
    sched,
    log,
    ckptFile,
    epoch: 0,
    step: 0,
    lastCheckpoint: null,
    where: 'the start',
  };
  let resumedFrom: number | null = null;
  if (existsSync(ckptFile)) {
    resume(s);
    resumedFrom = s.epoch;
    s.lastCheckpoint = ckptFile;
    if (pt.isMain) options.log?.(`resumed from ${ckptFile} at epoch ${s.epoch} (step ${s.step})`);
  } else if (pt.isMain) s.log.truncateAfter(-1);
  // every rank from rank 0's state (and the same resume step)
  pt.start(resumedFrom === null ? -1 : s.step);
  const losses: number[] = [];
  const result = (epochsDone: number, encoder: string): PretrainLoopResult => {
    return { epochsDone, steps: s.step, losses, checkpoint: ckptFile, encoder, resumedFrom };
  };
  const stoppedAt = await runEpochs(s, losses, options);
  if (stoppedAt !== null) return result(stoppedAt, '');
  return result(cfg.epochs, writeOutputs(out, s, losses, options));
}

/** The epochs from the state's position on; the epoch count when `stopAfterEpochs` stopped them, else null. */
async function runEpochs<B extends Batch<unknown>>(
  s: LoopState<B>,
  losses: number[],
  options: PretrainLoopOptions<B>,
): Promise<number | null> {
  const progress = new Progress(`pretrain ${s.cfg.method}`, s.pt.isMain ? options.progress : 'quiet');
  const total = s.cfg.epochs * s.sampler.epoch(0).length;
  const rateKey = options.rateKey ?? 'imagesPerSec';
  progress.start(total, s.step);
  let epochsThisCall = 0;
  const batchesOf = epochBatches((e) => s.sampler.epoch(e));
  function* future(): Generator<B> {
    for (let e = s.epoch; e < s.cfg.epochs; e++) yield* batchesOf(e);
  }
  const loader = options.loader ?? null;
  const window = loader ? new PrefetchWindow(loader, options.prefetchDepth ?? DEFAULT_PREFETCH_DEPTH, future()) : null;
  try {
    for (let epoch = s.epoch; epoch < s.cfg.epochs; epoch++) {
      s.trained.train();
      for (const batch of batchesOf(epoch)) {
        await window?.ready(batch);
        const r = trainStep(s, epoch, batch);
        window?.done(batch);
        losses.push(r.value);
        const perSec = r.images / r.seconds;
        if (s.pt.isMain)
          s.log.append({
            step: s.step,
            epoch,
            batch: batch.index,
            loss: r.value,
            ...(r.anchors !== undefined ? { anchors: r.anchors, skipped: r.skipped } : {}),
            ...r.log,
            lr: r.lr,
            [rateKey]: perSec,
          });
        progress.update({ step: s.step, total, epoch, loss: r.value, lr: r.lr, imagesPerSec: perSec });
        // let timers, signals and GC finalizers run between steps
        await new Promise((resolve) => setImmediate(resolve));
      }
      epochsThisCall++;
      const last = epoch + 1 === s.cfg.epochs;
      const stopping = epochsThisCall === options.stopAfterEpochs;
      if ((epoch + 1) % s.cfg.checkpointEvery === 0 || last || stopping) writeCheckpoint(s, epoch + 1);
      if (stopping && !last) return epoch + 1;
    }
  } catch (e) {
    throw s.pt.explain(e, s.where);
  } finally {
    window?.close();
    progress.stop();
  }
  return null;
}

function lastLoggedLoss(log: JsonlLog): number | null {
  const loss = log.read().at(-1)?.['loss'];
  return typeof loss === 'number' ? loss : null;
}

/** encoder.safetensors and summary.json of a finished run (rank 0 writes them); returns the encoder file. */
function writeOutputs<B extends Batch<unknown>>(
  out: string,
  s: LoopState<B>,
  losses: readonly number[],
  options: PretrainLoopOptions<B>,
): string {
  const encoderFile = path.join(out, 'encoder.safetensors');
  if (!s.pt.isMain) return encoderFile;
  saveSafetensors(encoderFile, s.run.modules['encoder']!.stateDict(), {
    method: s.cfg.method,
    ...options.encoderMetadata,
    source: s.ckptFile,
  });
  // a re-run of a finished run trains no step: its final loss is the log's last one
  const finalLoss = losses.at(-1) ?? lastLoggedLoss(s.log);
  const summary = { method: s.cfg.method, epochs: s.cfg.epochs, steps: s.step, finalLoss };
  writeJson(path.join(out, 'summary.json'), { ...summary, ...options.summary });
  return encoderFile;
}
