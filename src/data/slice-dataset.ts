/**
 * A 2D training set built from a manifest: every 2D image, or every kept slice of every 3D volume, preprocessed
 * once (as each paper prepares its data, docs/methods.md §3) and held in memory as float32 images with uint8 label
 * maps, so epochs never re-decode files. With `cacheDir`, preprocessed volumes are also cached on disk, keyed by the
 * preprocessing config.
 *
 * Presets:
 * - `xray` (CL-TCI §IV-A): pad to square with 0, resize to `size`², then the 1st/99th percentile clip scaled to [0, 1].
 * - `ct-pcl` (PCL §3.1): per volume, clip to its [1st, 99th] percentile and scale to [0, 1]; slices resized to `size`²
 *   (or, with `spacing`, resampled in-plane to that spacing and zero-padded/cropped to `size`², padding with the
 *   normalised background value); every slice kept (position = (index + 1) / n).
 * - `ct-polycl` (PolyCL §3.1): window level 40 / width 400 HU to [0, 1]; slices resized to `size`²; the central 30 %
 *   of slices kept.
 *
 * Loading (docs/data-loading.md): with `loaderWorkers` > 0 the items are read and preprocessed in worker threads
 * (several at once, taken in manifest order, so the data set is the same bit for bit). With `stream`, the pixels
 * are not held: the data set keeps its samples' metadata and reads slices from a byte-capped cache of preprocessed
 * volumes (src/data/slice-stream.ts), which the training loop fills ahead of the steps through `batchLoader`.
 */
import type { Manifest, ManifestItem } from '../io/manifest.js';
import { CLTCI, POLYCL } from '../preprocess/presets.js';
import type { VolumeInfo } from './volume-info.js';
import { defaultOrganClass } from './slice-prepare.js';
import { tensor, type Tensor } from '../engine/index.js';
import { loadSliceVolume, type SliceVolume, type SliceVolumeSettings } from './slice-volume.js';
import { LoaderPool } from './loader-pool.js';
import { SliceStream } from './slice-stream.js';
import { cacheBatchLoader, type BatchLoader } from './batch-loader.js';
import { inOrder, SliceCollector } from './slice-collector.js';

import type { SlicePreset } from './preset-preprocess.js';

export type { SlicePreset };

export interface SliceDatasetOptions {
  preset: SlicePreset;
  /** output height = width (default 256, as CL-TCI and PolyCL; PCL uses data-set specific sizes) */
  size?: number;
  /** ct-pcl: in-plane spacing in mm to resample to before padding (default: plain resize) */
  spacing?: number;
  /** ct-polycl: fraction of central slices kept (default 0.3) */
  centralFraction?: number;
  /** the class whose presence makes a slice's organ flag (PolyCL-O; default: the class named "liver", else 1) */
  organClass?: number;
  /** restrict to these manifest item indices (e.g. one fold's patients) */
  items?: readonly number[];
  /** on-disk cache of preprocessed volumes */
  cacheDir?: string;
  /** called after each item (progress) */
  onItem?: (done: number, total: number) => void;
  /** worker threads that read and preprocess the items (0 or absent: on the main thread) */
  loaderWorkers?: number;
  /**
   * stream the pixels instead of holding them: at most `capMiB` of preprocessed volumes stay resident (more while
   * the training loop's window of batches pins them); image labels are not kept (pre-training reads images only)
   */
  stream?: { capMiB: number };
}

/** One 2D sample: a slice of a volume (volumes of 2D images have one slice). */
export interface SliceSample {
  /** index in the data set */
  id: number;
  /** manifest item index */
  item: number;
  patient: string;
  time?: string | number;
  /** volume id (= manifest item index as a string) */
  volumeId: string;
  /** index of the volume among the data set's volumes */
  volume: number;
  sliceIndex: number;
  slicesInVolume: number;
  /** slice contains the organ class (only when the item has a label) */
  organFlag?: boolean;
}

/** How distances are measured in one volume (HD95 per volume, src/eval/metrics/segmentation-cases.ts). */
export interface VolumeGeometry {
  /** spacing between consecutive kept slices after preprocessing (mm), null for a 2D image */
  sliceSpacing: number | null;
  /**
   * whether the spacings are physical (mm): false for PNG/JPEG rasters, which carry no physical size (the reader
   * gives them spacing 1, see src/io/png.ts)
   */
  spacingKnown: boolean;
}

