/**
 * Resampling to a target voxel spacing: 3D isotropic (DrasCLR §4.1: "re-sampling all images into 1 mm³ isotropic
 * resolution") or in-plane only, keeping the slices (PCL §3.1: "2D slices ... resampled to a fixed spatial
 * resolution", e.g. 1.0 × 1.0 mm² for CHD; see presets.ts).
 *
 * Grid rule, per resampled axis with n voxels of spacing s and target spacing t:
 * - output size m = max(1, round(n · s / t)), where n · s is the extent covered by the voxels (edge to edge) and
 *   round is half-up (a 1e-9 tolerance absorbs float noise such as 2.4999999999 for 2.5);
 * - the output spacing is exactly t, and the output grid is centred on the input grid: the centre of the physical
 *   extent stays put, so the origin (first voxel centre) moves by ((n - 1) · s - (m - 1) · t) / 2 along the axis.
 *   Because of the rounding, the output extent m · t differs from n · s by at most t / 2 on each side;
 * - output voxel j samples the input at continuous index x = (n - 1) / 2 + (j - (m - 1) / 2) · t / s. Points past
 *   the first/last voxel centre (at most about half a voxel) take the border value (edge replication).
 * Interpolation: 'linear' (images; trilinear in 3D, done as separable 1D passes, Float32Array output) or 'nearest'
 * (labels; index floor(x + 0.5), the input's array type, only existing label values). No antialiasing: as in
 * SimpleITK's Resample and scipy's zoom, downsampling by large factors should be smoothed first.
 */
import type { Image } from '../io/image.js';
import { checkImage, ctorOf, derive, fail, shiftedOrigin } from './common.js';
import { applySeparable, linearTable, nearestTable, type AxisTable } from './separable.js';
import type { Interpolation } from './resize2d.js';
import { DRASCLR } from './presets.js';

export interface ResampleOptions {
  /**
   * target spacing in mm. A number: every axis (isotropic), or only the last two with `axes: 'inPlane'`. An array
   * (shape order, e.g. [z, y, x]): per axis, `null` keeps an axis as it is. Default 1 (DrasCLR §4.1, 1 mm isotropic).
   */
  spacing?: number | readonly (number | null)[];
  /** which axes a numeric `spacing` applies to; default 'all'. 'inPlane' keeps the depth axis of a volume */
  axes?: 'all' | 'inPlane';
  /** 'linear' for images (default), 'nearest' for label maps */
  interpolation?: Interpolation;
}

/** output size for n voxels of spacing s at target spacing t (see the module comment) */
export function resampledSize(n: number, s: number, t: number): number {
  return Math.max(1, Math.floor((n * s) / t + 0.5 + 1e-9));
}

export function resample(image: Image, options: ResampleOptions = {}): Image {
  const step = 'resample';
  checkImage(step, image);
  const nd = image.shape.length;
  const spec = options.spacing ?? DRASCLR.spacing;
  const axes = options.axes ?? 'all';
  if (axes !== 'all' && axes !== 'inPlane') fail(step, image, `axes must be 'all' or 'inPlane', got ${String(axes)}`);
  const interpolation = options.interpolation ?? 'linear';
  if (interpolation !== 'linear' && interpolation !== 'nearest') {
    fail(step, image, `interpolation must be 'linear' or 'nearest', got ${String(interpolation)}`);
  }
  let target: (number | null)[];
  if (typeof spec === 'number') {
    target = image.shape.map((_, k) => (axes === 'all' || k >= nd - 2 ? spec : null));
  } else if (Array.isArray(spec)) {
    if (spec.length !== nd)
      fail(
        step,
        image,
        `spacing must list ${nd} values (shape order, null keeps an axis), got ${JSON.stringify(spec)}`,
      );
    if (options.axes !== undefined)
      fail(step, image, `axes applies only to a numeric spacing; give null for the axes to keep`);
    target = spec.slice();
  } else {
    fail(step, image, `spacing must be a number or an array, got ${String(spec)}`);
  }
  target.forEach((t, k) => {
    if (t !== null && !(typeof t === 'number' && Number.isFinite(t) && t > 0)) {
      fail(step, image, `spacing${typeof spec === 'number' ? '' : `[${k}]`} must be finite and > 0, got ${String(t)}`);
    }
  });

  const tables: (AxisTable | null)[] = [];
  const shiftMm: number[] = [];
  const spacing = image.spacing.slice();
  for (let k = 0; k < nd; k++) {
    const t = target[k];
    const n = image.shape[k]!;
    const s = image.spacing[k]!;
    if (t === null || t === undefined || t === s) {
      tables.push(null);
      shiftMm.push(0);
      continue;
    }
    const m = resampledSize(n, s, t);
    const ratio = t / s;
    const coord = (j: number): number => (n - 1) / 2 + (j - (m - 1) / 2) * ratio;
    tables.push(
      interpolation === 'nearest' ? nearestTable(n, m, (j) => Math.floor(coord(j) + 0.5)) : linearTable(n, m, coord),
    );
    shiftMm.push(((n - 1) * s - (m - 1) * t) / 2);
    spacing[k] = t;
  }
  const Out = interpolation === 'nearest' ? ctorOf(image.data) : Float32Array;
  const { data, shape } = applySeparable(image.data, image.shape, tables, Out);
  return derive(image, data, shape, spacing, shiftedOrigin(image, shiftMm));
}
