/**
 * One manifest item of a slice data set, read and preprocessed (src/data/slice-prepare.ts), optionally through the
 * on-disk cache of preprocessed volumes, reduced to its kept slices as plain typed arrays. The same function runs on
 * the main thread (loaderWorkers 0) and in the loader's worker threads (src/data/load-worker.ts), so both give the
 * same numbers bit for bit; its arrays are transferable between threads.
 */
import { formatOfPath, readImage } from '../io/read.js';
import type { ManifestItem } from '../io/manifest.js';
import { centralSliceRange } from '../preprocess/centralSlices.js';
import { PreprocessCache } from '../preprocess/cache.js';
import { prepare, sameGrid, toUint8Labels, type Prepared } from './slice-prepare.js';
import type { SlicePreset } from './preset-preprocess.js';

/** the preprocessing settings of a slice data set (defaults filled in) */
export interface SliceVolumeSettings {
  preset: SlicePreset;
  size: number;
  spacing?: number;
  centralFraction: number;
  cacheDir?: string;
}

/** An item's kept slices: `kept` slices of size² each, contiguous. */
export interface SliceVolume {
  /** kept × size² preprocessed values */
  images: Float32Array;
  /** kept × size² class ids, or null when the item has no label */
  labels: Uint8Array | null;
  kept: number;
  /** shape of the preprocessed image ([size, size] or [depth, size, size]) */
  shape: number[];
  /** spacing of the preprocessed image (mm; 1 per pixel for PNG/JPEG) */
  spacing: number[];
  /** the image's spacing is physical (false for PNG/JPEG rasters) */
  spacingKnown: boolean;
}

async function readPrepared(item: ManifestItem, o: SliceVolumeSettings): Promise<Prepared> {
  const image = await readImage(item.image);
  const label = item.label ? await readImage(item.label) : null;
  if (label) sameGrid(image, label, item.label!);
  return prepare(item, image, label, o);
}

/** The preprocessed image and label through the cache (computed and written on a miss). */
async function cachedPrepared(item: ManifestItem, o: SliceVolumeSettings, cacheDir: string): Promise<Prepared> {
  const cache = new PreprocessCache(cacheDir);
  const cfg = { preset: o.preset, size: o.size, spacing: o.spacing ?? null, centralFraction: o.centralFraction, v: 1 };
  const sources = item.label ? [item.image, item.label] : [item.image];
  let fresh: Prepared | null = null;
  const load = async (): Promise<Prepared> => (fresh ??= await readPrepared(item, o));
  const img = await cache.getOrCompute(sources, { ...cfg, part: 'image' }, async () => (await load()).image);
  const lab = item.label
    ? await cache.getOrCompute(sources, { ...cfg, part: 'label' }, async () => (await load()).label!)
    : null;
  const depth = img.image.shape.length === 3 ? img.image.shape[0]! : 1;
  const range = o.preset === 'ct-polycl' ? centralSliceRange(depth, o.centralFraction) : { start: 0, end: depth };
  return { image: img.image, label: lab ? lab.image : null, keep: [range.start, range.end] };
}

/** Reads and preprocesses `item` (through the cache at `o.cacheDir` when set); see the file's comment. */
export async function loadSliceVolume(item: ManifestItem, o: SliceVolumeSettings): Promise<SliceVolume> {
  const { image, label, keep } = o.cacheDir ? await cachedPrepared(item, o, o.cacheDir) : await readPrepared(item, o);
  const n = o.size * o.size;
  const kept = keep[1] - keep[0];
  const images = Float32Array.from(image.data.subarray(keep[0] * n, keep[1] * n));
  const labels = label ? toUint8Labels(label.data.subarray(keep[0] * n, keep[1] * n), item.label!) : null;
  return {
    images,
    labels,
    kept,
    shape: [...image.shape],
    spacing: [...image.spacing],
    spacingKnown: formatOfPath(item.image) !== 'png',
  };
}
