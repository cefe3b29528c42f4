/**
 * Confusion counts from label maps. Convention as scikit-learn: rows = reference (true) label, columns = predicted
 * label, so `counts[r * numClasses + p]` voxels have ref label r and pred label p.
 */
import { countLabels, validatePair, type LabelMap } from './label-map.js';

export interface ConfusionMatrix {
  numClasses: number;
  /** row-major numClasses x numClasses, rows = ref, columns = pred */
  counts: Float64Array;
}

export interface ClassConfusion {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

/** The full confusion matrix of two label maps; every label must be < numClasses. */
export function confusionMatrix(pred: LabelMap, ref: LabelMap, numClasses: number): ConfusionMatrix {
  validatePair(pred, ref, 'confusion');
  countLabels(pred, ref, 'confusion', numClasses); // validates the labels against numClasses
  const counts = new Float64Array(numClasses * numClasses);
  const pd = pred.data;
  const rd = ref.data;
  for (let i = 0; i < pd.length; i++) counts[rd[i]! * numClasses + pd[i]!]!++;
  return { numClasses, counts };
}

/** One-vs-rest TP/FP/FN/TN of class c from a confusion matrix. */
export function classConfusion(m: ConfusionMatrix, c: number): ClassConfusion {
  const k = m.numClasses;
  if (!(Number.isInteger(c) && c >= 0 && c < k)) throw new Error(`confusion: class ${c} out of range for ${k} classes`);
  let total = 0;
  let predC = 0;
  let refC = 0;
  for (let r = 0; r < k; r++) {
    for (let p = 0; p < k; p++) {
      const n = m.counts[r * k + p]!;
      total += n;
      if (p === c) predC += n;
      if (r === c) refC += n;
    }
  }
  const tp = m.counts[c * k + c]!;
  const fp = predC - tp;
  const fn = refC - tp;
  return { tp, fp, fn, tn: total - tp - fp - fn };
}

/** TP/FP/FN/TN of two binary sequences (0/1 numbers or booleans; 1/true = positive). */
export function binaryConfusion(
  pred: ArrayLike<number | boolean>,
  truth: ArrayLike<number | boolean>,
  what = 'binaryConfusion',
): ClassConfusion {
  if (pred.length !== truth.length) {
    throw new Error(`${what}: pred has ${pred.length} entries but truth has ${truth.length}`);
  }
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (let i = 0; i < pred.length; i++) {
    const p = toBit(pred[i]!, `${what}: pred[${i}]`);
    const t = toBit(truth[i]!, `${what}: truth[${i}]`);
    if (p && t) tp++;
    else if (p) fp++;
    else if (t) fn++;
    else tn++;
  }
  return { tp, fp, fn, tn };
}

function toBit(v: number | boolean, what: string): boolean {
  if (v === true || v === 1) return true;
  if (v === false || v === 0) return false;
  throw new Error(`${what} is ${String(v)}: binary labels must be 0/1 or booleans`);
}
