/**
 * Fine-tuning a segmentation network with few labels, and its evaluation (docs/methods.md §4, docs/protocol.md): the
 * encoder is initialised from a pre-training run (or left random), the decoder starts random; Adam with the config's
 * schedule (finetune-schedule.ts); the weights kept are the last epoch's or, with selection 'best-validation', the best
 * on an inner validation split of the training part (finetune-selection.ts; the test fold is never used for selection);
 * the kept model is then evaluated on the test samples per case (src/eval/metrics/segmentation-cases.ts): Dice per class per 2D
 * image or per 3D volume, and HD95 with the real spacing.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ensureDir, F, manualSeed, optim, tidy, type Tensor } from '../engine/index.js';
import type { SliceDataset } from '../data/slice-dataset.js';
import { evaluateCases, predictSamples, summarizeCases, type CaseResult } from '../eval/metrics/segmentation-cases.js';
import { Rng } from '../util/rng.js';
import { checkedLoss, JsonlLog, stepSeed } from './run-state.js';
import { Progress } from './progress.js';
import { autocastScope, describePrecision, withResolvedPrecision, type WithPrecision } from '../engine/precision.js';
import { onDevice, withResolvedDevice } from '../engine/device.js';
import { segmentationAugment } from '../transforms/augment.js';
import { diceCELoss, softDiceLoss } from '../losses/dice.js';
import type { TensorModule } from '../models/tensor-module.js';
import { buildModel, saveChosenModel } from './finetune-model.js';
import { parseFinetuneConfig, type FinetuneConfig, type FinetuneInput } from './finetune-config.js';
import { buildFinetuneScheduler, finetuneEpochBatches, finetuneStepsPerEpoch } from './finetune-schedule.js';
import { CheckpointSelection, type ValPoint } from './finetune-selection.js';
import {
  finetuneIdentity,
  loadFinetuneCheckpoint,
  saveFinetuneCheckpoint,
  type FinetuneParts,
} from './finetune-checkpoint.js';
import { assertHealthy } from './state-guard.js';
import type { DataParallelContext } from './distributed/context.js';
import { ParallelTraining } from './distributed/parallel-training.js';

export * from './finetune-config.js';
export { evaluateCases, predictSamples, type CaseResult } from '../eval/metrics/segmentation-cases.js';

export interface FinetuneSplit {
  /** sample ids (SliceDataset) with labels */
  train: number[];
  /** inner validation samples: used by selection 'best-validation' only (ignored with 'last') */
  val: number[];
  /** test samples (evaluation only) */
  test: number[];
}

export interface FinetuneResult {
  config: FinetuneConfig;
  /** the epoch whose weights were kept: the last one run ('last'), or the best on validation */
  bestEpoch: number;
  /** validation Dice of the kept epoch ('best-validation'); null with 'last' */
  bestValDice: number | null;
  /** one point per validation ('best-validation'); empty with 'last' */
  valCurve: ValPoint[];
  losses: number[];
  /** optimiser steps per epoch: max(ceil(|train| / batchSize), minStepsPerEpoch) */
  stepsPerEpoch: number;
  /** optimiser steps taken (epochs run × stepsPerEpoch; fewer than planned only after early stopping) */
  totalSteps: number;
  test: CaseResult[];
  /** mean of the test cases' meanDice over the cases that have one (null when none has) */
  meanDice: number | null;
  /** mean test HD95 (null when not computed or when the cases' units differ) */
  meanHd95: number | null;
  hd95Unit: 'mm' | 'px' | null;
  /** test cases left out of meanDice: every class absent from both maps (absentClasses 'exclude') */
  excludedCases: number;
  /** encoder tensors loaded from `init`, and those left random */
  loaded: string[];
  leftRandom: string[];
  /** predicted label maps of the first `keepPredictions` test samples (sample id -> size² uint8) */
  predictions: Map<number, Uint8Array>;
}

export interface FinetuneOptions {
  /** keep the predictions of this many test samples (for overlays) */
  keepPredictions?: number;
  /**
   * a folder for this run's log.jsonl and checkpoint.safetensors (written atomically every `evaluateEvery` epochs);
   * when it holds a checkpoint, training resumes from it and gives the same result as an uninterrupted run
   */
  out?: string;
  /** progress display (default: none) */
  progress?: 'bar' | 'lines' | 'quiet';
  /** called after each checkpoint point (and its validation, if any), with the number of epochs done */
  onEvaluated?: (epochsDone: number) => void;
  /**
   * data-parallel training (docs/distributed.md): each step's batch (`batchSize`, global) is split over the ranks and
   * the gradients averaged; every rank validates (the same numbers, so the same selection); rank 0 alone writes and
   * evaluates the test split (the other ranks return no test cases)
   */
  parallel?: DataParallelContext | null;
}

