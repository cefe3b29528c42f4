/**
 * DrasCLR patch classification, scheme (b), full fine-tuning (src/eval/patch-cv.ts has the whole protocol): a new
 * PatchClassifier (a copy of the pre-trained encoder, or a random one, with a new linear classifier), trained on
 * batches of one landmark with a weighted BCE, the epoch chosen on an inner validation split. Its cross-validation:
 * patch-finetune-cv.ts.
 */
import { F, keep, manualSeed, noGrad, optim, tensor, tidy, type Tensor } from '../engine/index.js';
import { binaryClassification } from './metrics/classification.js';
import { protocolRng } from './protocol/index.js';
import { buildDrasclrEncoder } from '../methods/drasclr.js';
import type { DrasclrConfig } from '../methods/drasclr-config.js';
import type { DrasclrEncoder } from '../models/drasclr-encoder.js';
import { PatchClassifier } from '../models/patch-classifier.js';
import { stepSeed } from '../train/run-state.js';
import type { LandmarkPatchDataset } from '../data/landmark-patches.js';
import type { PatchSamples } from '../data/patch-labels.js';
import { checkBothClasses } from './patch-cv.js';
import { landmarkBatches, predictPatchProbabilities } from './patch-predict.js';

export type EncoderArchitecture = Pick<
  DrasclrConfig,
  'conditioning' | 'experts' | 'layers' | 'headHidden' | 'projectionDim'
>;

export interface PatchClassifierInit {
  /** the run's architecture (DrasclrConfig or its network fields) */
  config: EncoderArchitecture;
  /** 'pretrained' (default): a copy of `pretrained`; 'random': a fresh encoder (from-scratch baseline) */
  init?: 'pretrained' | 'random';
  /** the pre-trained encoder, or its state dict (encoder.safetensors) */
  pretrained?: DrasclrEncoder | Map<string, Tensor>;
  /** seeds the random parts (classifier; the whole encoder with 'random'); default 0 */
  seed?: number;
  device?: string;
}

/** A new PatchClassifier: the encoder is a copy (never the given module itself), the classifier is new. */
export function createPatchClassifier(o: PatchClassifierInit): PatchClassifier {
  const init = o.init ?? 'pretrained';
  if (init !== 'pretrained' && init !== 'random')
    throw new Error(`createPatchClassifier: init: expected 'pretrained' | 'random', got ${JSON.stringify(init)}`);
  if (init === 'pretrained' && !o.pretrained)
    throw new Error("createPatchClassifier: init 'pretrained' needs the pre-trained encoder (pretrained)");
  manualSeed(o.seed ?? 0);
  const encoder = buildDrasclrEncoder(o.config as DrasclrConfig);
  if (init === 'pretrained') {
    const sd = o.pretrained instanceof Map ? o.pretrained : o.pretrained!.stateDict();
    try {
      encoder.loadStateDict(sd);
    } catch (e) {
      throw new Error(`createPatchClassifier: the pre-trained weights do not fit the config: ${(e as Error).message}`);
    }
  }
  if (o.device) encoder.to({ device: o.device });
  return new PatchClassifier(encoder);
}

export interface PatchFinetuneOptions {
  /** default 20 (ours) */
  epochs?: number;
  /** Adam learning rate (default 1e-4, ours) */
  lr?: number;
  /** Adam's L2 weight decay (default 0) */
  weightDecay?: number;
  /** patches per batch, all of one landmark (default 32, ours) */
  batchSize?: number;
  /** fraction of the labelled training patches used, class-stratified (default 1; paper Fig. 5: 0.1..1) */
  labelFraction?: number;
  /** fraction of the training patients held out for checkpoint selection (default 0.2; 0 = keep the last epoch) */
  validationFraction?: number;
  /** decision threshold on P(lesion) (default 0.5) */
  threshold?: number;
  /** default 0 */
  seed?: number;
  device?: string;
  /** progress lines (default none) */
  log?: (line: string) => void;
}

export interface EpochRecord {
  epoch: number;
  /** mean weighted training loss */
  loss: number;
  /** validation F1 and (weighted) loss; null without validation */
  valF1: number | null;
  valLoss: number | null;
}

