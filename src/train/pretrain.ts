/**
 * The pre-training loop: seeded data, a method's steps, SGD/Adam with the paper's schedule, atomic checkpoints every
 * N epochs, exact resume (the same loss curve after a kill and a resume: every step's augmentation and dropout draw
 * from a seed fixed by (seed, epoch, batch), and the sampler is a pure function of (seed, epoch)), a progress bar,
 * a JSONL log, and a NaN/Inf guard that stops with the last good checkpoint.
 *
 * Outputs in `out/`: config.json (the resolved config), log.jsonl, checkpoint.safetensors (everything needed to
 * resume), encoder.safetensors (the encoder weights fine-tuning loads), summary.json.
 */
import { existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadCheckpoint, manualSeed, optim, saveSafetensors, tidy, type Tensor } from '../engine/index.js';
import { loadManifest } from '../io/manifest.js';
import { buildSliceDataset, type SliceDataset } from '../data/slice-dataset.js';
import { Rng } from '../util/rng.js';
import { getMethod } from '../methods/registry.js';
import type { MethodRun } from '../methods/method.js';
import { parsePretrainConfig, type PretrainConfig, type PretrainInput } from './config.js';
import { ModuleBundle, JsonlLog, checkedLoss, stepSeed } from './run-state.js';
import { Progress } from './progress.js';
import { autocastScope, describePrecision, withResolvedPrecision } from './precision.js';
import { openRunFolder, trainingRunSpec } from './run-folder.js';
import { saveGoodCheckpoint } from './state-guard.js';

export interface PretrainOptions {
  /** progress display (default: a bar on a terminal, lines otherwise) */
  progress?: 'bar' | 'lines' | 'quiet';
  /** stop (after checkpointing) once this many epochs are done in this call: simulates a kill for resume tests */
  stopAfterEpochs?: number;
  /** a data set already built for this config (tests, experiments): skips reading the manifest */
  dataset?: SliceDataset;
  /** start afresh in a folder holding another run: its outputs are moved to previous/<time>/ (run-folder.ts) */
  restart?: boolean;
}

export interface PretrainResult {
  out: string;
  config: PretrainConfig;
  epochsDone: number;
  steps: number;
  losses: number[];
  checkpoint: string;
  encoder: string;
  resumedFrom: number | null;
}

/** Applies the method's paper defaults beneath the user's settings and validates. */
export function resolvePretrainConfig(input: PretrainInput): PretrainConfig {
  const method = getMethod(input.method);
  const merged: Record<string, unknown> = { ...method.defaults, ...input };
  const derived: Record<string, unknown> = method.derivedDefaults?.(merged as Partial<PretrainConfig>) ?? {};
  for (const [k, v] of Object.entries(derived)) if (merged[k] === undefined) merged[k] = v;
  return parsePretrainConfig(merged);
}

function buildOptimizer(cfg: PretrainConfig, params: Tensor[]): optim.Optimizer<{ lr: number }> {
  if (cfg.optimizer === 'adam') return new optim.Adam(params, { lr: cfg.lr, weightDecay: cfg.weightDecay });
  return new optim.SGD(params, { lr: cfg.lr, momentum: cfg.momentum, weightDecay: cfg.weightDecay });
}

function buildScheduler(
  cfg: PretrainConfig,
  opt: optim.Optimizer<{ lr: number }>,
  stepsPerEpoch: number,
): optim.LRScheduler {
  const total = cfg.epochs * stepsPerEpoch;
  if (cfg.schedule === 'constant') return new optim.ConstantLR(opt);
  if (cfg.schedule === 'cosine-restarts')
    return new optim.CosineWarmRestarts(opt, { period0: cfg.restartEpochs * stepsPerEpoch });
  return new optim.CosineWithWarmup(opt, {
    warmupSteps: Math.min(cfg.warmupEpochs * stepsPerEpoch, total),
    totalSteps: total,
  });
}

