/**
 * Patch labels for DrasCLR's patch classification (Yu et al. §4.3.1: "discriminate between emphysema-annotated
 * patches and healthy patches"; docs/drasclr.md, "Downstream evaluation"): the lesion fraction of every (scan,
 * landmark) patch, read from the scan's label map with EXACTLY the placement of the image patches (prepare.ts): the
 * label map is resampled with nearest neighbour onto the same isotropic grid as the image (resample.ts gives both the
 * same grid: the label map is on the image's grid, preprocessScan requires it), the atlas landmarks are mapped with the
 * scan's registration transform (mapLandmarks) and the d³ crop is cut with patchPlacement + extractPatch. Voxels of the
 * crop outside the volume are not lesion (the image patch pads them with air); fraction = lesion voxels / d³.
 *
 * Label rule (ours; the paper's patches came from expert annotations, not from a voxel threshold):
 *   positive (1)  when fraction >= minLesionFraction (default 0.01),
 *   negative (0)  when fraction = 0,
 *   ambiguous (-1) in between: excluded from training and evaluation (a patch with a few lesion voxels is neither a
 *   clear "annotated" nor a clear "healthy" patch).
 * A landmark dropped for a scan (its patch falls outside the scan) has no patch: ABSENT (-2).
 *
 * Lesion label values are configurable (default [3], the lesion label of the lung CT phantoms, src/phantoms/lungct.ts).
 */
import type { Image } from '../io/image.js';
import type { Manifest, ManifestItem } from '../io/manifest.js';
import { readImage } from '../io/read.js';
import { resample } from '../preprocess/resample.js';
import type { AffineTransform3, Vec3 } from '../io/geometry.js';
import type { AtlasLandmark } from '../preprocess/landmarks.js';
import { mapLandmarks } from '../preprocess/landmarks.js';
import { extractPatch, patchPlacement, type LandmarkPatchDataset } from './landmark-patches.js';
import type { PreparationReport } from './landmark-prepare.js';

/** 1 positive, 0 negative, -1 ambiguous (excluded), -2 no patch (landmark dropped for the scan) */
export type PatchClass = 1 | 0 | -1 | -2;
export const POSITIVE = 1;
export const NEGATIVE = 0;
export const AMBIGUOUS = -1;
export const ABSENT = -2;

export interface PatchLabelOptions {
  /** label values that are lesion (default [3]: the lung CT phantoms' lesion label) */
  lesionLabels?: readonly number[];
  /** a patch is positive when at least this fraction of its d³ voxels is lesion (default 0.01, ours) */
  minLesionFraction?: number;
}

export interface PatchLabels {
  /** number of scans and landmarks of the data set (rows of `fraction` / `label` are scan-major) */
  scans: number;
  landmarks: number;
  /** lesion fraction per (scan, landmark), scans × landmarks; NaN where the scan has no patch */
  fraction: Float64Array;
  /** PatchClass per (scan, landmark), scans × landmarks */
  label: Int8Array;
  lesionLabels: number[];
  minLesionFraction: number;
  counts: { positive: number; negative: number; ambiguous: number; absent: number };
  /** per scan (data set order): id and its counts */
  perScan: { id: string; positive: number; negative: number; ambiguous: number }[];
}

/** The labelled (non-ambiguous, present) patches as parallel arrays: the classifiers' samples. */
export interface PatchSamples {
  /** data set scan index, landmark index and 0/1 class of each sample */
  scan: Int32Array;
  landmark: Int32Array;
  y: Uint8Array;
  /** patient id of each sample (scans of one patient share it: folds are made over these) */
  patient: string[];
}

function resolveOptions(o: PatchLabelOptions): { lesionLabels: number[]; minLesionFraction: number } {
  const lesionLabels = [...(o.lesionLabels ?? [3])];
  if (lesionLabels.length === 0 || lesionLabels.some((v) => !Number.isInteger(v)))
    throw new RangeError(`patch labels: lesionLabels must be a non-empty list of integers, got [${lesionLabels}]`);
  const minLesionFraction = o.minLesionFraction ?? 0.01;
  if (!(minLesionFraction > 0 && minLesionFraction <= 1))
    throw new RangeError(`patch labels: minLesionFraction must be in (0, 1], got ${minLesionFraction}`);
  return { lesionLabels, minLesionFraction };
}

