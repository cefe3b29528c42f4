/**
 * Voxel ↔ world geometry of volumes and the 3D affine transforms that registration returns.
 *
 * Conventions (as `Image`, src/io/image.ts): a voxel index is written (i, j, k) = (column, row, slice), the xyz
 * order of the world axes, i.e. the REVERSE of `shape` = [nz, ny, nx]; `spacing` is in shape order; `direction` is
 * row-major with column c the world direction of index axis c. The world point of a (continuous) index is
 *
 *     w = origin + D · (s_x i, s_y j, s_z k)
 *
 * An `AffineTransform3` is elastix's AffineTransform (the TransformParameters of @itk-wasm/elastix): a row-major 3×3
 * matrix A, a translation t and the centre of rotation c, mapping
 *
 *     T(x) = A (x − c) + c + t
 *
 * Registered with the atlas as the FIXED image, T maps atlas points into the scan (fixed → moving).
 */
import type { Image } from './image.js';

export type Vec3 = [number, number, number];

export interface AffineTransform3 {
  /** row-major 3×3 matrix A */
  matrix: number[];
  /** translation t (mm) */
  translation: Vec3;
  /** centre of rotation c (mm) */
  center: Vec3;
}

/** The identity transform (the atlas's own). */
export function identityAffine(): AffineTransform3 {
  return { matrix: [1, 0, 0, 0, 1, 0, 0, 0, 1], translation: [0, 0, 0], center: [0, 0, 0] };
}

/** T(x) = A (x − c) + c + t. */
export function applyAffine3(t: AffineTransform3, x: readonly number[]): Vec3 {
  const a = t.matrix;
  const d0 = x[0]! - t.center[0];
  const d1 = x[1]! - t.center[1];
  const d2 = x[2]! - t.center[2];
  return [
    a[0]! * d0 + a[1]! * d1 + a[2]! * d2 + t.center[0] + t.translation[0],
    a[3]! * d0 + a[4]! * d1 + a[5]! * d2 + t.center[1] + t.translation[1],
    a[6]! * d0 + a[7]! * d1 + a[8]! * d2 + t.center[2] + t.translation[2],
  ];
}

/** Inverse of a row-major 3×3 matrix; throws when it is singular. */
export function invert3(m: readonly number[], what = 'matrix'): number[] {
  const [a, b, c, d, e, f, g, h, i] = m as [number, number, number, number, number, number, number, number, number];
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (!Number.isFinite(det) || Math.abs(det) < 1e-12) throw new RangeError(`${what} is singular (det ${det})`);
  return [
    A / det,
    -(b * i - c * h) / det,
    (b * f - c * e) / det,
    B / det,
    (a * i - c * g) / det,
    -(a * f - c * d) / det,
    C / det,
    -(a * h - b * g) / det,
    (a * e - b * d) / det,
  ];
}

function check3d(image: Pick<Image, 'shape' | 'source'>, who: string): void {
  if (image.shape.length !== 3)
    throw new RangeError(
      `${who}: ${image.source ? `${image.source}: ` : ''}expected a 3D volume, got shape [${image.shape.join(', ')}]`,
    );
}

/** World point (mm, LPS) of the continuous voxel index (i, j, k). */
export function indexToWorld(
  image: Pick<Image, 'shape' | 'spacing' | 'origin' | 'direction'>,
  ijk: readonly number[],
): Vec3 {
  check3d(image, 'indexToWorld');
  const s = [image.spacing[2]!, image.spacing[1]!, image.spacing[0]!];
  const u = [ijk[0]! * s[0]!, ijk[1]! * s[1]!, ijk[2]! * s[2]!];
  const d = image.direction;
  return [0, 1, 2].map(
    (r) => image.origin[r]! + d[3 * r]! * u[0]! + d[3 * r + 1]! * u[1]! + d[3 * r + 2]! * u[2]!,
  ) as Vec3;
}

/** Continuous voxel index (i, j, k) of a world point: the inverse of `indexToWorld`. */
export function worldToIndex(
  image: Pick<Image, 'shape' | 'spacing' | 'origin' | 'direction'>,
  w: readonly number[],
): Vec3 {
  check3d(image, 'worldToIndex');
  const inv = invert3(image.direction, 'worldToIndex: direction');
  const r = [w[0]! - image.origin[0]!, w[1]! - image.origin[1]!, w[2]! - image.origin[2]!];
  const s = [image.spacing[2]!, image.spacing[1]!, image.spacing[0]!];
  return [0, 1, 2].map(
    (a) => (inv[3 * a]! * r[0]! + inv[3 * a + 1]! * r[1]! + inv[3 * a + 2]! * r[2]!) / s[a]!,
  ) as Vec3;
}
