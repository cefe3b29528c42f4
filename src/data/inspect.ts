/**
 * A data set at a glance (`medcl data inspect`): reads every image and label of a manifest, one at a time, and
 * summarises what a user should check before training: patients and images per patient, kinds, shapes, spacings,
 * intensity ranges (each image's min/max and 1st/99th percentiles, summarised over images), label values with
 * their voxel counts per class name, and images without labels. A file that cannot be read is listed with its
 * error and left out of the statistics; it does not stop the inspection. Problems (`failed`): files that cannot be
 * read, label maps of another shape than their image, images without a finite voxel, and label maps holding values
 * that are not class ids of the manifest. Readers' warnings (a fallback taken, e.g. 1 mm spacing) are listed apart.
 *
 * Conventions: medians are numpy's (the mean of the two middle values for an even count); percentiles are numpy's
 * 'linear' ones (src/preprocess/percentile.ts) over the image's finite voxels (non-finite voxels are counted
 * apart); spacings are grouped after rounding to 1e-4 mm.
 */
import type { Image, PixelArray } from '../io/image.js';
import type { ImageKind, Manifest } from '../io/manifest.js';
import { readImage } from '../io/read.js';
import { percentiles } from '../preprocess/percentile.js';
import { labelValueProblem } from './label-check.js';

export interface MinMedianMax {
  min: number;
  median: number;
  max: number;
}

export interface InspectFailure {
  /** manifest item index */
  item: number;
  file: string;
  error: string;
}

export interface InspectWarning {
  item: number;
  file: string;
  warning: string;
}

export interface LabelValueCount {
  value: number;
  /** the manifest's class name of this value, or null (no class list, or the value is not a class id) */
  name: string | null;
  /** voxels with this value over all label maps */
  voxels: number;
  /** label maps in which it occurs */
  images: number;
}

export interface DatasetSummary {
  manifest: string;
  name: string;
  /** manifest items */
  items: number;
  patients: number;
  /** items per patient (from the manifest) */
  imagesPerPatient: MinMedianMax;
  kinds: Record<ImageKind, number>;
  /** images read without error and with at least one finite voxel (they make the statistics), labels read */
  imagesRead: number;
  labelsRead: number;
  /** every problem, per file: unreadable, label of another shape, no finite voxel, label values not class ids */
  failed: InspectFailure[];
  /** the readers' warnings (fallbacks taken), per file */
  warnings: InspectWarning[];
  /** distinct image shapes with their counts, most frequent first */
  shapes: { shape: number[]; count: number }[];
  /** distinct spacings (mm, shape order, rounded to 1e-4) with their counts, most frequent first */
  spacings: { spacing: number[]; count: number }[];
  /** pixel array types of the images as read (int16, uint8, float32 ...) with their counts */
  dtypes: Record<string, number>;
  /** null when no image could be read */
  intensity: {
    /** smallest and largest finite voxel over all images */
    min: number;
    max: number;
    /** each image's 1st and 99th percentile, summarised over images */
    p1: MinMedianMax;
    p99: MinMedianMax;
    /** non-finite (NaN, ±Inf) voxels over all images */
    nonFinite: number;
  } | null;
  labels: {
    /** the manifest's class names (index = value), or null */
    classes: string[] | null;
    /** label values found, ascending */
    values: LabelValueCount[];
    /** class names that never occur in any label map read */
    absentClasses: string[];
  };
  /** items without a label map */
  withoutLabel: { count: number; images: string[] };
}

export interface InspectOptions {
  /** called after each item */
  onItem?: (done: number, total: number) => void;
}

/** numpy's median of a non-empty list */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function minOf(xs: readonly number[]): number {
  return xs.reduce((a, b) => (b < a ? b : a), Infinity);
}

function maxOf(xs: readonly number[]): number {
  return xs.reduce((a, b) => (b > a ? b : a), -Infinity);
}

function minMedianMax(xs: readonly number[]): MinMedianMax {
  return { min: minOf(xs), median: median(xs), max: maxOf(xs) };
}

function typeName(data: PixelArray): string {
  return data.constructor.name.replace(/Array$/, '').toLowerCase();
}

interface ImageStats {
  min: number;
  max: number;
  p1: number;
  p99: number;
  nonFinite: number;
}

function imageStats(data: PixelArray, file: string): ImageStats | null {
  let nonFinite = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!Number.isFinite(v)) nonFinite++;
    else {
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  if (nonFinite === data.length) return null;
  let values: PixelArray = data;
  if (nonFinite > 0) {
    const finite = new Float64Array(data.length - nonFinite);
    let k = 0;
    for (let i = 0; i < data.length; i++) if (Number.isFinite(data[i]!)) finite[k++] = data[i]!;
    values = finite;
  }
  const [p1, p99] = percentiles(values, [1, 99], `inspect: ${file}`) as [number, number];
  return { min, max, p1, p99, nonFinite };
}

