/**
 * Where a pre-training run stands (its modules, optimiser, schedule, log and position), built for a call of the loop,
 * and its checkpoint: written atomically by rank 0 (every N epochs), and loaded back for an exact resume.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadCheckpoint, type optim } from '../engine/index.js';
import type { MethodRun } from '../methods/method.js';
import type { Batch } from '../samplers/sampler.js';
import { ModuleBundle, JsonlLog } from './run-state.js';
import type { DataParallelContext } from './distributed/context.js';
import { ParallelTraining } from './distributed/parallel-training.js';
import { saveGoodCheckpoint } from './state-guard.js';
import { buildOptimizer, buildScheduler, type LoopSettings } from './pretrain-settings.js';

/** Where a run stands: its modules, optimiser, schedule, log and position. */
export interface LoopState<B extends Batch<unknown>> {
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

/** A fresh state for `run` writing into `out` (at epoch 0: `resumeIfCheckpointed` moves it on). */
export function createLoopState<B extends Batch<unknown>>(
  out: string,
  cfg: LoopSettings,
  run: MethodRun<B, never[]>,
  parallel: DataParallelContext | null,
): LoopState<B> {
  const trained = new ModuleBundle(run.modules);
  const all = new ModuleBundle({ ...run.modules, ...(run.frozen ?? {}) });
  // on the run's device before the optimiser sees the parameters (in place: references stay valid)
  all.to({ device: cfg.device ?? 'cpu' });
  const pt = new ParallelTraining(parallel, trained, all);
  const sampler = pt.sampler(run.sampler);
  const stepsPerEpoch = sampler.epoch(0).length;
  if (stepsPerEpoch === 0) throw new Error(`pretrain: the ${run.sampler.name} sampler made no batch`);
  const opt = buildOptimizer(cfg, trained.parameters());
  return {
    cfg,
    run,
    sampler,
    pt,
    trained,
    all,
    opt,
    sched: buildScheduler(cfg, opt, stepsPerEpoch),
    log: new JsonlLog(path.join(out, 'log.jsonl')),
    ckptFile: path.join(out, 'checkpoint.safetensors'),
    epoch: 0,
    step: 0,
    lastCheckpoint: null,
    where: 'the start',
  };
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

/**
 * Resumes from the run folder's checkpoint if there is one (returning the epoch it resumes at), else starts the log
 * afresh (returning null); then every rank takes rank 0's state (and the same resume step).
 */
export function resumeIfCheckpointed<B extends Batch<unknown>>(
  s: LoopState<B>,
  say?: (line: string) => void,
): number | null {
  let resumedFrom: number | null = null;
  if (existsSync(s.ckptFile)) {
    resume(s);
    resumedFrom = s.epoch;
    s.lastCheckpoint = s.ckptFile;
    if (s.pt.isMain) say?.(`resumed from ${s.ckptFile} at epoch ${s.epoch} (step ${s.step})`);
  } else if (s.pt.isMain) s.log.truncateAfter(-1);
  s.pt.start(resumedFrom === null ? -1 : s.step);
  return resumedFrom;
}

/** Rank 0 writes the checkpoint of the state after `epoch` epochs (the other ranks write nothing). */
export function writeCheckpoint<B extends Batch<unknown>>(s: LoopState<B>, epoch: number): void {
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
