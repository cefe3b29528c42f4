/**
 * DrasCLR patch classification (Yu et al. §4.3.1, Table 5, Fig. 5; docs/drasclr.md): lesion vs healthy
 * patches at the landmarks, with two schemes, both evaluated by k-fold cross-validation over PATIENTS (default 5
 * folds, seeded; docs/protocol.md §1), reporting F1, precision and recall as mean ± sd over the folds (sd: population,
 * ddof 0, as the project's other fold summaries) plus the pooled confusion of all test predictions:
 *
 * (a) linear readout: "the pre-trained encoder as a fixed feature extractor and training a new linear classifier":
 *     frozen representations y = e(x, p) (embed.ts) → L2-penalised logistic regression (eval/readout, λ = 1 =
 *     scikit-learn's C = 1; features z-scored on the training fold, ours) → P(lesion) ≥ 0.5.
 *
 * (b) full fine-tuning: "appending a linear classifier to the pretrained encoder and fine-tuning all network layers":
 *     a COPY of the pre-trained encoder (its state dict loaded into a fresh buildDrasclrEncoder(cfg)) with a new
 *     Linear(128, 1) on the representation; every encoder layer and the classifier are trained (the projection head
 *     is not used by the classifier and stays as it was). `init: 'random'` runs the identical loop from a random
 *     encoder (the paper's "patch-based CNN trained from scratch").
 *     - batches hold ONE landmark (Loc-CondConv mixes its kernel once per batch), landmark groups shuffled each epoch;
 *       a landmark with a single training patch is skipped (BatchNorm needs two samples);
 *     - class balance by a WEIGHTED LOSS: binary cross-entropy with logits, positives weighted n_neg / n_pos of the
 *       training patches (ours; the paper does not say);
 *     - `labelFraction` (Fig. 5: 10 %..100 % of the labelled patches): a class-stratified subset of the training
 *       patches, drawn from one seeded permutation so that smaller fractions are subsets of larger ones;
 *     - checkpoint selection on an inner validation split of the fold's TRAINING patients (eval/protocol
 *       innerSplit, default 20 %): best validation F1, ties broken by the lower validation loss; the test fold is
 *       never used for selection. `validationFraction: 0` keeps the last epoch;
 *     - Adam, lr 1e-4, 20 epochs, batch 32, no weight decay, no augmentation: ours (the paper gives no fine-tuning
 *       hyper-parameters); every draw is seeded from `seed` and the fold.
 *
 * Options object in, typed result object out. The fine-tuned model of fold 0 (default) or a final model trained on
 * all labelled patches is returned for dense prediction (dense-prediction.ts).
 */
import { F, keep, manualSeed, nn, noGrad, optim, tensor, tidy, type Tensor } from '../engine/index.js';
import { binaryClassification, type BinaryClassificationResult } from './metrics/classification.js';
import { mean, std } from './metrics/stats.js';
import { checkSplitsMatch, getFold, innerSplit, kFold, protocolRng, type Splits } from './protocol/index.js';
import { fitLinearReadout } from './readout/classification.js';
import { buildDrasclrEncoder } from '../methods/drasclr.js';
import type { DrasclrEncoder } from '../models/drasclr-encoder.js';
import type { LandmarkLocation } from '../models/loc-cond-conv.js';
import { stepSeed } from '../train/run-state.js';
import type { Rng } from '../util/rng.js';
import type { DrasclrConfig } from '../methods/drasclr-config.js';
import type { LandmarkPatchDataset } from '../data/landmark-patches.js';
import { embedPatches, type PatchEmbeddings } from './patch-embed.js';
import type { PatchSamples } from '../data/patch-labels.js';

// ---------------------------------------------------------------------------------------------------------------
// folds and scores

export interface PatchCVOptions {
  /** folds (default 5, the paper's) */
  k?: number;
  /** seed of the folds and every other draw (default 0) */
  seed?: number;
  /** given splits (eval/protocol kFold, e.g. read from a splits file) instead of new ones; checked to fit */
  splits?: Splits;
}

export interface MeanSd {
  mean: number;
  /** population standard deviation over the folds (ddof 0) */
  sd: number;
}

