/**
 * Fine-tuning a segmentation network with few labels, and its evaluation (METHODS.md §1–§3, §5):
 * the encoder is initialised from a pre-training run (or left random), the decoder starts random; Adam + cosine;
 * the checkpoint is chosen on an inner validation split of the training part (the test fold is never used for
 * selection); the chosen model is then evaluated on the test samples: Dice per class per 2D image, or per 3D volume
 * when the samples are slices of volumes (slices are stacked back), plus HD95 in mm when asked.
 */
import { z } from 'zod';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import {
  F,
  keep,
  loadCheckpoint,
  loadSafetensors,
  manualSeed,
  noGrad,
  optim,
  saveCheckpoint,
  tidy,
  type Tensor,
} from '../engine/index.js';
import type { SliceDataset } from '../data/slice-dataset.js';
import { computeDice, computeHausdorff } from '../eval/metrics/index.js';
import { Rng } from '../util/rng.js';
import { buildSegmentationModel, type SegmentationModelName } from '../models/registry.js';
import { loadEncoderWeights } from '../models/encoder-loading.js';
import { saveSegmentationModel } from '../models/saved.js';
import { encoderSchema } from './config.js';
import { checkedLoss, JsonlLog, stepSeed } from './run-state.js';
import { Progress } from './progress.js';
import { autocastScope } from './precision.js';
import { segmentationAugment } from './augment.js';
import { diceCELoss, softDiceLoss } from '../losses/dice.js';
import type { TensorModule } from '../methods/common.js';
import { precisionField } from './precision-default.js';
import { describePrecision } from './precision-default.js';

export const finetuneSchema = z
  .object({
    model: z.enum(['unet', 'deeplabv3plus', 'polycl-unet']).default('unet'),
    encoder: encoderSchema.default({ widths: [32, 64, 128, 256, 512], norm: 'batch', slope: 0.01, dropout: 0 }),
    /** encoder weights (encoder.safetensors of a pre-training run); absent = random initialisation */
    init: z.string().optional(),
    /** CL-TCI: 200 epochs, batch 10, Adam 5e-5 (the reference code used 1e-4) */
    epochs: z.number().int().positive().default(200),
    batchSize: z.number().int().positive().default(10),
    lr: z.number().positive().default(5e-5),
    weightDecay: z.number().min(0).default(0),
    loss: z.enum(['ce', 'dice', 'dice-ce']).default('ce'),
    /** flip + swap the manifest's left/right classes, small affine, intensity jitter */
    augment: z.boolean().default(true),
    /** evaluate on the validation split every N epochs (checkpoint selection) */
    evaluateEvery: z.number().int().positive().default(1),
    /** stop when validation Dice has not improved for this many evaluations (0 = never) */
    earlyStopPatience: z.number().int().min(0).default(0),
    /** also compute HD95 (mm) on the test set */
    hausdorff: z.boolean().default(true),
    seed: z.number().int().min(0).default(0),
    /** 'fp32' (default; MEDCL_PRECISION changes it), 'bf16-mixed', or 'auto' (src/train/precision-default.ts) */
    precision: precisionField,
  })
  .strict();

export type FinetuneConfig = z.infer<typeof finetuneSchema>;
export type FinetuneInput = z.input<typeof finetuneSchema>;

export interface FinetuneSplit {
  /** sample ids (SliceDataset) with labels */
  train: number[];
  /** inner validation samples (checkpoint selection) */
  val: number[];
  /** test samples (evaluation only) */
  test: number[];
}

export interface CaseResult {
  /** the image, or the volume's manifest item */
  case: string;
  patient: string;
  /** Dice per foreground class (class id -> value) and their mean */
  dice: Record<number, number>;
  meanDice: number;
  /** HD95 in mm per class (policy for empty masks: see src/eval/metrics) */
  hd95?: Record<number, number>;
  meanHd95?: number;
}

