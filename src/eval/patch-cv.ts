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
 * This file: what both schemes share (folds, scores, checks). Scheme (a): patch-linear-readout.ts; scheme (b):
 * patch-finetune.ts (training) and patch-finetune-cv.ts (cross-validation).
 *
 * Options object in, typed result object out. The fine-tuned model of fold 0 (default) or a final model trained on
 * all labelled patches is returned for dense prediction (src/eval/dense/).
 */
import type { BinaryClassificationResult } from './metrics/classification.js';
import { summarizeValues, type ValueSummary } from './metrics/stats.js';
import type { PatientFoldOptions } from './protocol/patient-folds.js';
import type { Splits } from './protocol/index.js';
import type { LandmarkPatchDataset } from '../data/landmark-patches.js';
import type { PatchSamples } from '../data/patch-labels.js';

/** folds (default 5, the paper's), their seed (default 0) and every other draw's, or given splits */
export type PatchCVOptions = PatientFoldOptions;

/** each score's mean, population standard deviation (ddof 0) and count over the folds */
export interface CVSummary {
  f1: ValueSummary;
  precision: ValueSummary;
  recall: ValueSummary;
  accuracy: ValueSummary;
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

export function summarise(folds: readonly BinaryClassificationResult[]): CVSummary {
  const ms = (f: (r: BinaryClassificationResult) => number): ValueSummary => summarizeValues(folds.map(f));
  return {
    f1: ms((r) => r.f1),
    precision: ms((r) => r.precision),
    recall: ms((r) => r.recall),
    accuracy: ms((r) => r.accuracy),
  };
}

export function indicesWhere(n: number, pred: (i: number) => boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (pred(i)) out.push(i);
  return out;
}

export function checkSamples(
  samples: PatchSamples,
  dataset: Pick<LandmarkPatchDataset, 'has' | 'length'>,
  who: string,
): void {
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

export function checkBothClasses(y: ArrayLike<number>, idx: readonly number[], what: string): void {
  let pos = 0;
  for (const i of idx) pos += y[i]!;
  if (pos === 0 || pos === idx.length)
    throw new Error(
      `${what}: the training patches hold a single class (${pos} positive of ${idx.length}); ` +
        'a classifier needs both lesion and healthy patches (fewer folds, or more labelled scans)',
    );
}
