/**
 * DrasCLR patch classification, scheme (a), the linear readout (src/eval/patch-cv.ts has the whole protocol): frozen
 * representations y = e(x, p) → L2-penalised logistic regression (λ = 1 = scikit-learn's C = 1; features z-scored on
 * the training fold, ours) → P(lesion) ≥ 0.5, with k-fold cross-validation over patients.
 */
import { binaryClassification } from './metrics/classification.js';
import { getFold } from './protocol/index.js';
import { patientFolds } from './protocol/patient-folds.js';
import { fitLinearReadout } from './readout/classification.js';
import type { DrasclrEncoder } from '../models/drasclr-encoder.js';
import type { LandmarkPatchDataset } from '../data/landmark-patches.js';
import type { PatchSamples } from '../data/patch-labels.js';
import { embedPatches, type PatchEmbeddings } from './patch-embed.js';
import {
  checkBothClasses,
  checkSamples,
  indicesWhere,
  summarise,
  type FoldScores,
  type PatchCVOptions,
  type PatchCVResult,
} from './patch-cv.js';

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
  const { splits, foldOf } = patientFolds(input.patient, options, 'patch classification');
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