function lossOf(cfg: FinetuneConfig, logits: Tensor, target: Tensor): Tensor {
  if (cfg.loss === 'ce') return F.crossEntropy(logits, target);
  if (cfg.loss === 'dice') return softDiceLoss(logits, target);
  return diceCELoss(logits, target);
}

/** the splits the config uses, checked: labels everywhere, validation exactly when 'best-validation' needs it */
function checkSplit(cfg: FinetuneConfig, ds: SliceDataset, split: FinetuneSplit): void {
  if (split.train.length === 0) throw new Error('finetune: the training split is empty');
  if (cfg.selection === 'best-validation' && split.val.length === 0)
    throw new Error(
      "finetune: selection 'best-validation' needs a non-empty validation split (split.val); " +
        "with no validation split use selection 'last' (the fixed schedule's last epoch)",
    );
  const val = cfg.selection === 'best-validation' ? split.val : [];
  for (const id of [...split.train, ...val, ...split.test]) {
    if (!ds.labels[id]) throw new Error(`finetune: sample ${ds.describe(id)} has no label map`);
  }
}

interface Run extends FinetuneParts {
  cfg: WithPrecision<FinetuneConfig>;
  ds: SliceDataset;
  model: TensorModule;
  losses: number[];
  log: JsonlLog | null;
  progress: Progress;
  stepsPerEpoch: number;
  total: number;
  /** the last checkpoint written or resumed from (the NaN guard names it) */
  lastGood: string | null;
  pt: ParallelTraining;
}

/** one epoch of training steps */
async function trainEpoch(run: Run, train: readonly number[], epoch: number): Promise<void> {
  const { cfg, ds, model, opt, sched, losses, pt } = run;
  model.train();
  const pairs = ds.manifest.leftRightPairs;
  const batches = finetuneEpochBatches(train, cfg, epoch);
  for (const [b, all] of batches.entries()) {
    const ids = pt.shard(all);
    const seed = pt.seed(stepSeed(cfg.seed, epoch, b));
    manualSeed(seed);
    pt.beforeForward();
    // the batch and every tensor of the step on the run's device
    const local = tidy(() =>
      onDevice(cfg.device, () => {
        const aug = segmentationAugment({ image: ds.imageBatch(ids), label: ds.labelBatch(ids) }, new Rng(seed), {
          preset: cfg.augment,
          leftRightPairs: pairs,
          strength: cfg.augmentStrength,
        });
        const logits = autocastScope(cfg.precision, () => model.forward(aug.image), cfg.device);
        const loss = lossOf(cfg, logits.float(), aug.label);
        const v = checkedLoss(loss, epoch, b, run.lastGood);
        opt.zeroGrad();
        loss.backward();
        return v;
      }),
    );
    pt.afterBackward();
    const value = pt.mean(local);
    const lr = opt.groups[0]!.lr; // the rate this step used
    opt.step();
    sched.step();
    losses.push(value);
    run.log?.append({ step: losses.length, epoch, batch: b, loss: value, lr });
    run.progress.update({ step: losses.length, total: run.total, epoch, loss: value, lr, imagesPerSec: 0 });
    await new Promise((r) => setImmediate(r));
  }
}

/** mean case Dice of the current model on the validation split */
function validate(run: Run, val: readonly number[]): number | null {
  const preds = predictSamples(run.model, run.ds, val);
  const m = new Map(val.map((id, i) => [id, preds[i]!]));
  const cases = evaluateCases(run.ds, val, m, { hausdorff: false, absentClasses: run.cfg.absentClasses });
  return summarizeCases(cases).meanDice;
}

