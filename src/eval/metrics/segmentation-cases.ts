/**
 * Segmentation evaluation per case (docs/methods.md §5): samples are grouped into cases, one per 2D image or one
 * per 3D volume (its slices stacked back in slice order), and each case gets Dice per foreground class and, when
 * asked, HD95 per class on the whole case with its real [z, y, x] spacing (SliceDataset.caseSpacing: mm when the
 * spacing is physical, else pixels of the data set's grid).
 *
 * Absent classes (a class in neither the reference nor the prediction of a case): 'exclude' (nnU-Net's rule) leaves
 * the class out of that case's mean, and a case where every class is excluded has meanDice null (left out of the
 * means across cases and counted); 'perfect' scores it Dice 1 and HD95 0. HD95 is medpy's (the 95th percentile of
 * both directed distance sets pooled); a class in only one of the two maps gets the image diagonal
 * (src/eval/metrics/hausdorff.ts).
 */
import { moduleDevice, noGrad, onDevice, tidy } from '../../engine/index.js';
import type { SliceDataset } from '../../data/slice-dataset.js';
import type { TensorModule } from '../../models/tensor-module.js';
import { computeDice, computeHausdorff, type BothEmptyPolicy } from './index.js';

export interface CaseResult {
  /** the image, or the volume's manifest item */
  case: string;
  patient: string;
  /** Dice per foreground class counted in this case (class id -> value) */
  dice: Record<number, number>;
  /** mean over the counted classes; null when every class was excluded (absent from both maps) */
  meanDice: number | null;
  /** HD95 per counted class, in `hd95Unit` */
  hd95?: Record<number, number>;
  meanHd95?: number | null;
  /** 'mm' with a physical spacing (z included for volumes), 'px' for rasters without one (PNG/JPEG) */
  hd95Unit?: 'mm' | 'px';
}

export interface CaseEvaluationOptions {
  /** also compute HD95 per case */
  hausdorff: boolean;
  /** what a class absent from both maps counts as (default 'exclude') */
  absentClasses?: BothEmptyPolicy;
}

/** argmax predictions (uint8, size²) of the given samples, in eval mode */
export function predictSamples(
  model: TensorModule,
  ds: SliceDataset,
  ids: readonly number[],
  batchSize = 16,
): Uint8Array[] {
  model.eval();
  const out: Uint8Array[] = [];
  const device = moduleDevice(model); // the images go where the model is
  for (let i = 0; i < ids.length; i += batchSize) {
    const chunk = ids.slice(i, i + batchSize);
    const pred = onDevice(device, () =>
      noGrad(() =>
        tidy(() => model.forward(ds.imageBatch(chunk)).argmax(1).to({ dtype: 'uint8' }).data() as Uint8Array),
      ),
    );
    const n = ds.size * ds.size;
    chunk.forEach((_, b) => out.push(pred.slice(b * n, (b + 1) * n)));
  }
  return out;
}

/** Groups sample ids into cases: one per 2D image, or one per volume (its slices in order). */
export function casesOf(ds: SliceDataset, ids: readonly number[]): number[][] {
  const byVolume = new Map<number, number[]>();
  for (const id of ids) {
    const v = ds.samples[id]!.volume;
    if (!byVolume.has(v)) byVolume.set(v, []);
    byVolume.get(v)!.push(id);
  }
  return [...byVolume.values()].map((g) => g.sort((a, b) => ds.samples[a]!.sliceIndex - ds.samples[b]!.sliceIndex));
}

/** the stacked prediction and reference of one case */
function stack(ds: SliceDataset, group: readonly number[], preds: ReadonlyMap<number, Uint8Array>) {
  const n = ds.size * ds.size;
  const pred = new Uint8Array(group.length * n);
  const ref = new Uint8Array(group.length * n);
  group.forEach((id, z) => {
    const p = preds.get(id);
    if (!p) throw new Error(`evaluate: no prediction for sample ${ds.describe(id)}`);
    pred.set(p, z * n);
    const l = ds.labels[id];
    if (!l) throw new Error(`evaluate: sample ${ds.describe(id)} has no label`);
    ref.set(l, z * n);
  });
  return { pred, ref };
}

/** HD95 of a volume needs its slices without gaps, else the stacked z spacing would be wrong */
function checkContiguous(ds: SliceDataset, group: readonly number[]): void {
  group.forEach((id, z) => {
    const s = ds.samples[id]!;
    if (s.sliceIndex !== ds.samples[group[0]!]!.sliceIndex + z)
      throw new Error(
        `evaluate: HD95 per volume needs contiguous slices; ${ds.describe(id)} follows slice ` +
          `${ds.samples[group[z - 1]!]!.sliceIndex}`,
      );
  });
}

/** Dice (and HD95) per case of predictions against the data set's labels. */
export function evaluateCases(
  ds: SliceDataset,
  ids: readonly number[],
  preds: ReadonlyMap<number, Uint8Array>,
  options: CaseEvaluationOptions,
): CaseResult[] {
  const numClasses = ds.numClasses;
  const bothEmpty = options.absentClasses ?? 'exclude';
  return casesOf(ds, ids).map((group) => {
    const s0 = ds.samples[group[0]!]!;
    const depth = group.length;
    const { pred, ref } = stack(ds, group, preds);
    const shape = depth > 1 ? [depth, ds.size, ds.size] : [ds.size, ds.size];
    const { spacing, unit } = ds.caseSpacing(s0.volume, depth);
    const d = computeDice({ data: pred, shape }, { data: ref, shape }, { numClasses, bothEmpty });
    const dice: Record<number, number> = {};
    for (const c of d.classes) if (c.values) dice[c.classId] = c.values.dice;
    const result: CaseResult = {
      case: ds.manifest.items[s0.item]!.image,
      patient: s0.patient,
      dice,
      meanDice: d.classMean?.dice ?? null,
    };
    if (options.hausdorff) {
      if (depth > 1) checkContiguous(ds, group);
      const h = computeHausdorff(
        { data: pred, shape, spacing },
        { data: ref, shape, spacing },
        { numClasses, bothEmpty },
      );
      const hd: Record<number, number> = {};
      for (const c of h.classes) if (c.values) hd[c.classId] = c.values.hd95;
      result.hd95 = hd;
      result.meanHd95 = h.classMean?.hd95 ?? null;
      result.hd95Unit = unit;
    }
    return result;
  });
}

export interface CaseSummary {
  /** mean of the cases' meanDice over the cases that have one; null when none has */
  meanDice: number | null;
  /** mean of the cases' meanHd95 (when computed, all in one unit); null when none, or units differ */
  meanHd95: number | null;
  hd95Unit: 'mm' | 'px' | null;
  /** cases left out of meanDice because every class was excluded */
  excludedCases: number;
}

function meanOrNull(xs: readonly number[]): number | null {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}

/** Means across cases, leaving out the cases without a value (never NaN). */
export function summarizeCases(cases: readonly CaseResult[]): CaseSummary {
  const dice = cases.filter((c) => c.meanDice !== null).map((c) => c.meanDice!);
  const withHd = cases.filter((c) => c.meanHd95 !== undefined && c.meanHd95 !== null);
  const units = new Set(withHd.map((c) => c.hd95Unit!));
  const oneUnit = units.size === 1 ? [...units][0]! : null;
  return {
    meanDice: meanOrNull(dice),
    meanHd95: oneUnit ? meanOrNull(withHd.map((c) => c.meanHd95!)) : null,
    hd95Unit: oneUnit,
    excludedCases: cases.length - dice.length,
  };
}