export interface TrainPatchClassifierResult {
  history: EpochRecord[];
  /** the epoch whose weights the model holds (1-based) */
  bestEpoch: number;
  steps: number;
  /** patches trained on (after labelFraction), with positives among them */
  trainSamples: number;
  trainPositives: number;
  /** the positive class's loss weight n_neg / n_pos */
  positiveWeight: number;
  /** landmarks skipped each epoch: a single training patch */
  skippedLandmarks: number[];
  /** ||θ_end − θ_start|| / ||θ_start|| over the encoder's trained parameters */
  encoderChange: number;
}

function flatParams(ps: readonly [string, Tensor][]): Float64Array[] {
  return ps.map(([, t]) => t.toFloat64Array());
}

function relativeChange(a: Float64Array[], b: Float64Array[]): number {
  let num = 0;
  let den = 0;
  a.forEach((x, i) => {
    const y = b[i]!;
    for (let j = 0; j < x.length; j++) {
      num += (y[j]! - x[j]!) ** 2;
      den += x[j]! ** 2;
    }
  });
  return den > 0 ? Math.sqrt(num / den) : Math.sqrt(num);
}

/** mean of the weighted BCE over probabilities (for validation), clamped away from 0 and 1 */
function weightedBce(prob: Float64Array, y: readonly number[], posWeight: number): number {
  let s = 0;
  for (let i = 0; i < prob.length; i++) {
    const p = Math.min(Math.max(prob[i]!, 1e-7), 1 - 1e-7);
    s += y[i] ? -posWeight * Math.log(p) : -Math.log(1 - p);
  }
  return s / prob.length;
}

/** What one fine-tuning run shares across its epochs. */
interface FinetuneRun {
  model: PatchClassifier;
  dataset: LandmarkPatchDataset;
  samples: PatchSamples;
  opt: optim.Adam;
  posWeight: number;
  seed: number;
  device?: string;
}

/** One epoch over batches of one landmark each; returns the mean weighted loss, the steps and the skipped landmarks. */
function trainEpoch(r: FinetuneRun, train: readonly number[], epoch: number, batchSize: number) {
  const who = 'trainPatchClassifier';
  const { model, dataset, samples } = r;
  const plan = landmarkBatches(samples, train, batchSize, protocolRng(r.seed, 'finetune-batches', epoch));
  if (plan.batches.length === 0) throw new Error(`${who}: no landmark has two training patches: nothing to train on`);
  model.train();
  let lossSum = 0;
  plan.batches.forEach((batch, b) => {
    manualSeed(stepSeed(r.seed, epoch, b));
    const l = samples.landmark[batch[0]!]!;
    const value = tidy(() => {
      let x = dataset.batch(
        batch.map((i) => samples.scan[i]!),
        l,
      );
      if (r.device) x = x.to({ device: r.device });
      const logits = model.forward(x, dataset.landmarks[l]!.location);
      const target = tensor(
        Float32Array.from(batch, (i) => samples.y[i]!),
        { device: logits.device },
      );
      const w = tensor([r.posWeight], { dtype: 'float32', device: logits.device });
      const loss = F.binaryCrossEntropyWithLogits(logits, target, { posWeight: w });
      const v = loss.item();
      if (!Number.isFinite(v)) throw new Error(`${who}: non-finite loss ${v} at epoch ${epoch + 1}, batch ${b}`);
      r.opt.zeroGrad();
      loss.backward();
      return v;
    });
    r.opt.step();
    lossSum += value;
  });
  return { loss: lossSum / plan.batches.length, steps: plan.batches.length, skipped: plan.skipped };
}

/** The best epoch so far: its validation F1 and loss, and a kept copy of the model's state. */
interface BestEpoch {
  epoch: number;
  f1: number;
  loss: number;
  state: Map<string, Tensor>;
}