export interface CVSummary {
  f1: MeanSd;
  precision: MeanSd;
  recall: MeanSd;
  accuracy: MeanSd;
}

export interface FoldScores extends BinaryClassificationResult {
  fold: number;
  trainPatients: string[];
  testPatients: string[];
  /** labelled patches the fold's model was fitted on, and tested on */
  trainSamples: number;
  testSamples: number;
  testPositives: number;
}

/** Folds over the samples' patients: the splits and each sample's test fold. */
export function patientFolds(
  patient: readonly string[],
  options: PatchCVOptions = {},
): { splits: Splits; foldOf: Int32Array } {
  const ids = [...new Set(patient)];
  let splits: Splits;
  if (options.splits) {
    checkSplitsMatch(options.splits, ids, 'patch classification splits');
    splits = options.splits;
  } else {
    const k = options.k ?? 5;
    if (ids.length < k)
      throw new Error(
        `patch classification: ${k}-fold cross-validation needs at least ${k} patients, got ${ids.length}`,
      );
    splits = kFold(ids, { k, seed: options.seed ?? 0, unit: 'patient' });
  }
  const foldByPatient = new Map<string, number>();
  splits.folds.forEach((f, i) => f.forEach((p) => foldByPatient.set(p, i)));
  return { splits, foldOf: Int32Array.from(patient, (p) => foldByPatient.get(p)!) };
}

function summarise(folds: readonly BinaryClassificationResult[]): CVSummary {
  const ms = (f: (r: BinaryClassificationResult) => number): MeanSd => {
    const v = folds.map(f);
    return { mean: mean(v), sd: std(v, 'population') ?? 0 };
  };
  return {
    f1: ms((r) => r.f1),
    precision: ms((r) => r.precision),
    recall: ms((r) => r.recall),
    accuracy: ms((r) => r.accuracy),
  };
}

function indicesWhere(n: number, pred: (i: number) => boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (pred(i)) out.push(i);
  return out;
}

function checkSamples(samples: PatchSamples, dataset: Pick<LandmarkPatchDataset, 'has' | 'length'>, who: string): void {
  const n = samples.y.length;
  if (samples.scan.length !== n || samples.landmark.length !== n || samples.patient.length !== n)
    throw new RangeError(`${who}: samples: scan, landmark, y and patient must have the same length`);
  if (n === 0) throw new Error(`${who}: no labelled patches`);
  for (let i = 0; i < n; i++) {
    if (samples.y[i] !== 0 && samples.y[i] !== 1) throw new RangeError(`${who}: samples.y[${i}] = ${samples.y[i]}`);
    if (!dataset.has(samples.scan[i]!, samples.landmark[i]!))
      throw new RangeError(
        `${who}: sample ${i}: scan ${samples.scan[i]} has no patch at landmark ${samples.landmark[i]}`,
      );
  }
}

function checkBothClasses(y: ArrayLike<number>, idx: readonly number[], what: string): void {
  let pos = 0;
  for (const i of idx) pos += y[i]!;
  if (pos === 0 || pos === idx.length)
    throw new Error(
      `${what}: the training patches hold a single class (${pos} positive of ${idx.length}); ` +
        'a classifier needs both lesion and healthy patches (fewer folds, or more labelled scans)',
    );
}

// ---------------------------------------------------------------------------------------------------------------
// (a) linear readout

export interface LinearReadoutCVOptions extends PatchCVOptions {
  /** L2 penalty of the logistic regression (default 1 = scikit-learn's C = 1) */
  l2?: number;
  /** z-score the features on each training fold (default true, ours) */
  standardize?: boolean;
  /** decision threshold on P(lesion) (default 0.5) */
  threshold?: number;
}

export interface LinearReadoutCVInput {
  /** one row per sample, row-major n × cols */
  features: { data: ArrayLike<number>; cols: number };
  /** 0/1 per sample */
  y: ArrayLike<number>;
  /** patient of each sample (folds are made over these) */
  patient: readonly string[];
}

export interface PatchCVResult {
  scheme: 'linear-readout' | 'fine-tuning';
  folds: FoldScores[];
  summary: CVSummary;
  /** all test predictions together */
  pooled: BinaryClassificationResult;
  splits: Splits;
  /** per sample: its test fold, P(lesion) from that fold's model, and the 0/1 prediction */
  foldOf: Int32Array;
  probability: Float64Array;
  prediction: Uint8Array;
}

