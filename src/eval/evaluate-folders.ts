/**
 * Evaluates a folder of predicted label maps against a folder of references (`medcl evaluate`), nnU-Net style:
 * files paired by case name (folder-pairs.ts), each pair checked to share one grid (same-grid.ts), then Dice and
 * HD95 per foreground class per case (src/eval/metrics: computeDice, computeHausdorff, in mm with the files'
 * spacing), a summary per class and over the case means, and a per-case CSV.
 *
 * Classes: 1..numClasses-1 when numClasses is given (a label >= numClasses is an error); otherwise every label > 0
 * found in any file of either folder, so every case reports the same classes. A class absent from both maps of a
 * case: 'exclude' (default; nnU-Net's rule) leaves it out of that case's means and of the class summary
 * (an empty CSV cell), 'perfect' scores Dice 1 and HD95 0. A class in only one of the two maps: Dice 0 and HD95 the
 * image diagonal (the metrics' 'diagonal' rule), always counted. HD95: 'medpy' (default) is the 95th percentile of
 * both directed surface-distance sets pooled, 'monai' the larger of the two directed 95th percentiles.
 */
import { readImage } from '../io/read.js';
import type { Image } from '../io/image.js';
import { toCsv, type CsvValue } from '../io/csv-write.js';
import {
  computeDice,
  computeHausdorff,
  mean,
  summarizeValues,
  type ClassStatus,
  type ValueSummary,
} from './metrics/index.js';
import { pairFolders, type CasePair } from './folder-pairs.js';
import { checkSameGrid } from './same-grid.js';

export type Hd95Rule = 'medpy' | 'monai';
export type AbsentClassPolicy = 'exclude' | 'perfect';

export interface EvaluateFoldersOptions {
  pred: string;
  ref: string;
  /** classes 1..numClasses-1 are reported (default: every label found) */
  numClasses?: number;
  /** default 'medpy' */
  hd95?: Hd95Rule;
  /** default 'exclude' */
  absentClasses?: AbsentClassPolicy;
  /** after each case */
  onCase?: (done: number, total: number) => void;
}

export interface ClassValues {
  status: ClassStatus;
  /** null when excluded (absent from both maps under 'exclude') */
  dice: number | null;
  /** mm; null when excluded */
  hd95: number | null;
}

export interface CaseEvaluation extends CasePair {
  /** class id → values */
  classes: Record<number, ClassValues>;
  /** mean over the case's counted classes; null when none is counted */
  meanDice: number | null;
  meanHd95: number | null;
}

export interface ClassSummary {
  classId: number;
  dice: ValueSummary;
  hd95: ValueSummary;
  /** cases where the class was left out (absent from both maps, 'exclude') */
  excluded: number;
}

export interface FolderEvaluation {
  pred: string;
  ref: string;
  classes: number[];
  hd95Rule: Hd95Rule;
  absentClasses: AbsentClassPolicy;
  cases: CaseEvaluation[];
  perClass: ClassSummary[];
  /** over the cases' mean Dice / mean HD95 (cases without one left out) */
  meanDice: ValueSummary;
  meanHd95: ValueSummary;
  /** reference cases with no prediction: not evaluated */
  unmatchedRefs: string[];
}

function meanOrNull(values: (number | null)[]): number | null {
  const v = values.filter((x): x is number => x !== null);
  return v.length === 0 ? null : mean(v);
}

/** Dice and HD95 of one pair, for the classes the metrics report (all of 1..numClasses-1, or those present) */
function evaluatePair(pred: Image, ref: Image, pair: CasePair, o: EvaluateFoldersOptions) {
  const bothEmpty = (o.absentClasses ?? 'exclude') === 'perfect' ? 'perfect' : 'exclude';
  const common = { bothEmpty, ...(o.numClasses !== undefined ? { numClasses: o.numClasses } : {}) } as const;
  try {
    const dice = computeDice(pred, ref, common);
    const percentileMode = (o.hd95 ?? 'medpy') === 'monai' ? 'max-directed' : 'union';
    const hd = computeHausdorff(pred, ref, { ...common, percentileMode });
    const classes: Record<number, ClassValues> = {};
    dice.classes.forEach((c, i) => {
      classes[c.classId] = {
        status: c.status,
        dice: c.values?.dice ?? null,
        hd95: hd.classes[i]!.values?.hd95 ?? null,
      };
    });
    return classes;
  } catch (e) {
    throw new Error(`evaluate: ${pair.pred} vs ${pair.ref}: ${(e as Error).message}`);
  }
}

