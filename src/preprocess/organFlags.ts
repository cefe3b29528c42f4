/**
 * Per-slice "contains the organ" flags from a label volume (PolyCL-O §2: positives are slices with the same flag,
 * negatives slices with the other flag). Slice z is flagged when at least `minVoxels` of its voxels carry one of
 * `classes` (default: any non-zero label).
 */
import type { Image } from '../io/image.js';
import { checkImage, fail } from './common.js';

export interface OrganFlagsOptions {
  /** label values that count as the organ; default: every non-zero label */
  classes?: readonly number[];
  /** voxels of the organ a slice needs to be flagged; default 1 (any voxel) */
  minVoxels?: number;
}

/** one boolean per slice along the depth (first) axis */
export function organFlags(labelVolume: Image, options: OrganFlagsOptions = {}): boolean[] {
  const step = 'organFlags';
  checkImage(step, labelVolume, [3]);
  const classes = options.classes;
  if (classes !== undefined) {
    if (!Array.isArray(classes) || classes.length === 0)
      fail(step, labelVolume, `classes must be a non-empty array of label values, got ${JSON.stringify(classes)}`);
    for (const c of classes)
      if (!Number.isFinite(c)) fail(step, labelVolume, `classes must hold finite numbers, got ${String(c)}`);
  }
  const minVoxels = options.minVoxels ?? 1;
  if (!Number.isInteger(minVoxels) || minVoxels < 1)
    fail(step, labelVolume, `minVoxels must be a positive integer, got ${String(minVoxels)}`);
  const wanted = classes === undefined ? null : new Set(classes);
  const [depth, h, w] = labelVolume.shape as [number, number, number];
  const size = h * w;
  const data = labelVolume.data;
  const flags: boolean[] = [];
  for (let z = 0; z < depth; z++) {
    let count = 0;
    const end = (z + 1) * size;
    for (let i = z * size; i < end && count < minVoxels; i++) {
      const v = data[i]!;
      if (wanted === null ? v !== 0 && !Number.isNaN(v) : wanted.has(v)) count++;
    }
    flags.push(count >= minVoxels);
  }
  return flags;
}