export type LinearReadoutCVResult = PatchCVResult & { scheme: 'linear-readout' };

/** Linear readout of given features with k-fold cross-validation over patients. */
export function linearReadoutCV(
  input: LinearReadoutCVInput,
  options: LinearReadoutCVOptions = {},
): LinearReadoutCVResult {
  const who = 'linearReadoutCV';
  const { data, cols } = input.features;
  const n = input.y.length;
  if (!Number.isInteger(cols) || cols < 1 || data.length !== n * cols)
    throw new RangeError(`${who}: features hold ${data.length} values, expected ${n} samples × ${cols} columns`);
  if (input.patient.length !== n) throw new RangeError(`${who}: ${input.patient.length} patients for ${n} samples`);
  const threshold = options.threshold ?? 0.5;
  const { splits, foldOf } = patientFolds(input.patient, options);
  const probability = new Float64Array(n);
  const prediction = new Uint8Array(n);
  const rows = (idx: readonly number[]): Float64Array => {
    const out = new Float64Array(idx.length * cols);
    idx.forEach((i, r) => {
      for (let c = 0; c < cols; c++) out[r * cols + c] = data[i * cols + c]!;
    });
    return out;
  };
  const folds: FoldScores[] = [];
  for (let f = 0; f < splits.k; f++) {
    const test = indicesWhere(n, (i) => foldOf[i] === f);
    const train = indicesWhere(n, (i) => foldOf[i] !== f);
    checkBothClasses(input.y, train, `${who}: fold ${f}`);
    const readout = fitLinearReadout(
      { data: rows(train), cols },
      train.map((i) => input.y[i]!),
      { l2: options.l2 ?? 1, standardize: options.standardize ?? true, threshold },
    );
    const proba = readout.model.predictProba({ data: rows(test), cols });
    const truth = test.map((i) => input.y[i]!);
    const pred = test.map((i, r) => {
      probability[i] = proba[2 * r + 1]!;
      prediction[i] = probability[i]! >= threshold ? 1 : 0;
      return prediction[i]!;
    });
    const fold = getFold(splits, f);
    folds.push({
      ...binaryClassification(pred, truth),
      fold: f,
      trainPatients: fold.train,
      testPatients: fold.test,
      trainSamples: train.length,
      testSamples: test.length,
      testPositives: truth.reduce((a, v) => a + v, 0),
    });
  }
  return {
    scheme: 'linear-readout',
    folds,
    summary: summarise(folds),
    pooled: binaryClassification(prediction, Array.from(input.y)),
    splits,
    foldOf,
    probability,
    prediction,
  };
}

/** The frozen representation of each sample: a view of `embedPatches`' rows in sample order (n × dim). */
export function sampleFeatures(
  embeddings: PatchEmbeddings,
  samples: Pick<PatchSamples, 'scan' | 'landmark'>,
  landmarks: number,
): Float32Array {
  const dim = embeddings.dim;
  const out = new Float32Array(samples.scan.length * dim);
  for (let i = 0; i < samples.scan.length; i++) {
    const row = embeddings.rowOf[samples.scan[i]! * landmarks + samples.landmark[i]!]!;
    if (row < 0) throw new Error(`sampleFeatures: sample ${i} was not embedded`);
    out.set(embeddings.data.subarray(row * dim, (row + 1) * dim), i * dim);
  }
  return out;
}

/** Linear readout of a frozen encoder's representations of the labelled patches (scheme (a)). */
export function patchLinearReadout(
  encoder: DrasclrEncoder,
  dataset: LandmarkPatchDataset,
  samples: PatchSamples,
  options: LinearReadoutCVOptions & { batchSize?: number } = {},
): LinearReadoutCVResult & { embeddings: PatchEmbeddings } {
  checkSamples(samples, dataset, 'patchLinearReadout');
  const scans = [...new Set(samples.scan)].sort((a, b) => a - b);
  const embeddings = embedPatches(encoder, dataset, { batchSize: options.batchSize, scans });
  const data = sampleFeatures(embeddings, samples, dataset.landmarkCount);
  const result = linearReadoutCV(
    { features: { data, cols: embeddings.dim }, y: samples.y, patient: samples.patient },
    options,
  );
  return { ...result, embeddings };
}