/** every case reports every class: a class a case lacks was absent from both of its maps */
function completeCases(
  raw: { pair: CasePair; classes: Record<number, ClassValues> }[],
  classIds: number[],
  policy: AbsentClassPolicy,
): CaseEvaluation[] {
  const absent: ClassValues =
    policy === 'perfect'
      ? { status: 'both-empty', dice: 1, hd95: 0 }
      : { status: 'both-empty', dice: null, hd95: null };
  return raw.map(({ pair, classes }) => {
    const full: Record<number, ClassValues> = {};
    for (const c of classIds) full[c] = classes[c] ?? { ...absent };
    const values = Object.values(full);
    return {
      ...pair,
      classes: full,
      meanDice: meanOrNull(values.map((v) => v.dice)),
      meanHd95: meanOrNull(values.map((v) => v.hd95)),
    };
  });
}

export async function evaluateFolders(o: EvaluateFoldersOptions): Promise<FolderEvaluation> {
  const { pairs, unmatchedRefs } = pairFolders(o.pred, o.ref);
  const raw: { pair: CasePair; classes: Record<number, ClassValues> }[] = [];
  for (const [i, pair] of pairs.entries()) {
    const pred = await readImage(pair.pred);
    const ref = await readImage(pair.ref);
    checkSameGrid(pred, ref, pair.pred, pair.ref);
    raw.push({ pair, classes: evaluatePair(pred, ref, pair, o) });
    o.onCase?.(i + 1, pairs.length);
  }
  const classIds =
    o.numClasses !== undefined
      ? Array.from({ length: o.numClasses - 1 }, (_, i) => i + 1)
      : [...new Set(raw.flatMap((r) => Object.keys(r.classes).map(Number)))].sort((a, b) => a - b);
  const policy = o.absentClasses ?? 'exclude';
  const cases = completeCases(raw, classIds, policy);
  const perClass = classIds.map((c) => {
    const vals = cases.map((k) => k.classes[c]!);
    const dice = vals.map((v) => v.dice).filter((x): x is number => x !== null);
    const hd95 = vals.map((v) => v.hd95).filter((x): x is number => x !== null);
    return {
      classId: c,
      dice: summarizeValues(dice),
      hd95: summarizeValues(hd95),
      excluded: vals.filter((v) => v.dice === null).length,
    };
  });
  const caseMeans = (k: 'meanDice' | 'meanHd95') => cases.map((c) => c[k]).filter((x): x is number => x !== null);
  return {
    pred: o.pred,
    ref: o.ref,
    classes: classIds,
    hd95Rule: o.hd95 ?? 'medpy',
    absentClasses: policy,
    cases,
    perClass,
    meanDice: summarizeValues(caseMeans('meanDice')),
    meanHd95: summarizeValues(caseMeans('meanHd95')),
    unmatchedRefs,
  };
}

/** One row per case: case, pred, ref, dice_<c>…, hd95_<c>…, mean_dice, mean_hd95 (empty cell = excluded). */
export function casesCsv(e: FolderEvaluation): string {
  const header = [
    'case',
    'pred',
    'ref',
    ...e.classes.map((c) => `dice_${c}`),
    ...e.classes.map((c) => `hd95_${c}`),
    'mean_dice',
    'mean_hd95',
  ];
  const rows: CsvValue[][] = e.cases.map((k) => [
    k.case,
    k.pred,
    k.ref,
    ...e.classes.map((c) => k.classes[c]!.dice),
    ...e.classes.map((c) => k.classes[c]!.hd95),
    k.meanDice,
    k.meanHd95,
  ]);
  return toCsv(header, rows);
}