/** The voxel spacing distances use, and their unit: mm, or steps of the data set's pixel grid ('px'). */
export interface CaseSpacing {
  spacing: number[];
  unit: 'mm' | 'px';
}

export class SliceDataset {
  constructor(
    readonly manifest: Manifest,
    readonly size: number,
    readonly samples: SliceSample[],
    /** one Float32Array (size²) per sample */
    readonly images: Float32Array[],
    /** one Uint8Array (size²) per sample, or null when the item has no label */
    readonly labels: (Uint8Array | null)[],
    /** per volume, for the slice samplers */
    readonly volumes: VolumeInfo[],
    /** pixel spacing (mm) of each volume's slices after preprocessing: [dy, dx] */
    readonly spacing: [number, number][],
    /** how the samples were preprocessed (predict applies the same) */
    readonly preprocessing: { preset: SlicePreset; spacing?: number } = { preset: 'xray' },
    /** per volume; a volume without an entry (hand-built data sets) has unknown spacing: distances in pixels */
    readonly geometry: VolumeGeometry[] = [],
    /** a streamed data set's pixels (then `images` and `labels` are empty: read them with image(id)) */
    readonly stream: SliceStream | null = null,
  ) {}

  /**
   * The loader of a streamed data set's batches (null when the pixels are in memory): `idsOf(batch)` are the samples
   * step(batch) reads.
   */
  batchLoader<B>(idsOf: (batch: B) => readonly number[]): BatchLoader<B> | null {
    if (!this.stream) return null;
    return cacheBatchLoader(this.stream.cache, (b: B) => idsOf(b).map((id) => this.samples[id]!.item));
  }

  /** ends a streamed data set's loader threads (nothing to do for one in memory) */
  async close(): Promise<void> {
    await this.stream?.close();
  }

  /**
   * The spacing of `depth` stacked slices of volume v: [dz, dy, dx] (or [dy, dx] for one slice) in mm when the
   * volume's spacing is physical and known along every axis used, else 1 per pixel step of this data set's grid.
   */
  caseSpacing(volume: number, depth: number): CaseSpacing {
    const g = this.geometry[volume];
    const known = g !== undefined && g.spacingKnown && (depth === 1 || g.sliceSpacing !== null);
    if (!known) return { spacing: new Array<number>(depth > 1 ? 3 : 2).fill(1), unit: 'px' };
    const [dy, dx] = this.spacing[volume]!;
    return { spacing: depth > 1 ? [g.sliceSpacing!, dy, dx] : [dy, dx], unit: 'mm' };
  }

  get length(): number {
    return this.samples.length;
  }

  get numClasses(): number {
    if (this.manifest.classes) return this.manifest.classes.length;
    let max = 0;
    for (const l of this.labels) if (l) for (let i = 0; i < l.length; i++) if (l[i]! > max) max = l[i]!;
    return max + 1;
  }

  /** A data set of the samples of the given manifest items only (re-numbered; arrays shared, not copied). */
  subset(items: Iterable<number>): SliceDataset {
    const keep = new Set(items);
    const samples: SliceSample[] = [];
    const images: Float32Array[] = [];
    const labels: (Uint8Array | null)[] = [];
    const volumes: VolumeInfo[] = [];
    const spacing: [number, number][] = [];
    const geometry: VolumeGeometry[] = [];
    const volumeMap = new Map<number, number>();
    for (const s of this.samples) {
      if (!keep.has(s.item)) continue;
      let v = volumeMap.get(s.volume);
      if (v === undefined) {
        v = volumes.length;
        volumeMap.set(s.volume, v);
        volumes.push(this.volumes[s.volume]!);
        spacing.push(this.spacing[s.volume]!);
        const g = this.geometry[s.volume];
        if (g) geometry[v] = g;
      }
      samples.push({ ...s, id: samples.length, volume: v });
      if (!this.stream) {
        images.push(this.images[s.id]!);
        labels.push(this.labels[s.id]!);
      }
    }
    if (samples.length === 0) throw new Error(`SliceDataset.subset: no sample belongs to the selected items`);
    const pre = this.preprocessing;
    const args = [samples, images, labels, volumes, spacing, pre, geometry] as const;
    return new SliceDataset(this.manifest, this.size, ...args, this.stream);
  }

