/**
 * Symmetric Hausdorff distance, HD95 and average symmetric surface distance (ASSD) per class, in mm.
 *
 * Surfaces and distances as surface.ts: S_P, S_R = the surface voxels (foreground with a background face-neighbour,
 * image outside = background) of the class in pred and in ref; d(x, S) = Euclidean distance in mm (voxel spacing,
 * anisotropic allowed) from the centre of x to the nearest centre in S, from an exact EDT (edt.ts), not brute force.
 * With D_PR = {d(p, S_R) : p in S_P} and D_RP = {d(r, S_P) : r in S_R}:
 * - HD   = max(max D_PR, max D_RP)  (the two directed maxima; as MONAI, medpy, DeepMind);
 * - HD95 = the 95th percentile, numpy's linear rule (stats.ts), of the UNION D_PR ∪ D_RP (medpy's hd95);
 *          `percentileMode: 'max-directed'` gives max(P95(D_PR), P95(D_RP)) instead (MONAI's and DeepMind's rule);
 * - ASSD = (sum D_PR + sum D_RP) / (|S_P| + |S_R|), the mean of the union (MONAI's symmetric average surface
 *          distance; Heimann et al. 2009). The directed means are in `directed` too.
 *
 * Empty masks (status in every class result):
 * - both empty: `bothEmpty: 'perfect'` (default) -> HD = HD95 = ASSD = 0, included; 'exclude' -> values null, excluded;
 * - one empty (status 'pred-empty' or 'ref-empty'): no distance exists. `oneEmpty: 'diagonal'` (default) -> all three
 *   values = the image diagonal in mm between the centres of opposite corner voxels, sqrt(sum_k ((n_k - 1) s_k)^2),
 *   the largest distance any two voxels of the image can have, so a miss never scores better than any prediction;
 *   included. A number -> that value; 'exclude' -> values null, excluded from means and counted.
 */
import { countLabels, selectClasses, validatePair, type LabelMap } from './label-map.js';
import {
  checkBothEmptyPolicy,
  classStatus,
  countOf,
  makeResult,
  type ClassResult,
  type MetricOptions,
  type MetricResult,
  type SegmentationMetric,
} from './result.js';
import { cropMasks, directedDistances, surfaceMask, unionBoxes, type LabelBoxes } from './surface.js';
import { percentile } from './stats.js';

export type HausdorffValue = 'hd' | 'hd95' | 'assd';

export type OneEmptyPolicy = 'diagonal' | 'exclude' | number;

export interface HausdorffOptions extends MetricOptions {
  /** mm per voxel step, same order as shape; overrides the maps' spacing (one of the two is required) */
  spacing?: readonly number[];
  /** default 'diagonal' */
  oneEmpty?: OneEmptyPolicy;
  /** how HD95 combines the two directions: 'union' (default, medpy) or 'max-directed' (MONAI, DeepMind) */
  percentileMode?: 'union' | 'max-directed';
}

/** One direction's surface distances (mm). */
export interface DirectedDistances {
  /** number of surface voxels it starts from */
  count: number;
  max: number;
  p95: number;
  mean: number;
}

export interface HausdorffClassResult extends ClassResult<HausdorffValue> {
  predSurfaceVoxels: number;
  refSurfaceVoxels: number;
  /** both directions (status 'ok' only, else null) */
  directed: { predToRef: DirectedDistances; refToPred: DirectedDistances } | null;
}

export interface HausdorffResult extends MetricResult<HausdorffValue, HausdorffClassResult> {
  /** the image diagonal in mm, the default one-empty value */
  diagonal: number;
}

export class HausdorffMetric implements SegmentationMetric<HausdorffValue, HausdorffOptions, HausdorffClassResult> {
  readonly name = 'hausdorff';
  readonly valueNames = ['hd', 'hd95', 'assd'] as const;

  /** options given here are defaults for every compute() call */
  constructor(private readonly defaults: HausdorffOptions = {}) {}