export interface FinetuneResult {
  config: FinetuneConfig;
  bestEpoch: number;
  bestValDice: number;
  valCurve: { epoch: number; dice: number }[];
  losses: number[];
  test: CaseResult[];
  meanDice: number;
  meanHd95: number | null;
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
   * a folder for this run's log.jsonl and checkpoint.safetensors (written atomically after every evaluation);
   * when it holds a checkpoint, training resumes from it and gives the same result as an uninterrupted run
   */
  out?: string;
  /** progress display (default: none) */
  progress?: 'bar' | 'lines' | 'quiet';
  /** called after each evaluation (and its checkpoint), with the number of epochs done */
  onEvaluated?: (epochsDone: number) => void;
}

export function parseFinetuneConfig(input: unknown, source = 'config'): FinetuneConfig {
  const r = finetuneSchema.safeParse(input);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${source}: ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`invalid fine-tuning configuration:\n${lines.join('\n')}`);
  }
  return r.data;
}

function lossOf(cfg: FinetuneConfig, logits: Tensor, target: Tensor): Tensor {
  if (cfg.loss === 'ce') return F.crossEntropy(logits, target);
  if (cfg.loss === 'dice') return softDiceLoss(logits, target);
  return diceCELoss(logits, target);
}

/** argmax predictions (uint8, size²) of the given samples, in eval mode */
export function predictSamples(
  model: TensorModule,
  ds: SliceDataset,
  ids: readonly number[],
  batchSize = 16,
): Uint8Array[] {
  model.eval();
  const out: Uint8Array[] = [];
  for (let i = 0; i < ids.length; i += batchSize) {
    const chunk = ids.slice(i, i + batchSize);
    const pred = noGrad(() =>
      tidy(() => model.forward(ds.imageBatch(chunk)).argmax(1).to({ dtype: 'uint8' }).data() as Uint8Array),
    );
    const n = ds.size * ds.size;
    chunk.forEach((_, b) => out.push(pred.slice(b * n, (b + 1) * n)));
  }
  return out;
}

/** Groups sample ids into cases: one per 2D image, or one per volume (its slices in order). */
function casesOf(ds: SliceDataset, ids: readonly number[]): number[][] {
  const byVolume = new Map<number, number[]>();
  for (const id of ids) {
    const v = ds.samples[id]!.volume;
    if (!byVolume.has(v)) byVolume.set(v, []);
    byVolume.get(v)!.push(id);
  }
  return [...byVolume.values()].map((g) => g.sort((a, b) => ds.samples[a]!.sliceIndex - ds.samples[b]!.sliceIndex));
}

/** Dice (and HD95) per case of predictions against the data set's labels. */
export function evaluateCases(
  ds: SliceDataset,
  ids: readonly number[],
  preds: Map<number, Uint8Array>,
  hausdorff: boolean,
): CaseResult[] {
  const numClasses = ds.numClasses;
  const n = ds.size * ds.size;
  return casesOf(ds, ids).map((group) => {
    const s0 = ds.samples[group[0]!]!;
    const depth = group.length;
    const pred = new Uint8Array(depth * n);
    const ref = new Uint8Array(depth * n);
    group.forEach((id, z) => {
      pred.set(preds.get(id)!, z * n);
      const l = ds.labels[id];
      if (!l) throw new Error(`evaluate: sample ${ds.describe(id)} has no label`);
      ref.set(l, z * n);
    });
    const [dy, dx] = ds.spacing[s0.volume]!;
    const zSpacing = 1; // slices of a volume: spacing along z is not kept by the 2D data set; Dice ignores it
    const shape = depth > 1 ? [depth, ds.size, ds.size] : [ds.size, ds.size];
    const spacing = depth > 1 ? [zSpacing, dy, dx] : [dy, dx];
    const d = computeDice({ data: pred, shape, spacing }, { data: ref, shape, spacing }, { numClasses });
    const dice: Record<number, number> = {};
    for (const c of d.classes) if (c.values) dice[c.classId] = c.values.dice;
    const result: CaseResult = {
      case: ds.manifest.items[s0.item]!.image,
      patient: s0.patient,
      dice,
      meanDice: d.classMean?.dice ?? 0,
    };
    if (hausdorff && depth === 1) {
      const h = computeHausdorff({ data: pred, shape, spacing }, { data: ref, shape, spacing }, { numClasses });
      const hd: Record<number, number> = {};
      for (const c of h.classes) if (c.values) hd[c.classId] = c.values.hd95;
      result.hd95 = hd;
      result.meanHd95 = h.classMean?.hd95 ?? 0;
    }
    return result;
  });
}

