/**
 * The metric base, MONAI-style: every segmentation metric is a `SegmentationMetric` whose `compute(pred, ref,
 * options)` returns one `MetricResult` per case with one `ClassResult` per reported class, and `aggregate()`
 * (aggregate.ts) summarises many cases the same way for every metric.
 *
 * No silent NaN: a class whose value is undefined under the chosen empty-mask policy is `included: false` with
 * `values: null` and its `status` says why; it is left out of every mean and counted as excluded.
 */
import type { ClassSelectionOptions, LabelMap } from './label-map.js';

/**
 * Which of the two masks of a class are empty (no voxel with that label):
 * - 'ok': both non-empty;
 * - 'both-empty': neither pred nor ref has the class;
 * - 'pred-empty': the reference has it, the prediction does not (a miss);
 * - 'ref-empty': the prediction has it, the reference does not (a false alarm).
 */
export type ClassStatus = 'ok' | 'both-empty' | 'pred-empty' | 'ref-empty';

export const CLASS_STATUSES: readonly ClassStatus[] = ['ok', 'both-empty', 'pred-empty', 'ref-empty'];

/**
 * What to do when a class is absent from both pred and ref: 'perfect' scores it as a perfect match (Dice 1,
 * distances 0) and includes it; 'exclude' leaves it out of the means (values null, counted as excluded).
 */
export type BothEmptyPolicy = 'perfect' | 'exclude';

export interface MetricOptions extends ClassSelectionOptions {
  /** default 'perfect' */
  bothEmpty?: BothEmptyPolicy;
}

export interface ClassResult<V extends string> {
  classId: number;
  status: ClassStatus;
  /** whether this class counts in means; false only under an 'exclude' policy */
  included: boolean;
  /** the metric values, null exactly when not included */
  values: Record<V, number> | null;
  /** voxels labelled classId in pred / in ref */
  predVoxels: number;
  refVoxels: number;
}

export interface MetricResult<V extends string, C extends ClassResult<V> = ClassResult<V>> {
  metric: string;
  valueNames: readonly V[];
  shape: number[];
  /** the spacing used (mm), null when the metric needed none and none was given */
  spacing: number[] | null;
  classes: C[];
  /** per value, the mean over the included classes of this case; null when no class is included */
  classMean: Record<V, number> | null;
  includedClasses: number;
  excludedClasses: number;
}

/** One interface for Dice, Hausdorff and whatever follows, so experiment code can call them uniformly. */
export interface SegmentationMetric<
  V extends string,
  O extends MetricOptions = MetricOptions,
  C extends ClassResult<V> = ClassResult<V>,
> {
  readonly name: string;
  readonly valueNames: readonly V[];
  compute(pred: LabelMap, ref: LabelMap, options?: O): MetricResult<V, C>;
}

export function classStatus(predVoxels: number, refVoxels: number): ClassStatus {
  if (predVoxels > 0 && refVoxels > 0) return 'ok';
  if (predVoxels === 0 && refVoxels === 0) return 'both-empty';
  return predVoxels === 0 ? 'pred-empty' : 'ref-empty';
}

/** Assembles a MetricResult from its class results (computes the class mean and the counts). */
export function makeResult<V extends string, C extends ClassResult<V>>(
  metric: string,
  valueNames: readonly V[],
  shape: number[],
  spacing: number[] | null,
  classes: C[],
): MetricResult<V, C> {
  const included = classes.filter((c) => c.included);
  let classMean: Record<V, number> | null = null;
  if (included.length > 0) {
    const m = {} as Record<V, number>;
    for (const v of valueNames) {
      let s = 0;
      for (const c of included) s += c.values![v];
      m[v] = s / included.length;
    }
    classMean = m;
  }
  return {
    metric,
    valueNames,
    shape,
    spacing,
    classes,
    classMean,
    includedClasses: included.length,
    excludedClasses: classes.length - included.length,
  };
}

/** Count of label c in a per-label count array (0 for a label beyond the array). */
export function countOf(counts: Float64Array, c: number): number {
  return c < counts.length ? counts[c]! : 0;
}

export function checkBothEmptyPolicy(p: unknown, metric: string): BothEmptyPolicy {
  if (p === undefined) return 'perfect';
  if (p !== 'perfect' && p !== 'exclude')
    throw new Error(`${metric}: options.bothEmpty must be 'perfect' or 'exclude', got ${String(p)}`);
  return p;
}