// ---------------------------------------------------------------------------------------------------------------
// (b) full fine-tuning

/** The pre-trained (or random) DrasCLR encoder with a linear classifier on its representation: one logit per patch. */
export class PatchClassifier extends nn.Module {
  readonly encoder: DrasclrEncoder;
  readonly fc: nn.Linear;

  constructor(encoder: DrasclrEncoder) {
    super();
    this.encoder = this.registerModule('encoder', encoder);
    const device = encoder.blocks[0]!.conv.weight.device;
    this.fc = this.registerModule('fc', new nn.Linear(encoder.representationDim, 1, { device }));
  }

  /** logits [B] of patches x [B, 1, d, d, d] of ONE landmark with location p */
  override forward(x: Tensor, p: LandmarkLocation): Tensor {
    return tidy(() => this.fc.forward(this.encoder.encode(x, p)).reshape(-1));
  }

  /** P(lesion) of each patch, without gradients, in the module's current mode */
  probabilities(x: Tensor, p: LandmarkLocation): Float32Array {
    return noGrad(() => tidy(() => this.forward(x, p).sigmoid().float().toFloat32Array()));
  }

  /** the fine-tuned parameters: the encoder (all layers) and the classifier; not the unused projection head */
  trainableParameters(): Tensor[] {
    return this.namedParameters()
      .filter(([name]) => !name.startsWith('encoder.head.'))
      .map(([, t]) => t);
  }

  /** the encoder parameters that fine-tuning trains (no projection head, no classifier), by name */
  encoderParameters(): [string, Tensor][] {
    return this.encoder.namedParameters().filter(([name]) => !name.startsWith('head.'));
  }
}

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

/** batches of one landmark each, sizes <= batchSize (never 1: a trailing single patch joins the previous batch) */
function landmarkBatches(
  samples: PatchSamples,
  idx: readonly number[],
  batchSize: number,
  rng: Pick<Rng, 'shuffle'>,
): { batches: number[][]; skipped: number[] } {
  const byLandmark = new Map<number, number[]>();
  for (const i of idx) {
    const l = samples.landmark[i]!;
    if (!byLandmark.has(l)) byLandmark.set(l, []);
    byLandmark.get(l)!.push(i);
  }
  const batches: number[][] = [];
  const skipped: number[] = [];
  for (const l of [...byLandmark.keys()].sort((a, b) => a - b)) {
    const members = rng.shuffle(byLandmark.get(l)!);
    if (members.length < 2) {
      skipped.push(l);
      continue;
    }
    const count = Math.max(1, Math.min(Math.ceil(members.length / batchSize), Math.floor(members.length / 2)));
    for (let c = 0; c < count; c++)
      batches.push(
        members.slice(Math.floor((c * members.length) / count), Math.floor(((c + 1) * members.length) / count)),
      );
  }
  return { batches: rng.shuffle(batches), skipped };
}