function meanOf(xs: number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
}

export async function finetune(
  input: FinetuneInput,
  ds: SliceDataset,
  split: FinetuneSplit,
  options: FinetuneOptions = {},
): Promise<FinetuneResult> {
  const cfg = parseFinetuneConfig(input);
  if (options.progress !== undefined && options.progress !== 'quiet')
    process.stderr.write(`finetune ${cfg.model}: ${describePrecision(cfg.precision)}\n`);
  if (split.train.length === 0) throw new Error('finetune: the training split is empty');
  for (const id of [...split.train, ...split.val, ...split.test]) {
    if (!ds.labels[id]) throw new Error(`finetune: sample ${ds.describe(id)} has no label map`);
  }
  const numClasses = ds.numClasses;
  manualSeed(cfg.seed);
  const model = buildSegmentationModel(cfg.model as SegmentationModelName, {
    numClasses,
    encoder: cfg.encoder,
  }) as unknown as TensorModule;
  let loaded: string[] = [];
  // without init every tensor keeps its initialisation: parameters and buffers, as loadEncoderWeights counts them
  let leftRandom: string[] = [...model.stateDict().keys()];
  if (cfg.init) {
    const { tensors } = loadSafetensors(cfg.init);
    const r = loadEncoderWeights(model, tensors);
    loaded = r.loaded;
    leftRandom = r.leftRandom;
  }
  const opt = new optim.Adam(model.parameters(), { lr: cfg.lr, weightDecay: cfg.weightDecay });
  const stepsPerEpoch = Math.ceil(split.train.length / cfg.batchSize);
  const sched = new optim.CosineWithWarmup(opt, { warmupSteps: 0, totalSteps: cfg.epochs * stepsPerEpoch });
  const pairs = ds.manifest.leftRightPairs;

  let best = { epoch: -1, dice: -Infinity, state: null as Map<string, Tensor> | null };
  let valCurve: { epoch: number; dice: number }[] = [];
  let losses: number[] = [];
  let sinceBest = 0;
  let startEpoch = 0;
  const ckptFile = options.out ? path.join(options.out, 'checkpoint.safetensors') : null;
  const log = options.out ? new JsonlLog(path.join(options.out, 'log.jsonl')) : null;
  if (options.out) mkdirSync(options.out, { recursive: true });
  if (ckptFile && existsSync(ckptFile)) {
    const ck = loadCheckpoint(ckptFile);
    model.loadStateDict(ck.model);
    // optimiser state and schedule position from the checkpoint; hyper-parameters from this call's config (as pretrain)
    const hyper = opt.groups.map(({ params: _params, ...h }) => h);
    if (ck.optimizer) opt.loadStateDict(ck.optimizer);
    opt.groups.forEach((g, i) => Object.assign(g, hyper[i]));
    if (ck.scheduler) sched.loadStateDict({ t: ck.scheduler.t, baseLrs: [...sched.baseLrs] });
    const extra = ck.extra as {
      epoch: number;
      best: { epoch: number; dice: number };
      valCurve: typeof valCurve;
      losses: number[];
      sinceBest: number;
    };
    startEpoch = extra.epoch;
    valCurve = extra.valCurve;
    losses = extra.losses;
    sinceBest = extra.sinceBest;
    const state = new Map<string, Tensor>();
    for (const [k, t] of ck.tensors) if (k.startsWith('best.')) state.set(k.slice(5), keep(t));
    best = {
      epoch: extra.best.epoch,
      dice: extra.best.epoch < 0 ? -Infinity : extra.best.dice,
      state: state.size ? state : null,
    };
    log?.truncateAfter(losses.length);
  } else log?.truncateAfter(-1);
  const progress = new Progress('finetune', options.progress ?? 'quiet');
  progress.start(cfg.epochs * stepsPerEpoch, losses.length);
  for (let epoch = startEpoch; epoch < cfg.epochs; epoch++) {
    model.train();
    const order = new Rng(stepSeed(cfg.seed, epoch, 1 << 20))
      .permutation(split.train.length)
      .map((i) => split.train[i]!);
    for (let b = 0; b * cfg.batchSize < order.length; b++) {
      const ids = order.slice(b * cfg.batchSize, (b + 1) * cfg.batchSize);
      const seed = stepSeed(cfg.seed, epoch, b);
      manualSeed(seed);
      const value = tidy(() => {
        let x = ds.imageBatch(ids);
        let y = ds.labelBatch(ids);
        if (cfg.augment) ({ image: x, label: y } = segmentationAugment({ image: x, label: y }, new Rng(seed), pairs));
        const logits = autocastScope(cfg.precision, () => model.forward(x));
        const loss = lossOf(cfg, logits.float(), y);
        const v = checkedLoss(loss, epoch, b, null);
        opt.zeroGrad();
        loss.backward();
        return v;
      });
      const lr = opt.groups[0]!.lr; // the rate this step used
      opt.step();
      sched.step();
      losses.push(value);
      log?.append({ step: losses.length, epoch, batch: b, loss: value, lr });
      progress.update({
        step: losses.length,
        total: cfg.epochs * stepsPerEpoch,
        epoch,
        loss: value,
        lr,
        imagesPerSec: 0,
      });
      await new Promise((r) => setImmediate(r));
    }
    const last = epoch + 1 === cfg.epochs;
    if ((epoch + 1) % cfg.evaluateEvery === 0 || last) {
      const valIds = split.val.length ? split.val : split.train;
      const preds = predictSamples(model, ds, valIds);
      const m = new Map(valIds.map((id, i) => [id, preds[i]!]));
      const dice = meanOf(evaluateCases(ds, valIds, m, false).map((c) => c.meanDice));
      valCurve.push({ epoch, dice });
      if (dice > best.dice) {
        best.state?.forEach((t) => t.dispose());
        best = {
          epoch,
          dice,
          state: new Map([...model.stateDict()].map(([k, t]) => [k, noGrad(() => t.detach().clone())])),
        };
        for (const t of best.state!.values()) t.kept = true;
        sinceBest = 0;
      } else if (cfg.earlyStopPatience > 0 && ++sinceBest >= cfg.earlyStopPatience) {
        progress.stop();
        break;
      }
      if (ckptFile) {
        const tensors = new Map<string, Tensor>();
        for (const [k, t] of best.state ?? []) tensors.set(`best.${k}`, t);
        saveCheckpoint(ckptFile, {
          model,
          optimizer: opt,
          scheduler: sched,
          tensors,
          extra: { epoch: epoch + 1, best: { epoch: best.epoch, dice: best.dice }, valCurve, losses, sinceBest },
        });
      }
      options.onEvaluated?.(epoch + 1);
    }
  }
  progress.stop();
  if (best.state) model.loadStateDict(best.state);
  best.state?.forEach((t) => t.dispose());
  if (options.out) {
    // the chosen network, loadable by `medcl predict --model <out>/model`
    saveSegmentationModel(path.join(options.out, 'model'), model, {
      model: cfg.model,
      encoder: cfg.encoder,
      numClasses,
      preset: ds.preprocessing.preset,
      size: ds.size,
      ...(ds.preprocessing.spacing !== undefined ? { spacing: ds.preprocessing.spacing } : {}),
      ...(ds.manifest.classes && ds.manifest.classes.length === numClasses ? { classes: ds.manifest.classes } : {}),
    });
  }
  const preds = predictSamples(model, ds, split.test);
  const m = new Map(split.test.map((id, i) => [id, preds[i]!]));
  const test = evaluateCases(ds, split.test, m, cfg.hausdorff);
  const hd = test.filter((c) => c.meanHd95 !== undefined).map((c) => c.meanHd95!);
  return {
    config: cfg,
    bestEpoch: best.epoch,
    bestValDice: best.dice,
    valCurve,
    losses,
    test,
    meanDice: meanOf(test.map((c) => c.meanDice)),
    meanHd95: hd.length ? meanOf(hd) : null,
    loaded,
    leftRandom,
    predictions: new Map(split.test.slice(0, options.keepPredictions ?? 0).map((id) => [id, m.get(id)!])),
  };
}
