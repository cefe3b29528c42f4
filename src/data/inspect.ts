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
import type { Image } from '../io/image.js';
import type { ImageKind, Manifest, ManifestItem } from '../io/manifest.js';
import { readImage } from '../io/read.js';
import { labelValueProblem } from './label-check.js';
import { imageStats, labelCounts, typeName, type ImageStats } from './inspect-file.js';
import { errorMessage } from '../util/error-message.js';

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
    found.failed.push({ item, file, error: errorMessage(e) });
    return null;
  }
}

/** What the reading of the files found so far. */
interface Tally extends Found {
  shapes: number[][];
  spacings: number[][];
  dtypes: Record<string, number>;
  stats: ImageStats[];
  /** per label value: its voxels and the label maps that have it */
  voxels: Map<number, { voxels: number; images: number }>;
  imagesRead: number;
  labelsRead: number;
}

/** reads an item's image into the tally; returns it (null when unreadable or without a finite voxel) */
async function tallyImage(item: ManifestItem, t: Tally): Promise<Image | null> {
  const image = await tryRead(item.image, item.index, t);
  const s = image ? imageStats(image.data, item.image) : null;
  if (image && !s) t.failed.push({ item: item.index, file: item.image, error: 'every voxel is NaN or infinite' });
  if (!image || !s) return image;
  t.imagesRead++;
  t.stats.push(s);
  t.shapes.push(image.shape.slice());
  t.spacings.push(image.spacing.map((x) => Math.round(x * 1e4) / 1e4));
  const type = typeName(image.data);
  t.dtypes[type] = (t.dtypes[type] ?? 0) + 1;
  return image;
}

/** reads an item's label map into the tally: its shape against the image's, its values against the classes */
async function tallyLabel(item: ManifestItem, image: Image | null, classes: Manifest['classes'], t: Tally) {
  if (!item.label) return;
  const label = await tryRead(item.label, item.index, t);
  if (label && image && label.shape.join('x') !== image.shape.join('x')) {
    t.failed.push({
      item: item.index,
      file: item.label,
      error: `label shape ${label.shape.join('x')} differs from the image's ${image.shape.join('x')}`,
    });
  } else if (label) {
    t.labelsRead++;
    const counts = labelCounts(label.data);
    const problem = labelValueProblem(counts.keys(), classes);
    if (problem) t.failed.push({ item: item.index, file: item.label, error: problem });
    for (const [v, c] of counts) {
      const e = t.voxels.get(v) ?? { voxels: 0, images: 0 };
      e.voxels += c;
      e.images++;
      t.voxels.set(v, e);
    }
  }
}

/** Reads every file of `manifest` and summarises the data set (see the module comment). */
export async function inspectDataset(manifest: Manifest, options: InspectOptions = {}): Promise<DatasetSummary> {
  const t: Tally = {
    failed: [],
    warnings: [],
    shapes: [],
    spacings: [],
    dtypes: {},
    stats: [],
    voxels: new Map(),
    imagesRead: 0,
    labelsRead: 0,
  };
  const total = manifest.items.length;
  for (const [k, item] of manifest.items.entries()) {
    const image = await tallyImage(item, t);
    await tallyLabel(item, image, manifest.classes, t);
    options.onItem?.(k + 1, total);
  }
  return summaryOf(manifest, t);
}

/** the summary of the data set from the manifest and what its files held */
function summaryOf(manifest: Manifest, t: Tally): DatasetSummary {
  const { stats, voxels } = t;
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
    items: manifest.items.length,
    patients: manifest.patients.size,
    imagesPerPatient: perPatient.length ? minMedianMax(perPatient) : { min: 0, median: 0, max: 0 },
    kinds,
    imagesRead: t.imagesRead,
    labelsRead: t.labelsRead,
    failed: t.failed,
    warnings: t.warnings,
    shapes: countDistinct(t.shapes, (s) => s.join('x')).map((e) => ({ shape: e.value, count: e.count })),
    spacings: countDistinct(t.spacings, (s) => s.join(',')).map((e) => ({ spacing: e.value, count: e.count })),
    dtypes: t.dtypes,
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