/** P(lesion) of the given samples (eval mode, batches of one landmark); in `idx` order. */
export function predictPatchProbabilities(
  model: PatchClassifier,
  dataset: LandmarkPatchDataset,
  samples: Pick<PatchSamples, 'scan' | 'landmark'>,
  idx: readonly number[],
  options: { batchSize?: number; device?: string } = {},
): Float64Array {
  const batchSize = options.batchSize ?? 64;
  const out = new Float64Array(idx.length);
  const byLandmark = new Map<number, number[]>();
  idx.forEach((i, r) => {
    const l = samples.landmark[i]!;
    if (!byLandmark.has(l)) byLandmark.set(l, []);
    byLandmark.get(l)!.push(r);
  });
  const wasTraining = model.training;
  model.eval();
  try {
    for (const [l, rows] of byLandmark) {
      const p = dataset.landmarks[l]!.location;
      for (let b = 0; b < rows.length; b += batchSize) {
        const chunk = rows.slice(b, b + batchSize);
        const prob = tidy(() => {
          let x = dataset.batch(
            chunk.map((r) => samples.scan[idx[r]!]!),
            l,
          );
          if (options.device) x = x.to({ device: options.device });
          return model.probabilities(x, p);
        });
        chunk.forEach((r, j) => (out[r] = prob[j]!));
      }
    }
  } finally {
    if (wasTraining) model.train();
  }
  return out;
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
  const who = 'trainPatchClassifier';
  const epochs = options.epochs ?? 20;
  const lr = options.lr ?? 1e-4;
  const batchSize = options.batchSize ?? 32;
  const threshold = options.threshold ?? 0.5;
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(epochs) || epochs < 1) throw new RangeError(`${who}: epochs must be an integer >= 1`);
  if (!Number.isSafeInteger(batchSize) || batchSize < 2)
    throw new RangeError(`${who}: batchSize must be an integer >= 2`);
  if (!(lr > 0)) throw new RangeError(`${who}: lr must be > 0, got ${lr}`);
  checkBothClasses(samples.y, train, who);
  const pos = train.reduce((a, i) => a + samples.y[i]!, 0);
  const posWeight = (train.length - pos) / pos;
  const opt = new optim.Adam(model.trainableParameters(), { lr, weightDecay: options.weightDecay ?? 0 });
  const start = flatParams(model.encoderParameters());
  const history: EpochRecord[] = [];
  let best: { epoch: number; f1: number; loss: number; state: Map<string, Tensor> } | null = null;
  let steps = 0;
  let skipped: number[] = [];
  const valY = validation ? validation.map((i) => samples.y[i]!) : [];
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      const rng = protocolRng(seed, 'finetune-batches', epoch);
      const plan = landmarkBatches(samples, train, batchSize, rng);
      skipped = plan.skipped;
      if (plan.batches.length === 0)
        throw new Error(`${who}: no landmark has two training patches: nothing to train on`);
      model.train();
      let lossSum = 0;
      plan.batches.forEach((batch, b) => {
        manualSeed(stepSeed(seed, epoch, b));
        const l = samples.landmark[batch[0]!]!;
        const value = tidy(() => {
          let x = dataset.batch(
            batch.map((i) => samples.scan[i]!),
            l,
          );
          if (options.device) x = x.to({ device: options.device });
          const logits = model.forward(x, dataset.landmarks[l]!.location);
          const target = tensor(
            Float32Array.from(batch, (i) => samples.y[i]!),
            { device: logits.device },
          );
          const w = tensor([posWeight], { dtype: 'float32', device: logits.device });
          const loss = F.binaryCrossEntropyWithLogits(logits, target, { posWeight: w });
          const v = loss.item();
          if (!Number.isFinite(v)) throw new Error(`${who}: non-finite loss ${v} at epoch ${epoch + 1}, batch ${b}`);
          opt.zeroGrad();
          loss.backward();
          return v;
        });
        opt.step();
        lossSum += value;
        steps++;
      });
      const rec: EpochRecord = { epoch: epoch + 1, loss: lossSum / plan.batches.length, valF1: null, valLoss: null };
      if (validation && validation.length > 0) {
        const prob = predictPatchProbabilities(model, dataset, samples, validation, { device: options.device });
        rec.valF1 = binaryClassification(
          Array.from(prob, (p) => (p >= threshold ? 1 : 0)),
          valY,
        ).f1;
        rec.valLoss = weightedBce(prob, valY, posWeight);
        if (!best || rec.valF1 > best.f1 || (rec.valF1 === best.f1 && rec.valLoss < best.loss)) {
          const state = noGrad(() => new Map([...model.stateDict()].map(([k, t]) => [k, keepClone(t)])));
          if (best) for (const t of best.state.values()) t.dispose();
          best = { epoch: epoch + 1, f1: rec.valF1, loss: rec.valLoss, state };
        }
      }
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

