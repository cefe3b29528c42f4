/**
 * What `medcl data inspect` (inspect.ts) reads off one file: an image's voxel type and intensity statistics (numpy's
 * 'linear' percentiles over its finite voxels, src/preprocess/percentile.ts), a label map's voxel count per value.
 */
import type { PixelArray } from '../io/image.js';
import { percentiles } from '../preprocess/percentile.js';

/** `int16`, `float32`, `uint8`: the voxels' type */
export function typeName(data: PixelArray): string {
  return data.constructor.name.replace(/Array$/, '').toLowerCase();
}

/** one image's intensity range and 1st/99th percentiles over its finite voxels, and its non-finite voxels */
export interface ImageStats {
  min: number;
  max: number;
  p1: number;
  p99: number;
  nonFinite: number;
}

/** the statistics of an image's voxels; null when none is finite */
export function imageStats(data: PixelArray, file: string): ImageStats | null {
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
export function labelCounts(data: PixelArray): Map<number, number> {
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
