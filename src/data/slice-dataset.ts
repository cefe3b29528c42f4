/**
 * A 2D training set built from a manifest: every 2D image, or every kept slice of every 3D volume, preprocessed
 * once (as METHODS.md says for its method) and held in memory as float32 images with uint8 label maps, so epochs never
 * re-decode files. With `cacheDir`, preprocessed volumes are also cached on disk, keyed by the preprocessing config.
 *
 * Presets:
 * - `xray` (CL-TCI §IV-A): pad to square with 0, resize to `size`², then the 1st/99th percentile clip scaled to [0, 1].
 * - `ct-pcl` (PCL §3.1): per volume, clip to its [1st, 99th] percentile and scale to [0, 1]; slices resized to `size`²
 *   (or, with `spacing`, resampled in-plane to that spacing and zero-padded/cropped to `size`², padding with the
 *   normalised background value); every slice kept (position = (index + 1) / n).
 * - `ct-polycl` (PolyCL §3.1): window level 40 / width 400 HU to [0, 1]; slices resized to `size`²; the central 30 %
 *   of slices kept.
 */
import { readImage } from '../io/read.js';
import type { Image, PixelArray } from '../io/image.js';
import type { Manifest, ManifestItem } from '../io/manifest.js';
import { centralSliceRange, padCrop, padToSquare, PreprocessCache, resample, resize2d } from '../preprocess/index.js';
import type { VolumeInfo } from '../samplers/slices.js';
import { preprocessForPreset } from './preset-preprocess.js';
import { tensor, type Tensor } from '../engine/index.js';

export type SlicePreset = 'xray' | 'ct-pcl' | 'ct-polycl';

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
  ) {}

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
    const volumeMap = new Map<number, number>();
    for (const s of this.samples) {
      if (!keep.has(s.item)) continue;
      let v = volumeMap.get(s.volume);
      if (v === undefined) {
        v = volumes.length;
        volumeMap.set(s.volume, v);
        volumes.push(this.volumes[s.volume]!);
        spacing.push(this.spacing[s.volume]!);
      }
      samples.push({ ...s, id: samples.length, volume: v });
      images.push(this.images[s.id]!);
      labels.push(this.labels[s.id]!);
    }
    if (samples.length === 0) throw new Error(`SliceDataset.subset: no sample belongs to the selected items`);
    return new SliceDataset(this.manifest, this.size, samples, images, labels, volumes, spacing, this.preprocessing);
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
    ids.forEach((id, b) => {
      const l = this.labels[id];
      if (!l) throw new Error(`SliceDataset: sample ${id} (${this.describe(id)}) has no label`);
      for (let i = 0; i < n; i++) out[b * n + i] = BigInt(l[i]!);
    });
    return tensor(out, { shape: [ids.length, this.size, this.size] });
  }

  image(id: number): Float32Array {
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

function defaultOrganClass(manifest: Manifest): number {
  const i = manifest.classes?.findIndex((c) => c.toLowerCase() === 'liver') ?? -1;
  return i > 0 ? i : 1;
}

function toUint8Labels(data: PixelArray, source: string): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!(v >= 0 && v <= 255 && Number.isInteger(v))) {
      throw new Error(`SliceDataset: ${source}: label value ${v} at voxel ${i} is not a class id in 0..255`);
    }
    out[i] = v;
  }
  return out;
}

function sameGrid(a: Image, b: Image, what: string): void {
  if (a.shape.join('x') !== b.shape.join('x')) {
    throw new Error(
      `SliceDataset: ${what}: label shape ${b.shape.join('x')} differs from image shape ${a.shape.join('x')}`,
    );
  }
}

interface Prepared {
  image: Image;
  label: Image | null;
  keep: [number, number];
}

function prepare(
  item: ManifestItem,
  image: Image,
  label: Image | null,
  o: Required<Pick<SliceDatasetOptions, 'preset' | 'size' | 'centralFraction'>> & SliceDatasetOptions,
): Prepared {
  const size = o.size;
  const want = o.preset === 'xray' ? 2 : 3;
  if (image.shape.length !== want)
    throw new Error(
      `SliceDataset: ${item.image}: preset ${o.preset} expects ${want === 2 ? '2D images' : '3D volumes'}, got shape ${image.shape.join('x')}`,
    );
  // the image steps are the ones `medcl predict` applies (preset-preprocess.ts); labels follow them with nearest
  const img = preprocessForPreset(image, {
    preset: o.preset,
    size,
    ...(o.spacing !== undefined ? { spacing: o.spacing } : {}),
  });
  const nearest = (l: Image): Image => resize2d(l, { shape: [size, size], interpolation: 'nearest' });
  if (o.preset === 'xray') {
    return { image: img, label: label ? nearest(padToSquare(label, { value: 0 })) : null, keep: [0, 1] };
  }
  if (o.preset === 'ct-pcl') {
    let lab: Image | null = null;
    if (label && o.spacing !== undefined) {
      const rs = resample(label, { spacing: [null, o.spacing, o.spacing], interpolation: 'nearest' });
      lab = padCrop(rs, { shape: [rs.shape[0]!, size, size], value: 0 });
    } else if (label) lab = nearest(label);
    return { image: img, label: lab, keep: [0, image.shape[0]!] };
  }
  const r = centralSliceRange(image.shape[0]!, o.centralFraction);
  return { image: img, label: label ? nearest(label) : null, keep: [r.start, r.end] };
}