  /** samples whose patient is in `patients` */
  idsOfPatients(patients: ReadonlySet<string>): number[] {
    return this.samples.filter((s) => patients.has(s.patient)).map((s) => s.id);
  }

  /** (B, 1, size, size) float32 images of the given samples */
  imageBatch(ids: readonly number[]): Tensor {
    const n = this.size * this.size;
    const out = new Float32Array(ids.length * n);
    ids.forEach((id, b) => out.set(this.image(id), b * n));
    return tensor(out, { shape: [ids.length, 1, this.size, this.size] });
  }

  /** (B, size, size) int64 label maps of the given samples (all must have labels) */
  labelBatch(ids: readonly number[]): Tensor {
    const n = this.size * this.size;
    const out = new BigInt64Array(ids.length * n);
    if (this.stream) throw new Error('SliceDataset: a streamed data set holds no label maps (pre-training only)');
    ids.forEach((id, b) => {
      const l = this.labels[id];
      if (!l) throw new Error(`SliceDataset: sample ${id} (${this.describe(id)}) has no label`);
      for (let i = 0; i < n; i++) out[b * n + i] = BigInt(l[i]!);
    });
    return tensor(out, { shape: [ids.length, this.size, this.size] });
  }

  image(id: number): Float32Array {
    const s = this.stream ? this.samples[id] : undefined;
    if (s) return this.stream!.image(s.item, s.sliceIndex);
    const img = this.images[id];
    if (!img) throw new RangeError(`SliceDataset: no sample ${id} (have ${this.length})`);
    return img;
  }

  describe(id: number): string {
    const s = this.samples[id]!;
    const item = this.manifest.items[s.item]!;
    return s.slicesInVolume > 1 ? `${item.image} slice ${s.sliceIndex}` : item.image;
  }
}

function selectedItems(manifest: Manifest, selected: readonly number[] | undefined): ManifestItem[] {
  const items = (selected ?? manifest.items.map((it) => it.index)).map((i) => {
    const it = manifest.items[i];
    if (!it) throw new RangeError(`SliceDataset: manifest ${manifest.source} has no item ${i}`);
    return it;
  });
  if (items.length === 0) throw new Error(`SliceDataset: ${manifest.source}: no items selected`);
  return items;
}

/** Reads, preprocesses and slices every (selected) manifest item (see the file's comment). */
export async function buildSliceDataset(manifest: Manifest, options: SliceDatasetOptions): Promise<SliceDataset> {
  const o = { size: CLTCI.size, centralFraction: POLYCL.fraction, ...options };
  if (!Number.isInteger(o.size) || o.size < 8)
    throw new RangeError(`SliceDataset: size must be an integer >= 8, got ${o.size}`);
  const items = selectedItems(manifest, o.items);
  const settings: SliceVolumeSettings = {
    preset: o.preset,
    size: o.size,
    centralFraction: o.centralFraction,
    ...(o.spacing !== undefined ? { spacing: o.spacing } : {}),
    ...(o.cacheDir !== undefined ? { cacheDir: o.cacheDir } : {}),
  };
  const workers = o.loaderWorkers ?? 0;
  const pool = workers > 0 ? new LoaderPool(workers) : null;
  const stream = o.stream ? new SliceStream(items, settings, pool, o.stream.capMiB * 2 ** 20) : null;
  const c = new SliceCollector(o.size * o.size, o.organClass ?? defaultOrganClass(manifest), !stream);
  try {
    const load = (it: ManifestItem): Promise<SliceVolume> =>
      pool ? pool.run({ kind: 'slice-volume', item: it, settings }) : loadSliceVolume(it, settings);
    let done = 0;
    for await (const v of inOrder(items, Math.max(1, 2 * workers), load)) {
      const item = items[done]!;
      c.add(item, v);
      stream?.cache.put(item.index, { ...v, labels: null });
      done++;
      o.onItem?.(done, items.length);
    }
  } catch (e) {
    await (stream ?? pool)?.close();
    throw e;
  }
  if (!stream) await pool?.close();
  const preprocessing = { preset: o.preset, ...(o.spacing !== undefined ? { spacing: o.spacing } : {}) };
  const meta = [c.volumes, c.spacing, preprocessing, c.geometry] as const;
  return new SliceDataset(manifest, o.size, c.samples, c.images, c.labels, ...meta, stream);
}
