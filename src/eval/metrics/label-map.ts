/**
 * Label maps as the metrics take them, and the checks every metric runs on its inputs.
 *
 * A label map is C-order integer labels over `shape` ([height, width] or [depth, height, width]; any rank >= 1 works)
 * with an optional `spacing` in mm in the same order as `shape`. An `Image` from src/io/image.ts is a label map.
 * Labels must be non-negative integers (stored in any typed array, floats included, as long as every value is a
 * whole number): 0 is the background, 1..C-1 the foreground classes.
 */
import type { PixelArray } from '../../io/image.js';

export interface LabelMap {
  data: PixelArray;
  /** [depth, height, width] or [height, width] */
  shape: readonly number[];
  /** mm per voxel step, same order as shape; needed by distance metrics, checked by all when present */
  spacing?: readonly number[];
}

/** Which classes a metric reports. */
export interface ClassSelectionOptions {
  /**
   * number of classes C: classes 1..C-1 are reported (0..C-1 with includeBackground), present or not, and a label
   * >= C is an error. Without it (and without `classes`) the classes are the labels present in pred or ref.
   */
  numClasses?: number;
  /** explicit class ids to report, used as given (includeBackground does not filter it) */
  classes?: readonly number[];
  /** report class 0 too (default false) */
  includeBackground?: boolean;
}

function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Checks shape, data length and spacing of one label map; `what` names it in errors (e.g. "dice: pred"). */
export function validateLabelMap(map: LabelMap, what: string): void {
  const { shape, data, spacing } = map;
  if (!Array.isArray(shape) && !(shape && typeof shape.length === 'number')) {
    throw new Error(`${what}: shape is missing`);
  }
  if (shape.length < 1) throw new Error(`${what}: shape is empty`);
  for (const n of shape) {
    if (!Number.isInteger(n) || n < 1)
      throw new Error(`${what}: shape ${fmtShape(shape)} has a non-positive or non-integer size`);
  }
  const n = shape.reduce((a, b) => a * b, 1);
  if (!data || typeof data.length !== 'number') throw new Error(`${what}: data is missing`);
  if (data.length !== n) {
    throw new Error(`${what}: data has ${data.length} values but shape ${fmtShape(shape)} needs ${n}`);
  }
  if (spacing !== undefined) validateSpacing(spacing, shape, `${what}: spacing`);
}

export function validateSpacing(spacing: readonly number[], shape: readonly number[], what: string): void {
  if (spacing.length !== shape.length) {
    throw new Error(
      `${what} ${fmtShape(spacing)} has ${spacing.length} entries but shape ${fmtShape(shape)} has ${shape.length} axes`,
    );
  }
  for (const s of spacing) {
    if (!(Number.isFinite(s) && s > 0)) throw new Error(`${what} ${fmtShape(spacing)} must be finite and positive`);
  }
}

/** Validates a (pred, ref) pair: both maps, equal shapes, agreeing spacings. Returns the common shape and spacing. */
export function validatePair(
  pred: LabelMap,
  ref: LabelMap,
  metric: string,
  spacingOverride?: readonly number[],
): { shape: number[]; spacing: number[] | null } {
  validateLabelMap(pred, `${metric}: pred`);
  validateLabelMap(ref, `${metric}: ref`);
  const same = pred.shape.length === ref.shape.length && pred.shape.every((n, i) => n === ref.shape[i]);
  if (!same) throw new Error(`${metric}: shapes differ: pred ${fmtShape(pred.shape)} vs ref ${fmtShape(ref.shape)}`);
  const shape = [...pred.shape];
  if (spacingOverride !== undefined) {
    validateSpacing(spacingOverride, shape, `${metric}: options.spacing`);
    return { shape, spacing: [...spacingOverride] };
  }
  if (pred.spacing && ref.spacing) {
    const agree = pred.spacing.every((s, i) => Math.abs(s - ref.spacing![i]!) <= 1e-6 * Math.max(s, ref.spacing![i]!));
    if (!agree) {
      throw new Error(`${metric}: spacings differ: pred ${fmtShape(pred.spacing)} vs ref ${fmtShape(ref.spacing)}`);
    }
  }
  const sp = pred.spacing ?? ref.spacing;
  return { shape, spacing: sp ? [...sp] : null };
}

/** Voxel counts per label over a (pred, ref) pair, with the labels checked. Arrays have length `numLabels`. */
export interface LabelCounts {
  numLabels: number;
  pred: Float64Array;
  ref: Float64Array;
  /** voxels where pred === ref === label */
  both: Float64Array;
}

/** Throws unless every label is a non-negative integer (and < numClasses when given); returns the largest label. */
function maxLabel(data: PixelArray, what: string, numClasses: number | undefined): number {
  let max = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!(v >= 0) || v !== Math.floor(v)) {
      throw new Error(`${what}: label ${v} at voxel ${i} is not a non-negative integer`);
    }
    if (v > max) max = v;
  }
  if (numClasses !== undefined && max >= numClasses) {
    throw new Error(`${what}: label ${max} is out of range for numClasses ${numClasses}`);
  }
  return max;
}

/** class ids are < 65536 (per-label tables are allocated up to the largest label) */
export const MAX_LABELS = 65536;

export function countLabels(pred: LabelMap, ref: LabelMap, metric: string, numClasses?: number): LabelCounts {
  if (numClasses !== undefined && !(Number.isInteger(numClasses) && numClasses >= 1 && numClasses <= MAX_LABELS)) {
    throw new Error(`${metric}: options.numClasses must be an integer in [1, ${MAX_LABELS}], got ${numClasses}`);
  }
  const k =
    numClasses ??
    Math.max(maxLabel(pred.data, `${metric}: pred`, undefined), maxLabel(ref.data, `${metric}: ref`, undefined)) + 1;
  if (k > MAX_LABELS)
    throw new Error(`${metric}: label ${k - 1} is above ${MAX_LABELS - 1}, the largest class id supported`);
  if (numClasses !== undefined) {
    maxLabel(pred.data, `${metric}: pred`, numClasses);
    maxLabel(ref.data, `${metric}: ref`, numClasses);
  }
  const p = new Float64Array(k);
  const r = new Float64Array(k);
  const b = new Float64Array(k);
  const pd = pred.data;
  const rd = ref.data;
  for (let i = 0; i < pd.length; i++) {
    const a = pd[i]!;
    const c = rd[i]!;
    p[a]!++;
    r[c]!++;
    if (a === c) b[a]!++;
  }
  return { numLabels: k, pred: p, ref: r, both: b };
}

/** The class ids to report, from the options and the labels present. */
export function selectClasses(counts: LabelCounts, options: ClassSelectionOptions, metric: string): number[] {
  if (options.classes !== undefined) {
    for (const c of options.classes) {
      if (!(Number.isInteger(c) && c >= 0))
        throw new Error(`${metric}: options.classes has ${c}, not a non-negative integer`);
      if (options.numClasses !== undefined && c >= options.numClasses) {
        throw new Error(`${metric}: options.classes has ${c}, out of range for numClasses ${options.numClasses}`);
      }
    }
    return [...options.classes];
  }
  const first = options.includeBackground ? 0 : 1;
  const out: number[] = [];
  for (let c = first; c < counts.numLabels; c++) {
    if (options.numClasses !== undefined || counts.pred[c]! > 0 || counts.ref[c]! > 0) out.push(c);
  }
  return out;
}
