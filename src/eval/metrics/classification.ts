/**
 * Precision, recall, F1 (and accuracy, specificity) for binary classification, e.g. DrasCLR's patch
 * classification readouts. Labels are 0/1 numbers or booleans; 1/true is the positive class.
 *
 *   precision = TP / (TP + FP), recall = TP / (TP + FN), F1 = 2TP / (2TP + FP + FN) (= the harmonic mean of
 *   precision and recall whenever both are defined, 0 when TP = 0 < FP + FN), accuracy = (TP + TN) / n,
 *   specificity = TN / (TN + FP).
 *
 * A 0/0 ratio (no predicted positives for precision, no true positives for recall, ...) takes the value
 * `zeroDivision` (default 0, scikit-learn's choice) and is named in `undefined`, never NaN.
 */
import { binaryConfusion } from './confusion.js';

export type RatioName = 'precision' | 'recall' | 'f1' | 'accuracy' | 'specificity';

export interface BinaryClassificationOptions {
  /** value of a 0/0 ratio, default 0 */
  zeroDivision?: 0 | 1;
}

export interface BinaryClassificationResult {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  count: number;
  precision: number;
  recall: number;
  f1: number;
  accuracy: number;
  specificity: number;
  /** the ratios that were 0/0 and got the zeroDivision value */
  undefined: RatioName[];
}

export function binaryClassification(
  pred: ArrayLike<number | boolean>,
  truth: ArrayLike<number | boolean>,
  options: BinaryClassificationOptions = {},
): BinaryClassificationResult {
  const zd = options.zeroDivision ?? 0;
  if (zd !== 0 && zd !== 1)
    throw new Error(`binaryClassification: options.zeroDivision must be 0 or 1, got ${String(zd)}`);
  if (pred.length === 0) throw new Error('binaryClassification: no samples');
  const { tp, fp, fn, tn } = binaryConfusion(pred, truth, 'binaryClassification');
  const undef: RatioName[] = [];
  const ratio = (name: RatioName, num: number, den: number): number => {
    if (den === 0) {
      undef.push(name);
      return zd;
    }
    return num / den;
  };
  const precision = ratio('precision', tp, tp + fp);
  const recall = ratio('recall', tp, tp + fn);
  const f1 = ratio('f1', 2 * tp, 2 * tp + fp + fn);
  const count = tp + fp + fn + tn;
  const accuracy = ratio('accuracy', tp + tn, count);
  const specificity = ratio('specificity', tn, tn + fp);
  return { tp, fp, fn, tn, count, precision, recall, f1, accuracy, specificity, undefined: undef };
}
