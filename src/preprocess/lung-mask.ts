/**
 * Lung masks for DrasCLR's registration and landmark grid (docs/drasclr.md). Any lung segmentation will do (the paper
 * used Hofmanninger et al.'s model); scans without a label map are thresholded:
 *
 * - `labelLungMask`: from a user-provided label map, lung = the voxels whose label is in `lungLabels` (default: every
 *   non-zero label, as the lung CT phantoms' 1 left lung, 2 right lung, 3 lesion inside a lung).
 * - `thresholdLungMask`: the default without labels (our rule, not the paper's, which used Hofmanninger et al.'s
 *   network): air-like voxels (HU < `airThreshold`, default -400) are labelled in 3D (6-connectivity); components
 *   touching the in-plane sides of the volume (x or y faces) are the air outside the body and dropped (the first and
 *   last slices are NOT used for this: lungs routinely reach the ends of the scanned range); of the rest, the largest
 *   component and up to `maxComponents - 1` more (default 2 in all: left and right lung; joined lungs are one) are
 *   kept when at least `minComponentFraction` (default 0.1) of the largest's size, which drops gas in the bowel or
 *   stomach and small airways; finally holes are filled slice by slice (vessels inside the lung are denser than the
 *   threshold: any 2D region of an axial slice enclosed by the mask becomes lung).
 */
import type { Image } from '../io/image.js';
import { connectedComponents } from './components.js';

export interface ThresholdLungMaskOptions {
  /** HU below which a voxel is air-like (default -400, ours) */
  airThreshold?: number;
  /** components kept at most (default 2: the two lungs) */
  maxComponents?: number;
  /** a component after the largest is kept when its size is at least this fraction of the largest's (default 0.1) */
  minComponentFraction?: number;
  /** fill enclosed holes in each axial slice (default true) */
  fillHoles?: boolean;
}

export interface LungMaskResult {
  /** 1 = lung, 0 otherwise, on the input grid */
  mask: Uint8Array;
  voxels: number;
}

function check(image: Image, who: string): [number, number, number] {
  if (image.shape.length !== 3)
    throw new RangeError(
      `${who}: ${image.source ?? 'image'}: expected a 3D volume, got shape [${image.shape.join(', ')}]`,
    );
  return image.shape as [number, number, number];
}

/** lung = label in `lungLabels` (default: label > 0). */
export function labelLungMask(label: Image, lungLabels?: readonly number[]): LungMaskResult {
  check(label, 'labelLungMask');
  const set = lungLabels ? new Set(lungLabels) : null;
  const mask = new Uint8Array(label.data.length);
  let voxels = 0;
  for (let p = 0; p < mask.length; p++) {
    const v = label.data[p]!;
    if (set ? set.has(v) : v > 0) {
      mask[p] = 1;
      voxels++;
    }
  }
  return { mask, voxels };
}

/** In each axial slice, background regions not connected (4-connectivity) to the slice border become foreground. */
export function fillHolesPerSlice(mask: Uint8Array, shape: readonly number[]): void {
  const [nz, ny, nx] = shape as [number, number, number];
  const plane = ny * nx;
  const bg = new Uint8Array(plane);
  for (let z = 0; z < nz; z++) {
    const off = z * plane;
    let any = false;
    for (let p = 0; p < plane; p++) {
      bg[p] = mask[off + p] ? 0 : 1;
      if (!bg[p]) any = true;
    }
    if (!any) continue;
    const { labels, count } = connectedComponents(bg, [1, ny, nx], 6);
    if (count <= 1) continue;
    const touches = new Uint8Array(count + 1);
    for (let x = 0; x < nx; x++) {
      touches[labels[x]!] = 1;
      touches[labels[(ny - 1) * nx + x]!] = 1;
    }
    for (let y = 0; y < ny; y++) {
      touches[labels[y * nx]!] = 1;
      touches[labels[y * nx + nx - 1]!] = 1;
    }
    for (let p = 0; p < plane; p++) {
      const l = labels[p]!;
      if (l > 0 && !touches[l]) mask[off + p] = 1;
    }
  }
}

/** The threshold + connected-component default described in the file comment; `hu` in Hounsfield units. */
export function thresholdLungMask(hu: Image, options: ThresholdLungMaskOptions = {}): LungMaskResult {
  const [nz, ny, nx] = check(hu, 'thresholdLungMask');
  const threshold = options.airThreshold ?? -400;
  const maxComponents = options.maxComponents ?? 2;
  const minFraction = options.minComponentFraction ?? 0.1;
  if (!Number.isFinite(threshold))
    throw new RangeError(`thresholdLungMask: airThreshold must be finite, got ${threshold}`);
  if (!Number.isInteger(maxComponents) || maxComponents < 1)
    throw new RangeError(`thresholdLungMask: maxComponents must be an integer >= 1, got ${maxComponents}`);
  if (!(minFraction >= 0 && minFraction <= 1))
    throw new RangeError(`thresholdLungMask: minComponentFraction must be in [0, 1], got ${minFraction}`);
  const air = new Uint8Array(hu.data.length);
  for (let p = 0; p < air.length; p++) air[p] = hu.data[p]! < threshold ? 1 : 0;
  const { labels, count, sizes } = connectedComponents(air, hu.shape, 6);
  const outside = new Uint8Array(count + 1);
  for (let z = 0; z < nz; z++) {
    const off = z * ny * nx;
    for (let x = 0; x < nx; x++) {
      outside[labels[off + x]!] = 1;
      outside[labels[off + (ny - 1) * nx + x]!] = 1;
    }
    for (let y = 0; y < ny; y++) {
      outside[labels[off + y * nx]!] = 1;
      outside[labels[off + y * nx + nx - 1]!] = 1;
    }
  }
  const inside: number[] = [];
  for (let c = 1; c <= count; c++) if (!outside[c]) inside.push(c);
  inside.sort((a, b) => sizes[b]! - sizes[a]! || a - b);
  const keep = new Uint8Array(count + 1);
  const largest = inside.length > 0 ? sizes[inside[0]!]! : 0;
  for (const c of inside.slice(0, maxComponents)) if (sizes[c]! >= minFraction * largest) keep[c] = 1;
  const mask = new Uint8Array(air.length);
  for (let p = 0; p < mask.length; p++) if (keep[labels[p]!]) mask[p] = 1;
  if (options.fillHoles ?? true) fillHolesPerSlice(mask, hu.shape);
  let voxels = 0;
  for (let p = 0; p < mask.length; p++) voxels += mask[p]!;
  return { mask, voxels };
}
