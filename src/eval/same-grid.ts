/**
 * Checks that a prediction and its reference lie on the same voxel grid: same shape, and spacing, origin and
 * direction equal within a tolerance (readers reorient both to LPS first, so two files of one grid stored in
 * different axis orders agree). Metrics compare voxel by voxel, so any difference is an error naming both files.
 */
import type { Image } from '../io/image.js';

/** mm: spacing and origin may differ by float32 rounding of headers */
export const GRID_MM_TOLERANCE = 1e-3;
/** direction cosines */
export const GRID_DIRECTION_TOLERANCE = 1e-4;

function fmt(v: readonly number[]): string {
  return `[${v.map((x) => String(Number(x.toPrecision(6)))).join(', ')}]`;
}

function close(a: readonly number[], b: readonly number[], tol: number): boolean {
  return a.length === b.length && a.every((x, i) => Math.abs(x - b[i]!) <= tol);
}

/** The first difference between the grids of a and b, or null when they agree. */
export function gridDifference(a: Image, b: Image): string | null {
  if (a.shape.length !== b.shape.length || a.shape.some((n, i) => n !== b.shape[i]))
    return `shape ${fmt(a.shape)} vs ${fmt(b.shape)}`;
  if (!close(a.spacing, b.spacing, GRID_MM_TOLERANCE)) return `spacing ${fmt(a.spacing)} vs ${fmt(b.spacing)} mm`;
  if (!close(a.origin, b.origin, GRID_MM_TOLERANCE)) return `origin ${fmt(a.origin)} vs ${fmt(b.origin)} mm`;
  if (!close(a.direction, b.direction, GRID_DIRECTION_TOLERANCE))
    return `direction ${fmt(a.direction)} vs ${fmt(b.direction)}`;
  return null;
}

/** Throws unless `pred` and `ref` share one grid; the message names both files and the difference. */
export function checkSameGrid(pred: Image, ref: Image, predFile: string, refFile: string): void {
  const d = gridDifference(pred, ref);
  if (d !== null) throw new Error(`evaluate: ${predFile} and ${refFile} are not on the same grid: ${d}`);
}