/** positive / negative / ambiguous by the rule of the file comment (NaN: absent) */
export function classifyLesionFraction(fraction: number, minLesionFraction = 0.01): PatchClass {
  if (Number.isNaN(fraction)) return ABSENT;
  if (fraction >= minLesionFraction) return POSITIVE;
  if (fraction === 0) return NEGATIVE;
  return AMBIGUOUS;
}

/** 0/1 lesion indicator of a label map (any grid) */
export function lesionIndicator(label: Pick<Image, 'data'>, lesionLabels: readonly number[]): Uint8Array {
  const set = new Set(lesionLabels);
  const src = label.data;
  const out = new Uint8Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = set.has(src[i]!) ? 1 : 0;
  return out;
}

/**
 * Lesion fraction of the d³ crop around each centre (continuous voxel indices (i, j, k) in the label map's grid, as
 * mapLandmarks returns): the crop is placed by patchPlacement and cut by extractPatch, as the image patches.
 * `present[l]` false gives NaN (default: every centre).
 */
export function lesionFractionsAt(
  label: Pick<Image, 'data' | 'shape'>,
  centres: readonly Vec3[],
  patchSize: number,
  lesionLabels: readonly number[],
  present?: ArrayLike<boolean | number>,
): Float64Array {
  if (label.shape.length !== 3)
    throw new RangeError(`lesionFractionsAt: expected a 3D label map, got shape [${label.shape.join(', ')}]`);
  const indicator = { data: lesionIndicator(label, lesionLabels), shape: label.shape };
  const vol = patchSize ** 3;
  const buf = new Float32Array(vol);
  const out = new Float64Array(centres.length);
  centres.forEach((c, l) => {
    if (present && !present[l]) {
      out[l] = NaN;
      return;
    }
    const { start } = patchPlacement(c, label.shape, patchSize);
    extractPatch(indicator, start, patchSize, buf, 0, 'constant', 0);
    let count = 0;
    for (let q = 0; q < vol; q++) count += buf[q]!;
    out[l] = count / vol;
  });
  return out;
}

/**
 * Lesion fractions of one scan's landmark patches: `label` is the scan's label map on its ORIGINAL grid (resampled
 * here with nearest neighbour to `spacing`, as preprocessScan does), `transform` the scan's atlas → scan transform
 * (report.scans[i].transform), `slots` the scan's slots in the data set (-1: dropped → NaN).
 */
export function scanLesionFractions(
  label: Image,
  transform: AffineTransform3,
  landmarks: readonly Pick<AtlasLandmark, 'world'>[],
  patchSize: number,
  options: { spacing?: number; lesionLabels?: readonly number[]; slots?: ArrayLike<number> } = {},
): Float64Array {
  if (label.shape.length !== 3)
    throw new RangeError(`${label.source ?? 'label'}: expected a 3D label map, got shape [${label.shape.join(', ')}]`);
  const iso = resample(label, { spacing: options.spacing ?? 1, interpolation: 'nearest' });
  const centres = mapLandmarks(landmarks, transform, iso);
  const slots = options.slots;
  const present = slots ? Array.from(slots, (s) => s >= 0) : undefined;
  return lesionFractionsAt(iso, centres, patchSize, options.lesionLabels ?? [3], present);
}

/** Patch labels from per-scan lesion fractions (`fractions[s]`, one per landmark, NaN = no patch). */
export function patchLabelsFromFractions(
  dataset: Pick<LandmarkPatchDataset, 'scans' | 'landmarkCount'>,
  fractions: readonly ArrayLike<number>[],
  options: PatchLabelOptions = {},
): PatchLabels {
  const { lesionLabels, minLesionFraction } = resolveOptions(options);
  const S = dataset.scans.length;
  const L = dataset.landmarkCount;
  if (fractions.length !== S) throw new RangeError(`patch labels: ${fractions.length} fraction lists for ${S} scans`);
  const fraction = new Float64Array(S * L);
  const label = new Int8Array(S * L);
  const counts = { positive: 0, negative: 0, ambiguous: 0, absent: 0 };
  const perScan = dataset.scans.map((scan, s) => {
    const f = fractions[s]!;
    if (f.length !== L) throw new RangeError(`patch labels: scan ${scan.id}: ${f.length} fractions for ${L} landmarks`);
    const c = { id: scan.id, positive: 0, negative: 0, ambiguous: 0 };
    for (let l = 0; l < L; l++) {
      const present = scan.slots[l]! >= 0;
      const v = present ? f[l]! : NaN;
      if (present && !(v >= 0 && v <= 1))
        throw new RangeError(`patch labels: scan ${scan.id}, landmark ${l}: lesion fraction ${v} outside [0, 1]`);
      const cls = classifyLesionFraction(v, minLesionFraction);
      fraction[s * L + l] = v;
      label[s * L + l] = cls;
      if (cls === ABSENT) {
        counts.absent++;
        continue;
      }
      const name = cls === POSITIVE ? 'positive' : cls === NEGATIVE ? 'negative' : 'ambiguous';
      counts[name]++;
      c[name]++;
    }
    return c;
  });
  return { scans: S, landmarks: L, fraction, label, lesionLabels, minLesionFraction, counts, perScan };
}