/** Scores the epoch on the validation samples; keeps the model's state when it is the best so far. */
function validateEpoch(
  r: FinetuneRun,
  validation: readonly number[],
  rec: EpochRecord,
  threshold: number,
  best: BestEpoch | null,
): BestEpoch | null {
  const valY = validation.map((i) => r.samples.y[i]!);
  const prob = predictPatchProbabilities(r.model, r.dataset, r.samples, validation, { device: r.device });
  rec.valF1 = binaryClassification(
    Array.from(prob, (p) => (p >= threshold ? 1 : 0)),
    valY,
  ).f1;
  rec.valLoss = weightedBce(prob, valY, r.posWeight);
  if (best && !(rec.valF1 > best.f1 || (rec.valF1 === best.f1 && rec.valLoss < best.loss))) return best;
  const state = noGrad(() => new Map([...r.model.stateDict()].map(([k, t]) => [k, keepClone(t)])));
  if (best) for (const t of best.state.values()) t.dispose();
  return { epoch: rec.epoch, f1: rec.valF1, loss: rec.valLoss, state };
}

function checkFinetuneOptions(options: PatchFinetuneOptions): { epochs: number; lr: number; batchSize: number } {
  const who = 'trainPatchClassifier';
  const epochs = options.epochs ?? 20;
  const lr = options.lr ?? 1e-4;
  const batchSize = options.batchSize ?? 32;
  if (!Number.isSafeInteger(epochs) || epochs < 1) throw new RangeError(`${who}: epochs must be an integer >= 1`);
  if (!Number.isSafeInteger(batchSize) || batchSize < 2)
    throw new RangeError(`${who}: batchSize must be an integer >= 2`);
  if (!(lr > 0)) throw new RangeError(`${who}: lr must be > 0, got ${lr}`);
  return { epochs, lr, batchSize };
}

/**
 * Fine-tunes `model` in place on the samples `train` (indices into `samples`), selecting the epoch by `validation`
 * (null: the last epoch). `labelFraction` is applied by the caller (finetunePatchClassifierCV).
 */
export function trainPatchClassifier(
  model: PatchClassifier,
  dataset: LandmarkPatchDataset,
  samples: PatchSamples,
  train: readonly number[],
  validation: readonly number[] | null,
  options: PatchFinetuneOptions = {},
): TrainPatchClassifierResult {
  const { epochs, lr, batchSize } = checkFinetuneOptions(options);
  const threshold = options.threshold ?? 0.5;
  checkBothClasses(samples.y, train, 'trainPatchClassifier');
  const pos = train.reduce((a, i) => a + samples.y[i]!, 0);
  const posWeight = (train.length - pos) / pos;
  const opt = new optim.Adam(model.trainableParameters(), { lr, weightDecay: options.weightDecay ?? 0 });
  const r: FinetuneRun = { model, dataset, samples, opt, posWeight, seed: options.seed ?? 0, device: options.device };
  const start = flatParams(model.encoderParameters());
  const history: EpochRecord[] = [];
  let best: BestEpoch | null = null;
  let steps = 0;
  let skipped: number[] = [];
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      const e = trainEpoch(r, train, epoch, batchSize);
      steps += e.steps;
      skipped = e.skipped;
      const rec: EpochRecord = { epoch: epoch + 1, loss: e.loss, valF1: null, valLoss: null };
      if (validation && validation.length > 0) best = validateEpoch(r, validation, rec, threshold, best);
      history.push(rec);
      options.log?.(
        `epoch ${epoch + 1}/${epochs}: loss ${rec.loss.toFixed(4)}` +
          (rec.valF1 !== null ? `, validation F1 ${rec.valF1.toFixed(3)} loss ${rec.valLoss!.toFixed(4)}` : ''),
      );
    }
    if (best) model.loadStateDict(best.state);
  } finally {
    if (best) for (const t of best.state.values()) t.dispose();
  }
  model.eval();
  return {
    history,
    bestEpoch: best ? best.epoch : epochs,
    steps,
    trainSamples: train.length,
    trainPositives: pos,
    positiveWeight: posWeight,
    skippedLandmarks: skipped,
    encoderChange: relativeChange(start, flatParams(model.encoderParameters())),
  };
}

function keepClone(t: Tensor): Tensor {
  return keep(t.detach().clone());
}