/** Full fine-tuning (scheme (b)) with k-fold cross-validation over patients. */
export function finetunePatchClassifierCV(
  dataset: LandmarkPatchDataset,
  samples: PatchSamples,
  options: PatchFinetuneCVOptions,
): PatchFinetuneCVResult {
  const who = 'finetunePatchClassifierCV';
  checkSamples(samples, dataset, who);
  const init = options.init ?? 'pretrained';
  const seed = options.seed ?? 0;
  const labelFraction = options.labelFraction ?? 1;
  if (!(labelFraction > 0 && labelFraction <= 1))
    throw new RangeError(`${who}: labelFraction must be in (0, 1], got ${labelFraction}`);
  const validationFraction = options.validationFraction ?? 0.2;
  if (!(validationFraction >= 0 && validationFraction < 1))
    throw new RangeError(`${who}: validationFraction must be in [0, 1), got ${validationFraction}`);
  const threshold = options.threshold ?? 0.5;
  const returnModel = options.returnModel ?? 'fold';
  const n = samples.y.length;
  const { splits, foldOf } = patientFolds(samples.patient, options);
  const probability = new Float64Array(n);
  const prediction = new Uint8Array(n);
  const folds: PatchFinetuneFoldScores[] = [];
  let model: PatchClassifier | null = null;
  let modelFrom: number | 'final' | null = null;

  const fitOn = (
    foldIndex: number,
    trainPatients: string[],
  ): { model: PatchClassifier; record: TrainPatchClassifierResult; validation: string[]; valSamples: number } => {
    const inner = innerPatients(splits, foldIndex, trainPatients, validationFraction, seed);
    const pool = indicesWhere(n, (i) => inner.train.has(samples.patient[i]!));
    const valSet = new Set(inner.validation);
    const val = indicesWhere(n, (i) => valSet.has(samples.patient[i]!));
    const train = stratifiedFraction(samples.y, pool, labelFraction, seed, foldIndex);
    const foldSeed = stepSeed(seed, 1_000_003 + foldIndex, 0);
    const m = createPatchClassifier({ ...options, init, seed: foldSeed });
    options.log?.(
      `${foldIndex < splits.k ? `fold ${foldIndex + 1}/${splits.k}` : 'final model'}: ${train.length} training patches ` +
        `(${inner.train.size} patients), ${val.length} validation patches (${inner.validation.length} patients)`,
    );
    try {
      const record = trainPatchClassifier(m, dataset, samples, train, val.length > 0 ? val : null, {
        ...options,
        seed: foldSeed,
      });
      return { model: m, record, validation: inner.validation, valSamples: val.length };
    } catch (e) {
      disposeModule(m);
      throw new Error(`${who}: ${foldIndex < splits.k ? `fold ${foldIndex}` : 'final model'}: ${(e as Error).message}`);
    }
  };

  for (let f = 0; f < splits.k; f++) {
    const fold = getFold(splits, f);
    const fit = fitOn(f, fold.train);
    const test = indicesWhere(n, (i) => foldOf[i] === f);
    const prob = predictPatchProbabilities(fit.model, dataset, samples, test, { device: options.device });
    const truth = test.map((i) => samples.y[i]!);
    const pred = test.map((i, r) => {
      probability[i] = prob[r]!;
      prediction[i] = prob[r]! >= threshold ? 1 : 0;
      return prediction[i]!;
    });
    const { trainSamples, ...record } = fit.record;
    folds.push({
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
    });
    if (returnModel === 'fold' && f === 0) {
      model = fit.model;
      modelFrom = 0;
    } else disposeModule(fit.model);
  }
  let finalTraining: TrainPatchClassifierResult | undefined;
  if (returnModel === 'final') {
    const fit = fitOn(splits.k, [...new Set(samples.patient)].sort());
    model = fit.model;
    modelFrom = 'final';
    finalTraining = fit.record;
  }
  return {
    scheme: 'fine-tuning',
    init,
    labelFraction,
    folds,
    summary: summarise(folds),
    pooled: binaryClassification(prediction, Array.from(samples.y)),
    splits,
    foldOf,
    probability,
    prediction,
    model,
    modelFrom,
    ...(finalTraining ? { finalTraining } : {}),
    settings: {
      epochs: options.epochs ?? 20,
      lr: options.lr ?? 1e-4,
      weightDecay: options.weightDecay ?? 0,
      batchSize: options.batchSize ?? 32,
      validationFraction,
      threshold,
      seed,
      k: splits.k,
      balance: 'weighted-loss',
    },
  };
}
