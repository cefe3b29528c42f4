/**
 * Linear readout for patch classification (DrasCLR §4.4, "linear readout ... utilizes the pre-trained encoder as a
 * fixed feature extractor and training a new linear classifier", reported as F1, precision and recall): a logistic
 * regression (logistic-regression.ts) on frozen features, evaluated with the binary metrics of
 * src/eval/metrics/classification.ts.
 *
 * Binary labels 0/1 (1 = the positive class, e.g. emphysema): a sample is predicted positive when
 * P(1 | x) ≥ threshold (default 0.5). More than two classes: the argmax class, with one-vs-rest precision / recall /
 * F1 per class and their unweighted (macro) mean.
 */
import { binaryClassification, type BinaryClassificationResult } from '../metrics/classification.js';
import type { Features } from './design.js';
import {
  accuracy,
  fitLogisticRegression,
  type LogisticRegressionModel,
  type LogisticRegressionOptions,
} from './logistic-regression.js';

export interface LinearReadoutOptions extends LogisticRegressionOptions {
  /** decision threshold on P(class 1) for binary labels (default 0.5) */
  threshold?: number;
}

export interface ClassReport extends BinaryClassificationResult {
  classId: number;
  /** samples of this class in the truth */
  support: number;
}

export interface ReadoutClassificationResult {
  accuracy: number;
  /** predicted label of each sample */
  predictions: number[];
  /** binary labels: the metrics of class 1 */
  binary: BinaryClassificationResult | null;
  /** one-vs-rest metrics of every class of the model */
  perClass: ClassReport[];
  macro: { precision: number; recall: number; f1: number };
}

export interface LinearReadout {
  model: LogisticRegressionModel;
  threshold: number;
  predict(x: Features): number[];
  evaluate(x: Features, labels: ArrayLike<number>): ReadoutClassificationResult;
}

export function fitLinearReadout(
  x: Features,
  labels: ArrayLike<number>,
  options: LinearReadoutOptions = {},
): LinearReadout {
  const threshold = options.threshold ?? 0.5;
  if (!(threshold > 0 && threshold < 1)) {
    throw new Error(`fitLinearReadout: options.threshold must be in (0, 1), got ${threshold}`);
  }
  const model = fitLogisticRegression(x, labels, options);
  const binary = model.classes.length === 2 && model.classes[0] === 0 && model.classes[1] === 1;
  const predict = (xs: Features): number[] => {
    if (!binary) return model.predict(xs);
    const prob = model.predictProba(xs);
    const out: number[] = [];
    for (let i = 0; i < prob.length / 2; i++) out.push(prob[2 * i + 1]! >= threshold ? 1 : 0);
    return out;
  };
  return {
    model,
    threshold,
    predict,
    evaluate(xs: Features, truth: ArrayLike<number>): ReadoutClassificationResult {
      const predictions = predict(xs);
      return classificationReport(predictions, truth, model.classes);
    },
  };
}

/**
 * Accuracy and one-vs-rest precision / recall / F1 of predicted labels against the truth, for `classes` (default:
 * the labels present in either). With classes exactly [0, 1], `binary` holds class 1's metrics.
 */
export function classificationReport(
  pred: ArrayLike<number>,
  truth: ArrayLike<number>,
  classes?: readonly number[],
): ReadoutClassificationResult {
  const acc = accuracy(pred, truth); // validates lengths and finiteness
  const cls = classes ? [...classes] : [...new Set([...Array.from(pred), ...Array.from(truth)])].sort((a, b) => a - b);
  const perClass: ClassReport[] = cls.map((c) => {
    const p = Array.from(pred, (v) => (v === c ? 1 : 0));
    const t = Array.from(truth, (v) => (v === c ? 1 : 0));
    const r = binaryClassification(p, t);
    return { ...r, classId: c, support: r.tp + r.fn };
  });
  const mean = (f: (r: ClassReport) => number): number => perClass.reduce((s, r) => s + f(r), 0) / perClass.length;
  const isBinary = cls.length === 2 && cls[0] === 0 && cls[1] === 1;
  return {
    accuracy: acc,
    predictions: Array.from(pred),
    binary: isBinary ? perClass[1]! : null,
    perClass,
    macro: { precision: mean((r) => r.precision), recall: mean((r) => r.recall), f1: mean((r) => r.f1) },
  };
}
