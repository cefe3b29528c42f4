/**
 * DrasCLR patch classification, scheme (b) under k-fold cross-validation over patients (src/eval/patch-cv.ts has the
 * whole protocol): per fold, an inner validation split of the training patients, a class-stratified `labelFraction`
 * of the training patches, a fine-tuned PatchClassifier (patch-finetune.ts), and its test-fold predictions.
 */
import type { nn } from '../engine/index.js';
import { binaryClassification } from './metrics/classification.js';
import { getFold, innerSplit, protocolRng, type Splits } from './protocol/index.js';
import { patientFolds } from './protocol/patient-folds.js';
import type { PatchClassifier } from '../models/patch-classifier.js';
import { stepSeed } from '../train/run-state.js';
import type { LandmarkPatchDataset } from '../data/landmark-patches.js';
import type { PatchSamples } from '../data/patch-labels.js';
import {
  checkSamples,
  indicesWhere,
  summarise,
  type FoldScores,
  type PatchCVOptions,
  type PatchCVResult,
} from './patch-cv.js';
import { predictPatchProbabilities } from './patch-predict.js';
import {
  createPatchClassifier,
  trainPatchClassifier,
  type PatchClassifierInit,
  type PatchFinetuneOptions,
  type TrainPatchClassifierResult,
} from './patch-finetune.js';

/** class-stratified subset of `idx`: the first round(f · n_c) (>= 1) of a seeded permutation per class */
export function stratifiedFraction(
  y: ArrayLike<number>,
  idx: readonly number[],
  fraction: number,
  seed: number,
  fold: number,
): number[] {
  if (!(fraction > 0 && fraction <= 1)) throw new RangeError(`labelFraction must be in (0, 1], got ${fraction}`);
  if (fraction === 1) return idx.slice();
  const out: number[] = [];
  for (const cls of [0, 1]) {
    const members = idx.filter((i) => y[i] === cls).sort((a, b) => a - b);
    if (members.length === 0) continue;
    const order = protocolRng(seed, 'label-fraction', fold, cls).shuffle(members);
    out.push(...order.slice(0, Math.max(1, Math.round(fraction * members.length))));
  }
  return out.sort((a, b) => a - b);
}

export interface PatchFinetuneCVOptions
  extends PatchFinetuneOptions, PatchCVOptions, Omit<PatchClassifierInit, 'seed' | 'device'> {
  /** which model to return: fold 0's ('fold', default), one trained on all labelled patches ('final'), or none */
  returnModel?: 'fold' | 'final' | 'none';
}

export interface PatchFinetuneFoldScores extends FoldScores, Omit<TrainPatchClassifierResult, 'trainSamples'> {
  validationPatients: string[];
  validationSamples: number;
}

export interface PatchFinetuneCVResult extends PatchCVResult {
  scheme: 'fine-tuning';
  init: 'pretrained' | 'random';
  labelFraction: number;
  folds: PatchFinetuneFoldScores[];
  /** the returned model (eval mode), and what it was trained on */
  model: PatchClassifier | null;
  modelFrom: number | 'final' | null;
  /** the final model's training record ('final' only) */
  finalTraining?: TrainPatchClassifierResult;
  /** the resolved hyper-parameters */
  settings: {
    epochs: number;
    lr: number;
    weightDecay: number;
    batchSize: number;
    validationFraction: number;
    threshold: number;
    seed: number;
    k: number;
    balance: 'weighted-loss';
  };
}

function disposeModule(m: nn.Module): void {
  for (const t of [...m.parameters(), ...m.buffers()]) t.dispose();
}

/** Splits a patient set into training and inner-validation patients (fraction 0 or < 2 patients: none held out). */
function innerPatients(
  splits: Splits,
  foldIndex: number,
  patients: string[],
  fraction: number,
  seed: number,
): { train: Set<string>; validation: string[] } {
  if (fraction === 0 || patients.length < 2) return { train: new Set(patients), validation: [] };
  const inner = innerSplit(
    { index: foldIndex, train: patients, test: foldIndex < splits.k ? splits.folds[foldIndex]! : [] },
    {
      seed,
      fraction,
    },
  );
  return { train: new Set(inner.train), validation: inner.validation };
}

/** What every fold of one cross-validation shares. */
interface CVRun {
  who: string;
  dataset: LandmarkPatchDataset;
  samples: PatchSamples;
  options: PatchFinetuneCVOptions;
  splits: Splits;
  init: 'pretrained' | 'random';
  seed: number;
  labelFraction: number;
  validationFraction: number;
}

interface Fit {
  model: PatchClassifier;
  record: TrainPatchClassifierResult;
  validation: string[];
  valSamples: number;
}

