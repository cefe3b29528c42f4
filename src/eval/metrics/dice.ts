/**
 * Dice per foreground class from label maps: Dice_c = 2|P_c ∩ R_c| / (|P_c| + |R_c|) = 2TP / (2TP + FP + FN), on the
 * whole 2D image or 3D volume (hard labels; the soft Dice is a loss, in src/losses).
 *
 * Empty masks: one of P_c, R_c empty -> Dice 0, included (a miss or a false alarm is a real failure);
 * both empty -> 0/0: `bothEmpty: 'perfect'` (default) gives 1, included; 'exclude' leaves the class out of means
 * with values null. Status fields say which case each class was.
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

export type DiceValue = 'dice';

export type DiceOptions = MetricOptions;

export interface DiceClassResult extends ClassResult<DiceValue> {
  tp: number;
  fp: number;
  fn: number;
}

export type DiceResult = MetricResult<DiceValue, DiceClassResult>;

export class DiceMetric implements SegmentationMetric<DiceValue, DiceOptions, DiceClassResult> {
  readonly name = 'dice';
  readonly valueNames = ['dice'] as const;

  /** options given here are defaults for every compute() call */
  constructor(private readonly defaults: DiceOptions = {}) {}

  compute(pred: LabelMap, ref: LabelMap, options: DiceOptions = {}): DiceResult {
    const o = { ...this.defaults, ...options };
    const bothEmpty = checkBothEmptyPolicy(o.bothEmpty, this.name);
    const { shape, spacing } = validatePair(pred, ref, this.name);
    const counts = countLabels(pred, ref, this.name, o.numClasses);
    const classes: DiceClassResult[] = [];
    for (const c of selectClasses(counts, o, this.name)) {
      const p = countOf(counts.pred, c);
      const r = countOf(counts.ref, c);
      const tp = countOf(counts.both, c);
      const status = classStatus(p, r);
      let dice: number | null;
      if (status === 'both-empty') dice = bothEmpty === 'perfect' ? 1 : null;
      else dice = (2 * tp) / (p + r);
      classes.push({
        classId: c,
        status,
        included: dice !== null,
        values: dice === null ? null : { dice },
        predVoxels: p,
        refVoxels: r,
        tp,
        fp: p - tp,
        fn: r - tp,
      });
    }
    return makeResult(this.name, this.valueNames, shape, spacing, classes);
  }
}

/** Dice of one case with the given options (a DiceMetric without defaults). */
export function computeDice(pred: LabelMap, ref: LabelMap, options: DiceOptions = {}): DiceResult {
  return new DiceMetric().compute(pred, ref, options);
}