/** voxel count per label value of one label map */
function labelCounts(data: PixelArray): Map<number, number> {
  const out = new Map<number, number>();
  if (data instanceof Uint8Array) {
    const hist = new Float64Array(256);
    for (let i = 0; i < data.length; i++) hist[data[i]!]++;
    hist.forEach((c, v) => {
      if (c > 0) out.set(v, c);
    });
    return out;
  }
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    out.set(v, (out.get(v) ?? 0) + 1);
  }
  return out;
}

function countDistinct<T>(keys: T[][], key: (x: T[]) => string): { value: T[]; count: number }[] {
  const m = new Map<string, { value: T[]; count: number }>();
  for (const k of keys) {
    const s = key(k);
    const e = m.get(s);
    if (e) e.count++;
    else m.set(s, { value: k, count: 1 });
  }
  return [...m.values()].sort((a, b) => b.count - a.count);
}

interface Found {
  failed: InspectFailure[];
  warnings: InspectWarning[];
}

async function tryRead(file: string, item: number, found: Found): Promise<Image | null> {
  const onWarning = (warning: string): void => void found.warnings.push({ item, file, warning });
  try {
    return await readImage(file, { dicom: { onWarning }, nifti: { onWarning } });
  } catch (e) {
    found.failed.push({ item, file, error: e instanceof Error ? e.message : String(e) });
    return null;
  }
}

/** Reads every file of `manifest` and summarises the data set (see the module comment). */
export async function inspectDataset(manifest: Manifest, options: InspectOptions = {}): Promise<DatasetSummary> {
  const found: Found = { failed: [], warnings: [] };
  const failed = found.failed;
  const shapes: number[][] = [];
  const spacings: number[][] = [];
  const dtypes: Record<string, number> = {};
  const stats: ImageStats[] = [];
  const voxels = new Map<number, { voxels: number; images: number }>();
  let imagesRead = 0;
  let labelsRead = 0;
  const total = manifest.items.length;
  for (const [k, item] of manifest.items.entries()) {
    const image = await tryRead(item.image, item.index, found);
    const s = image ? imageStats(image.data, item.image) : null;
    if (image && !s) failed.push({ item: item.index, file: item.image, error: 'every voxel is NaN or infinite' });
    if (image && s) {
      imagesRead++;
      stats.push(s);
      shapes.push(image.shape.slice());
      spacings.push(image.spacing.map((x) => Math.round(x * 1e4) / 1e4));
      const t = typeName(image.data);
      dtypes[t] = (dtypes[t] ?? 0) + 1;
    }
    if (item.label) {
      const label = await tryRead(item.label, item.index, found);
      if (label && image && label.shape.join('x') !== image.shape.join('x')) {
        failed.push({
          item: item.index,
          file: item.label,
          error: `label shape ${label.shape.join('x')} differs from the image's ${image.shape.join('x')}`,
        });
      } else if (label) {
        labelsRead++;
        const counts = labelCounts(label.data);
        const problem = labelValueProblem(counts.keys(), manifest.classes);
        if (problem) failed.push({ item: item.index, file: item.label, error: problem });
        for (const [v, c] of counts) {
          const e = voxels.get(v) ?? { voxels: 0, images: 0 };
          e.voxels += c;
          e.images++;
          voxels.set(v, e);
        }
      }
    }
    options.onItem?.(k + 1, total);
  }

  const classes = manifest.classes ?? null;
  const nameOf = (v: number): string | null =>
    classes && Number.isInteger(v) && v >= 0 && v < classes.length ? classes[v]! : null;
  const values = [...voxels.entries()]
    .sort(([a], [b]) => a - b)
    .map(([value, e]) => ({ value, name: nameOf(value), voxels: e.voxels, images: e.images }));
  const perPatient = [...manifest.patients.values()].map((p) => p.items.length);
  const kinds: Record<ImageKind, number> = { '2d': 0, '3d': 0 };
  for (const it of manifest.items) kinds[it.kind]++;
  const unlabelled = manifest.items.filter((it) => !it.label).map((it) => it.image);
  return {
    manifest: manifest.source,
    name: manifest.name,
    items: total,
    patients: manifest.patients.size,
    imagesPerPatient: perPatient.length ? minMedianMax(perPatient) : { min: 0, median: 0, max: 0 },
    kinds,
    imagesRead,
    labelsRead,
    failed,
    warnings: found.warnings,
    shapes: countDistinct(shapes, (s) => s.join('x')).map((e) => ({ shape: e.value, count: e.count })),
    spacings: countDistinct(spacings, (s) => s.join(',')).map((e) => ({ spacing: e.value, count: e.count })),
    dtypes,
    intensity: stats.length
      ? {
          min: minOf(stats.map((s) => s.min)),
          max: maxOf(stats.map((s) => s.max)),
          p1: minMedianMax(stats.map((s) => s.p1)),
          p99: minMedianMax(stats.map((s) => s.p99)),
          nonFinite: stats.reduce((a, s) => a + s.nonFinite, 0),
        }
      : null,
    labels: {
      classes,
      values,
      absentClasses: classes ? classes.filter((_, i) => !voxels.has(i)) : [],
    },
    withoutLabel: { count: unlabelled.length, images: unlabelled },
  };
}