/** A model fine-tuned on `trainPatients` (fold `foldIndex`; `splits.k`: the final model on every patient). */
function fitOn(c: CVRun, foldIndex: number, trainPatients: string[]): Fit {
  const { samples, splits, options } = c;
  const n = samples.y.length;
  const inner = innerPatients(splits, foldIndex, trainPatients, c.validationFraction, c.seed);
  const pool = indicesWhere(n, (i) => inner.train.has(samples.patient[i]!));
  const valSet = new Set(inner.validation);
  const val = indicesWhere(n, (i) => valSet.has(samples.patient[i]!));
  const train = stratifiedFraction(samples.y, pool, c.labelFraction, c.seed, foldIndex);
  const foldSeed = stepSeed(c.seed, 1_000_003 + foldIndex, 0);
  const m = createPatchClassifier({ ...options, init: c.init, seed: foldSeed });
  const what = foldIndex < splits.k ? `fold ${foldIndex + 1}/${splits.k}` : 'final model';
  options.log?.(
    `${what}: ${train.length} training patches (${inner.train.size} patients), ` +
      `${val.length} validation patches (${inner.validation.length} patients)`,
  );
  try {
    const record = trainPatchClassifier(m, c.dataset, samples, train, val.length > 0 ? val : null, {
      ...options,
      seed: foldSeed,
    });
    return { model: m, record, validation: inner.validation, valSamples: val.length };
  } catch (e) {
    disposeModule(m);
    throw new Error(`${c.who}: ${foldIndex < splits.k ? `fold ${foldIndex}` : 'final model'}: ${(e as Error).message}`);
  }
}

/** Fold f's model on its test patients: writes their probabilities and predictions, returns the fold's scores. */
function testFold(
  c: CVRun,
  f: number,
  fit: Fit,
  foldOf: Int32Array,
  out: { probability: Float64Array; prediction: Uint8Array; threshold: number },
): PatchFinetuneFoldScores {
  const { samples } = c;
  const fold = getFold(c.splits, f);
  const test = indicesWhere(samples.y.length, (i) => foldOf[i] === f);
  const prob = predictPatchProbabilities(fit.model, c.dataset, samples, test, { device: c.options.device });
  const truth = test.map((i) => samples.y[i]!);
  const pred = test.map((i, r) => {
    out.probability[i] = prob[r]!;
    out.prediction[i] = prob[r]! >= out.threshold ? 1 : 0;
    return out.prediction[i]!;
  });
  const { trainSamples, ...record } = fit.record;
  return {
    ...binaryClassification(pred, truth),
    ...record,
    fold: f,
    trainPatients: fold.train,
    testPatients: fold.test,
    trainSamples,
    testSamples: test.length,
    testPositives: truth.reduce((a, v) => a + v, 0),
    validationPatients: fit.validation,
    validationSamples: fit.valSamples,
  };
}

/** The options resolved and checked. */
function resolveCV(who: string, options: PatchFinetuneCVOptions) {
  const labelFraction = options.labelFraction ?? 1;
  if (!(labelFraction > 0 && labelFraction <= 1))
    throw new RangeError(`${who}: labelFraction must be in (0, 1], got ${labelFraction}`);
  const validationFraction = options.validationFraction ?? 0.2;
  if (!(validationFraction >= 0 && validationFraction < 1))
    throw new RangeError(`${who}: validationFraction must be in [0, 1), got ${validationFraction}`);
  const init = options.init ?? 'pretrained';
  return { init, seed: options.seed ?? 0, labelFraction, validationFraction, threshold: options.threshold ?? 0.5 };
}

/** Full fine-tuning (scheme (b)) with k-fold cross-validation over patients. */
export function finetunePatchClassifierCV(
  dataset: LandmarkPatchDataset,
  samples: PatchSamples,
  options: PatchFinetuneCVOptions,
): PatchFinetuneCVResult {
  const who = 'finetunePatchClassifierCV';
  checkSamples(samples, dataset, who);
  const { threshold, ...resolved } = resolveCV(who, options);
  const returnModel = options.returnModel ?? 'fold';
  const n = samples.y.length;
  const { splits, foldOf } = patientFolds(samples.patient, options, 'patch classification');
  const c: CVRun = { who, dataset, samples, options, splits, ...resolved };
  const out = { probability: new Float64Array(n), prediction: new Uint8Array(n), threshold };
  const folds: PatchFinetuneFoldScores[] = [];
  let model: PatchClassifier | null = null;
  let modelFrom: number | 'final' | null = null;
  for (let f = 0; f < splits.k; f++) {
    const fit = fitOn(c, f, getFold(splits, f).train);
    folds.push(testFold(c, f, fit, foldOf, out));
    if (returnModel === 'fold' && f === 0) {
      model = fit.model;
      modelFrom = 0;
    } else disposeModule(fit.model);
  }
  let finalTraining: TrainPatchClassifierResult | undefined;
  if (returnModel === 'final') {
    const fit = fitOn(c, splits.k, [...new Set(samples.patient)].sort());
    model = fit.model;
    modelFrom = 'final';
    finalTraining = fit.record;
  }
  return {
    scheme: 'fine-tuning',
    init: c.init,
    labelFraction: c.labelFraction,
    folds,
    summary: summarise(folds),
    pooled: binaryClassification(out.prediction, Array.from(samples.y)),
    splits,
    foldOf,
    probability: out.probability,
    prediction: out.prediction,
    model,
    modelFrom,
    ...(finalTraining ? { finalTraining } : {}),
    settings: {
      epochs: options.epochs ?? 20,
      lr: options.lr ?? 1e-4,
      weightDecay: options.weightDecay ?? 0,
      batchSize: options.batchSize ?? 32,
      validationFraction: c.validationFraction,
      threshold,
      seed: c.seed,
      k: splits.k,
      balance: 'weighted-loss',
    },
  };
}
