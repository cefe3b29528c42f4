/**
 * Per-item preprocessing of the slice data set (src/data/slice-dataset.ts): one manifest item's image and label
 * through the preset's steps, and the checks on its label map.
 */
import type { Image, PixelArray } from '../io/image.js';
import type { Manifest, ManifestItem } from '../io/manifest.js';
import { centralSliceRange, padCrop, padToSquare, resample, resize2d } from '../preprocess/index.js';
import { preprocessForPreset } from './preset-preprocess.js';
import type { SliceDatasetOptions } from './slice-dataset.js';

export function defaultOrganClass(manifest: Manifest): number {
  const i = manifest.classes?.findIndex((c) => c.toLowerCase() === 'liver') ?? -1;
  return i > 0 ? i : 1;
}

export function toUint8Labels(data: PixelArray, source: string): Uint8Array {
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

export function sameGrid(a: Image, b: Image, what: string): void {
  if (a.shape.join('x') !== b.shape.join('x')) {
    throw new Error(
      `SliceDataset: ${what}: label shape ${b.shape.join('x')} differs from image shape ${a.shape.join('x')}`,
    );
  }
}

export interface Prepared {
  image: Image;
  label: Image | null;
  keep: [number, number];
}

export function prepare(
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