export interface LoadPatchLabelsOptions extends PatchLabelOptions {
  /** the run's isotropic spacing (cfg.spacing, default 1) */
  spacing?: number;
  /** reads a manifest item's label map (default: readImage(item.label)); for tests and custom storage */
  readLabel?: (item: ManifestItem) => Promise<Image>;
}

/**
 * Patch labels of a prepared data set (prepareLandmarkPatches / prepareRunData): every used scan's label map is read
 * from the manifest and cropped at the scan's landmark patches. A scan without a label map is an error naming it.
 */
export async function loadPatchLabels(
  prepared: { dataset: LandmarkPatchDataset; report: Pick<PreparationReport, 'scans'> },
  manifest: Pick<Manifest, 'items' | 'source'>,
  options: LoadPatchLabelsOptions = {},
): Promise<PatchLabels> {
  const { dataset, report } = prepared;
  const resolved = resolveOptions(options);
  const read = options.readLabel ?? ((item: ManifestItem) => readImage(item.label!));
  const fractions: Float64Array[] = [];
  for (const scan of dataset.scans) {
    const item = manifest.items[scan.item];
    if (!item) throw new Error(`patch labels: scan ${scan.id}: manifest item ${scan.item} not in ${manifest.source}`);
    if (!item.label && !options.readLabel)
      throw new Error(
        `patch labels: scan ${scan.id} (item ${scan.item}, ${item.image}) has no label map in ${manifest.source}: ` +
          `patch classification needs lesion labels (values ${resolved.lesionLabels.join(', ')}) for every scan; ` +
          'leave the scan out (config items) or add its label map',
      );
    const rec = report.scans.find((r) => r.item === scan.item && r.status === 'used');
    if (!rec?.transform)
      throw new Error(`patch labels: scan ${scan.id} (item ${scan.item}): the preparation report has no transform`);
    let label: Image;
    try {
      label = await read(item);
    } catch (e) {
      throw new Error(`patch labels: scan ${scan.id}: cannot read its label map: ${(e as Error).message}`);
    }
    fractions.push(
      scanLesionFractions(label, rec.transform, dataset.landmarks, dataset.patchSize, {
        spacing: options.spacing,
        lesionLabels: resolved.lesionLabels,
        slots: scan.slots,
      }),
    );
  }
  return patchLabelsFromFractions(dataset, fractions, resolved);
}

/** The positive and negative patches (ambiguous and absent ones left out), scan-major. */
export function labelledPatches(
  dataset: Pick<LandmarkPatchDataset, 'scans' | 'landmarkCount'>,
  labels: PatchLabels,
): PatchSamples {
  const L = dataset.landmarkCount;
  if (labels.scans !== dataset.scans.length || labels.landmarks !== L)
    throw new RangeError(
      `labelledPatches: labels for ${labels.scans} scans × ${labels.landmarks} landmarks, data set has ` +
        `${dataset.scans.length} × ${L}`,
    );
  const scan: number[] = [];
  const landmark: number[] = [];
  const y: number[] = [];
  const patient: string[] = [];
  dataset.scans.forEach((s, i) => {
    for (let l = 0; l < L; l++) {
      const c = labels.label[i * L + l]!;
      if (c !== POSITIVE && c !== NEGATIVE) continue;
      if (s.slots[l]! < 0) throw new Error(`labelledPatches: scan ${s.id} landmark ${l} is labelled but has no patch`);
      scan.push(i);
      landmark.push(l);
      y.push(c);
      patient.push(s.patient);
    }
  });
  return { scan: Int32Array.from(scan), landmark: Int32Array.from(landmark), y: Uint8Array.from(y), patient };
}