/** trains all epochs (from a checkpoint's, if any); returns the last epoch run */
async function trainAll(run: Run, split: FinetuneSplit, out: string | undefined, opts: FinetuneOptions) {
  const { cfg } = run;
  const ckptFile = out ? path.join(out, 'checkpoint.safetensors') : null;
  const shape = { stepsPerEpoch: run.stepsPerEpoch, selection: cfg.selection, identity: finetuneIdentity(cfg) };
  let start = 0;
  if (ckptFile && existsSync(ckptFile)) {
    const p = loadFinetuneCheckpoint(ckptFile, run, shape);
    run.lastGood = ckptFile;
    start = p.epoch;
    run.losses.push(...p.losses);
    run.log?.truncateAfter(run.losses.length);
  } else run.log?.truncateAfter(-1);
  run.pt.start(start === 0 ? -1 : run.losses.length);
  run.progress.start(run.total, run.losses.length);
  let epoch = start;
  for (; epoch < cfg.epochs; epoch++) {
    await trainEpoch(run, split.train, epoch);
    const last = epoch + 1 === cfg.epochs;
    if ((epoch + 1) % cfg.evaluateEvery !== 0 && !last) continue;
    const stop =
      cfg.selection === 'best-validation' && run.selection.record(epoch, validate(run, split.val), run.model);
    // an early stop writes no checkpoint (as before): resuming from the previous one stops at the same epoch
    if (stop) break;
    if (ckptFile) {
      if (run.pt.isMain) saveFinetuneCheckpoint(ckptFile, run, { epoch: epoch + 1, losses: run.losses }, shape);
      run.lastGood = ckptFile;
    }
    opts.onEvaluated?.(epoch + 1);
  }
  run.progress.stop();
  return Math.min(epoch, cfg.epochs - 1);
}

/** the fine-tuning's state at its start: the model (encoder loaded), optimiser, schedule, selection, log, progress */
function createRun(
  cfg: WithPrecision<FinetuneConfig>,
  ds: SliceDataset,
  split: FinetuneSplit,
  options: FinetuneOptions,
) {
  const { model, loaded, leftRandom } = buildModel(cfg, ds.numClasses);
  const pt = new ParallelTraining(options.parallel ?? null, model);
  const opt = new optim.Adam(model.parameters(), { lr: cfg.lr, weightDecay: cfg.weightDecay });
  const stepsPerEpoch = finetuneStepsPerEpoch(split.train.length, cfg.batchSize, cfg.minStepsPerEpoch);
  if (options.out && pt.isMain) ensureDir(options.out);
  const run: Run = {
    cfg,
    ds,
    model,
    opt,
    sched: buildFinetuneScheduler(cfg, opt, stepsPerEpoch),
    selection: new CheckpointSelection(cfg.earlyStopPatience),
    losses: [],
    log: options.out && pt.isMain ? new JsonlLog(path.join(options.out, 'log.jsonl')) : null,
    progress: new Progress('finetune', pt.isMain ? (options.progress ?? 'quiet') : 'quiet'),
    stepsPerEpoch,
    total: cfg.epochs * stepsPerEpoch,
    lastGood: null,
    pt,
  };
  return { run, loaded, leftRandom };
}

export async function finetune(
  input: FinetuneInput,
  ds: SliceDataset,
  split: FinetuneSplit,
  options: FinetuneOptions = {},
): Promise<FinetuneResult> {
  const resolved = withResolvedDevice(parseFinetuneConfig(input));
  const cfg = withResolvedPrecision(resolved, resolved.device);
  if (options.progress !== undefined && options.progress !== 'quiet')
    process.stderr.write(
      `finetune ${cfg.model}: device ${cfg.device}, ${describePrecision(cfg.precision, cfg.device)}\n`,
    );
  checkSplit(cfg, ds, split);
  const { run, loaded, leftRandom } = createRun(cfg, ds, split, options);
  const { model, pt, selection } = run;
  const lastEpoch = await trainAll(run, split, options.out, options).catch((e: unknown) => {
    throw pt.explain(e, 'fine-tuning');
  });
  const chose = selection.applyBest(model);
  // the kept weights must be healthy before anything is saved or evaluated: a diverged run reports no Dice
  assertHealthy(model, 'finetune', run.lastGood);
  if (options.out && pt.isMain) saveChosenModel(options.out, cfg, ds, model);
  const testIds = pt.isMain ? split.test : [];
  const preds = predictSamples(model, ds, testIds);
  const m = new Map(testIds.map((id, i) => [id, preds[i]!]));
  const test = evaluateCases(ds, testIds, m, { hausdorff: cfg.hausdorff, absentClasses: cfg.absentClasses });
  const { best, valCurve } = selection.state();
  return {
    config: cfg,
    bestEpoch: chose ? best.epoch : lastEpoch,
    bestValDice: chose ? best.dice : null,
    valCurve,
    losses: run.losses,
    stepsPerEpoch: run.stepsPerEpoch,
    totalSteps: run.losses.length,
    test,
    ...summarizeCases(test),
    loaded,
    leftRandom,
    predictions: new Map(testIds.slice(0, options.keepPredictions ?? 0).map((id) => [id, m.get(id)!])),
  };
}