export async function pretrain(input: PretrainInput, options: PretrainOptions = {}): Promise<PretrainResult> {
  const cfg = withResolvedPrecision(resolvePretrainConfig(input));
  // made, locked for this run, checked against the run it resumes, config.json written (run-folder.ts)
  using folder = openRunFolder(cfg.out, trainingRunSpec('pretrain', cfg, { restart: options.restart }));
  const out = folder.dir;
  const ckptFile = path.join(out, 'checkpoint.safetensors');
  if (options.progress !== 'quiet')
    process.stderr.write(`pretrain ${cfg.method}: ${describePrecision(cfg.precision)}\n`);

  const dataset =
    options.dataset ??
    (await buildSliceDataset(await loadManifest(cfg.data), {
      preset: cfg.preset,
      size: cfg.size,
      spacing: cfg.spacing,
      items: cfg.items,
      cacheDir: cfg.cacheDir ?? path.join(os.tmpdir(), 'medcl-cache'),
    }));

  manualSeed(cfg.seed);
  const run: MethodRun = getMethod(cfg.method).create({ dataset, config: cfg });
  const trained = new ModuleBundle(run.modules);
  const all = new ModuleBundle({ ...run.modules, ...(run.frozen ?? {}) });
  const stepsPerEpoch = run.sampler.epoch(0).length;
  if (stepsPerEpoch === 0)
    throw new Error(`pretrain: the ${run.sampler.name} sampler made no batch from ${dataset.length} samples`);
  const opt = buildOptimizer(cfg, trained.parameters());
  const sched = buildScheduler(cfg, opt, stepsPerEpoch);
  const log = new JsonlLog(path.join(out, 'log.jsonl'));

  let startEpoch = 0;
  let step = 0;
  let resumedFrom: number | null = null;
  if (existsSync(ckptFile)) {
    const ck = loadCheckpoint(ckptFile);
    all.loadStateDict(ck.model);
    // the checkpoint gives the optimiser's STATE (momentum buffers, step counts) and the schedule's position; its
    // hyper-parameters (lr, momentum, weight decay) come from this call's config, so that a run stopped by the NaN
    // guard can be resumed with a lower lr, as the guard's message says
    const hyper = opt.groups.map(({ params: _params, ...h }) => h);
    if (ck.optimizer) opt.loadStateDict(ck.optimizer);
    opt.groups.forEach((g, i) => Object.assign(g, hyper[i]));
    if (ck.scheduler) sched.loadStateDict({ t: ck.scheduler.t, baseLrs: [...sched.baseLrs] });
    run.loadStateTensors?.(ck.tensors);
    const extra = ck.extra as { epoch: number; step: number };
    startEpoch = extra.epoch;
    step = extra.step;
    resumedFrom = startEpoch;
    log.truncateAfter(step);
  } else {
    log.truncateAfter(-1);
  }

  const progress = new Progress(`pretrain ${cfg.method}`, options.progress);
  const total = cfg.epochs * stepsPerEpoch;
  progress.start(total, step);
  const losses: number[] = [];
  let lastCheckpoint: string | null = existsSync(ckptFile) ? ckptFile : null;
  let epochsThisCall = 0;
  const writeCheckpoint = (epoch: number): void => {
    saveGoodCheckpoint(ckptFile, {
      model: all,
      optimizer: opt,
      scheduler: sched,
      tensors: run.stateTensors?.(),
      extra: { epoch, step, method: cfg.method },
    });
    lastCheckpoint = ckptFile;
  };
  try {
    for (let epoch = startEpoch; epoch < cfg.epochs; epoch++) {
      trained.train();
      const batches = run.sampler.epoch(epoch);
      for (const batch of batches) {
        const seed = stepSeed(cfg.seed, epoch, batch.index);
        manualSeed(seed);
        const rng = new Rng(seed);
        const t0 = performance.now();
        const record = tidy(() => {
          const o = autocastScope(cfg.precision, () => run.step(batch, rng));
          const value = checkedLoss(o.loss, epoch, batch.index, lastCheckpoint);
          opt.zeroGrad();
          o.loss.backward();
          return { value, images: o.images, anchors: o.anchors, skipped: o.skipped };
        });
        // the lr this step used (the scheduler's step below sets the next one)
        const lr = opt.groups[0]!.lr;
        opt.step();
        sched.step();
        run.afterStep?.();
        step++;
        const dt = (performance.now() - t0) / 1000;
        losses.push(record.value);
        log.append({
          step,
          epoch,
          batch: batch.index,
          loss: record.value,
          lr,
          imagesPerSec: record.images / dt,
          ...(record.anchors !== undefined ? { anchors: record.anchors, skipped: record.skipped } : {}),
        });
        progress.update({ step, total, epoch, loss: record.value, lr, imagesPerSec: record.images / dt });
        // let timers, signals and GC finalizers run between steps
        await new Promise((r) => setImmediate(r));
      }
      epochsThisCall++;
      const last = epoch + 1 === cfg.epochs;
      if ((epoch + 1) % cfg.checkpointEvery === 0 || last || epochsThisCall === options.stopAfterEpochs) {
        writeCheckpoint(epoch + 1);
      }
      if (epochsThisCall === options.stopAfterEpochs && !last) {
        progress.stop();
        return {
          out,
          config: cfg,
          epochsDone: epoch + 1,
          steps: step,
          losses,
          checkpoint: ckptFile,
          encoder: '',
          resumedFrom,
        };
      }
    }
  } finally {
    progress.stop();
  }
  const encoderFile = path.join(out, 'encoder.safetensors');
  saveSafetensors(encoderFile, run.modules['encoder']!.stateDict(), { method: cfg.method, source: ckptFile });
  writeFileSync(
    path.join(out, 'summary.json'),
    JSON.stringify(
      { method: cfg.method, epochs: cfg.epochs, steps: step, finalLoss: losses[losses.length - 1] ?? null },
      null,
      2,
    ) + '\n',
  );
  return {
    out,
    config: cfg,
    epochsDone: cfg.epochs,
    steps: step,
    losses,
    checkpoint: ckptFile,
    encoder: encoderFile,
    resumedFrom,
  };
}