  compute(pred: LabelMap, ref: LabelMap, options: HausdorffOptions = {}): HausdorffResult {
    const o = { ...this.defaults, ...options };
    const metric = this.name;
    const { bothEmpty, oneEmpty, mode } = checkPolicies(o, metric);
    const { shape, spacing } = validatePair(pred, ref, metric, o.spacing);
    if (spacing === null) throw new Error(`${metric}: no spacing: give options.spacing or a spacing on pred/ref`);
    const counts = countLabels(pred, ref, metric, o.numClasses);
    const classIds = selectClasses(counts, o, metric);
    let diag2 = 0;
    for (let k = 0; k < shape.length; k++) diag2 += ((shape[k]! - 1) * spacing[k]!) ** 2;
    const diagonal = Math.sqrt(diag2);
    const penalty = oneEmpty === 'exclude' ? null : oneEmpty === 'diagonal' ? diagonal : oneEmpty;

    const needBoxes = classIds.some((c) => countOf(counts.pred, c) > 0 && countOf(counts.ref, c) > 0);
    const boxes = needBoxes ? unionBoxes(pred.data, ref.data, shape, counts.numLabels) : null;

    const classes: HausdorffClassResult[] = [];
    for (const c of classIds) {
      const p = countOf(counts.pred, c);
      const r = countOf(counts.ref, c);
      const status = classStatus(p, r);
      const base = { classId: c, status, predVoxels: p, refVoxels: r };
      if (status === 'ok') {
        classes.push({ ...base, ...classDistances(pred.data, ref.data, shape, spacing, c, boxes!, mode) });
        continue;
      }
      // no distance exists: both empty (perfect or excluded) or one empty (the penalty or excluded)
      const fill = status === 'both-empty' ? (bothEmpty === 'perfect' ? 0 : null) : penalty;
      const v = fill === null ? null : { hd: fill, hd95: fill, assd: fill };
      classes.push({
        ...base,
        included: v !== null,
        values: v,
        predSurfaceVoxels: p === 0 ? 0 : surfaceCount(pred.data, shape, c),
        refSurfaceVoxels: r === 0 ? 0 : surfaceCount(ref.data, shape, c),
        directed: null,
      });
    }
    return { ...makeResult(metric, this.valueNames, shape, spacing, classes), diagonal };
  }
}

function checkPolicies(o: HausdorffOptions, metric: string) {
  const bothEmpty = checkBothEmptyPolicy(o.bothEmpty, metric);
  const oneEmpty = o.oneEmpty ?? 'diagonal';
  if (!(
    oneEmpty === 'diagonal' ||
    oneEmpty === 'exclude' ||
    (typeof oneEmpty === 'number' && oneEmpty >= 0 && oneEmpty !== Infinity)
  )) {
    throw new Error(
      `${metric}: options.oneEmpty must be 'diagonal', 'exclude' or a finite number >= 0, got ${String(oneEmpty)}`,
    );
  }
  const mode = o.percentileMode ?? 'union';
  if (mode !== 'union' && mode !== 'max-directed') {
    throw new Error(`${metric}: options.percentileMode must be 'union' or 'max-directed', got ${String(mode)}`);
  }
  return { bothEmpty, oneEmpty, mode };
}

/** HD, HD95 and ASSD of class c, present in both maps, on the crop to its bounding box (exact, see cropMasks) */
function classDistances(
  pred: LabelMap['data'],
  ref: LabelMap['data'],
  shape: readonly number[],
  spacing: readonly number[],
  c: number,
  boxes: LabelBoxes,
  mode: 'union' | 'max-directed',
): Omit<HausdorffClassResult, 'classId' | 'status' | 'predVoxels' | 'refVoxels'> {
  const nd = shape.length;
  const start: number[] = [];
  const cropShape: number[] = [];
  for (let k = 0; k < nd; k++) {
    const lo = boxes.min[c * nd + k]!;
    start.push(lo);
    cropShape.push(boxes.max[c * nd + k]! - lo + 1);
  }
  const m = cropMasks(pred, ref, shape, c, start, cropShape);
  const sp = surfaceMask(m.a, cropShape);
  const sr = surfaceMask(m.b, cropShape);
  const dpr = directedDistances(sp, sr, cropShape, spacing);
  const drp = directedDistances(sr, sp, cropShape, spacing);
  const predToRef = summarise(dpr);
  const refToPred = summarise(drp);
  const union = new Float64Array(dpr.length + drp.length);
  union.set(dpr, 0);
  union.set(drp, dpr.length);
  const hd = Math.max(predToRef.max, refToPred.max);
  const hd95 = mode === 'union' ? percentile(union, 95) : Math.max(predToRef.p95, refToPred.p95);
  const assd = (predToRef.mean * dpr.length + refToPred.mean * drp.length) / union.length;
  return {
    included: true,
    values: { hd, hd95, assd },
    predSurfaceVoxels: dpr.length,
    refSurfaceVoxels: drp.length,
    directed: { predToRef, refToPred },
  };
}

function summarise(d: Float64Array): DirectedDistances {
  let max = 0;
  let sum = 0;
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    if (v > max) max = v;
    sum += v;
  }
  return { count: d.length, max, p95: percentile(d, 95), mean: sum / d.length };
}

function surfaceCount(data: ArrayLike<number>, shape: readonly number[], label: number): number {
  const mask = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) mask[i] = data[i] === label ? 1 : 0;
  const s = surfaceMask(mask, shape);
  let n = 0;
  for (let i = 0; i < s.length; i++) n += s[i]!;
  return n;
}

/** Hausdorff family of one case with the given options (a HausdorffMetric without defaults). */
export function computeHausdorff(pred: LabelMap, ref: LabelMap, options: HausdorffOptions = {}): HausdorffResult {
  return new HausdorffMetric().compute(pred, ref, options);
}