/** Reads, preprocesses and slices every (selected) manifest item. */
export async function buildSliceDataset(manifest: Manifest, options: SliceDatasetOptions): Promise<SliceDataset> {
  const o = { size: 256, centralFraction: 0.3, ...options };
  if (!Number.isInteger(o.size) || o.size < 8)
    throw new RangeError(`SliceDataset: size must be an integer >= 8, got ${o.size}`);
  const items = (o.items ?? manifest.items.map((it) => it.index)).map((i) => {
    const it = manifest.items[i];
    if (!it) throw new RangeError(`SliceDataset: manifest ${manifest.source} has no item ${i}`);
    return it;
  });
  if (items.length === 0) throw new Error(`SliceDataset: ${manifest.source}: no items selected`);
  const organClass = o.organClass ?? defaultOrganClass(manifest);
  const cache = o.cacheDir ? new PreprocessCache(o.cacheDir) : null;
  const samples: SliceSample[] = [];
  const images: Float32Array[] = [];
  const labels: (Uint8Array | null)[] = [];
  const volumes: VolumeInfo[] = [];
  const spacing: [number, number][] = [];
  const n = o.size * o.size;
  let done = 0;
  for (const item of items) {
    const load = async (): Promise<Prepared> => {
      const image = await readImage(item.image);
      const label = item.label ? await readImage(item.label) : null;
      if (label) sameGrid(image, label, item.label!);
      return prepare(item, image, label, o);
    };
    let prepared: Prepared;
    if (cache) {
      const cfg = {
        preset: o.preset,
        size: o.size,
        spacing: o.spacing ?? null,
        centralFraction: o.centralFraction,
        v: 1,
      };
      const sources = item.label ? [item.image, item.label] : [item.image];
      let fresh: Prepared | null = null;
      const img = await cache.getOrCompute(
        sources,
        { ...cfg, part: 'image' },
        async () => (fresh = await load()).image,
      );
      const lab = item.label
        ? await cache.getOrCompute(
            sources,
            { ...cfg, part: 'label' },
            async () => (fresh ?? (fresh = await load())).label!,
          )
        : null;
      const keep: [number, number] =
        o.preset === 'ct-polycl'
          ? ((r) => [r.start, r.end] as [number, number])(centralSliceRange(img.image.shape[0]!, o.centralFraction))
          : [0, img.image.shape.length === 3 ? img.image.shape[0]! : 1];
      prepared = { image: img.image, label: lab ? lab.image : null, keep };
    } else prepared = await load();

    const { image, label, keep } = prepared;
    const volume = volumes.length;
    const kept = keep[1] - keep[0];
    const flags: boolean[] = [];
    for (let z = keep[0]; z < keep[1]; z++) {
      const img = new Float32Array(n);
      const src = image.data;
      for (let i = 0; i < n; i++) img[i] = src[z * n + i]!;
      let lab: Uint8Array | null = null;
      let flag: boolean | undefined;
      if (label) {
        lab = toUint8Labels(label.data.subarray(z * n, (z + 1) * n), item.label!);
        flag = lab.includes(organClass);
        flags.push(flag);
      }
      samples.push({
        id: samples.length,
        item: item.index,
        patient: item.patient,
        time: item.time,
        volumeId: String(item.index),
        volume,
        sliceIndex: z - keep[0],
        slicesInVolume: kept,
        organFlag: flag,
      });
      images.push(img);
      labels.push(lab);
    }
    volumes.push({
      id: String(item.index),
      slices: kept,
      patient: item.patient,
      ...(label ? { organFlags: flags } : {}),
    });
    const sp = image.spacing;
    spacing.push([sp[sp.length - 2]!, sp[sp.length - 1]!]);
    done++;
    o.onItem?.(done, items.length);
  }
  return new SliceDataset(manifest, o.size, samples, images, labels, volumes, spacing, {
    preset: o.preset,
    ...(o.spacing !== undefined ? { spacing: o.spacing } : {}),
  });
}
