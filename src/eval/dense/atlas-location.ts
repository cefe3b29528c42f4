/**
 * Where a dense-prediction window lies in the atlas (Loc-CondConv's location p): scan voxel → scan world → atlas
 * world by the INVERSE of the scan's registration transform (which maps atlas → scan) → atlas voxel → scaled to
 * [-1, 1] over the atlas volume exactly as the landmarks' p (preprocess/landmarks.ts: index 0 → -1, n − 1 → +1,
 * clamped to the volume). Also the isotropic grid a scan is predicted on, without resampling its data.
 */
import type { Image } from '../../io/image.js';
import { resampledSize } from '../../preprocess/resample.js';
import {
  applyAffine3,
  indexToWorld,
  invert3,
  worldToIndex,
  type AffineTransform3,
  type Vec3,
} from '../../io/geometry.js';

/** The voxel grid of a volume (an Image without its data). */
export type GridGeometry = Pick<Image, 'shape' | 'spacing' | 'origin' | 'direction'>;

/** T⁻¹ of T(x) = A (x − c) + c + t: A⁻¹ (y − (c + t)) + (c + t) − t, i.e. matrix A⁻¹, centre c + t, translation −t. */
export function inverseAffine(t: AffineTransform3): AffineTransform3 {
  const center = [0, 1, 2].map((a) => t.center[a]! + t.translation[a]!) as Vec3;
  return {
    matrix: invert3(t.matrix, 'inverseAffine: matrix'),
    center,
    translation: [-t.translation[0], -t.translation[1], -t.translation[2]],
  };
}

/** Loc-CondConv's p of an atlas voxel: clamped to the volume and scaled to [-1, 1] per axis (as landmarks.ts). */
export function atlasVoxelToLocation(voxel: readonly number[], atlasShape: readonly number[]): Vec3 {
  const n = [atlasShape[2]!, atlasShape[1]!, atlasShape[0]!];
  return [0, 1, 2].map((a) => {
    const hi = n[a]! - 1;
    const v = Math.min(Math.max(voxel[a]!, 0), hi);
    return hi === 0 ? 0 : (2 * v) / hi - 1;
  }) as Vec3;
}

export interface AtlasLocation {
  /** the point in scan world, atlas world (mm) and atlas voxel coordinates */
  scanWorld: Vec3;
  atlasWorld: Vec3;
  atlasVoxel: Vec3;
  /** p in [-1, 1]³ */
  location: Vec3;
}

/**
 * Where a scan voxel (continuous (i, j, k) on `scan`'s grid) lies in the atlas: `inverse` = inverseAffine of the
 * scan's atlas → scan transform.
 */
export function atlasLocationOf(
  scanVoxel: readonly number[],
  scan: GridGeometry,
  inverse: AffineTransform3,
  atlas: GridGeometry,
): AtlasLocation {
  const scanWorld = indexToWorld(scan, scanVoxel);
  const atlasWorld = applyAffine3(inverse, scanWorld);
  const atlasVoxel = worldToIndex(atlas, atlasWorld);
  return { scanWorld, atlasWorld, atlasVoxel, location: atlasVoxelToLocation(atlasVoxel, atlas.shape) };
}

/**
 * Scan voxel → atlas world for one scan, as one affine map of voxel indices (evaluated once at the origin and the
 * unit steps, so no per-window inversions), and atlas world → p (worldToIndex with the direction inverted once).
 */
export function scanToAtlas(
  scan: GridGeometry,
  transform: AffineTransform3,
  atlas: GridGeometry,
): { atlasWorld: (voxel: readonly number[]) => Vec3; location: (atlasWorld: Vec3) => Vec3 } {
  const inverse = inverseAffine(transform);
  const f = (v: readonly number[]): Vec3 => applyAffine3(inverse, indexToWorld(scan, v));
  const o = f([0, 0, 0]);
  const cols = [f([1, 0, 0]), f([0, 1, 0]), f([0, 0, 1])].map((c) => [c[0] - o[0], c[1] - o[1], c[2] - o[2]]);
  const atlasWorld = (v: readonly number[]): Vec3 =>
    [0, 1, 2].map((r) => o[r]! + cols[0]![r]! * v[0]! + cols[1]![r]! * v[1]! + cols[2]![r]! * v[2]!) as Vec3;
  const inv = invert3(atlas.direction, 'densePredict: atlas direction');
  const spacing = [atlas.spacing[2]!, atlas.spacing[1]!, atlas.spacing[0]!];
  const location = (w: Vec3): Vec3 => {
    const r = [w[0] - atlas.origin[0]!, w[1] - atlas.origin[1]!, w[2] - atlas.origin[2]!];
    const voxel = [0, 1, 2].map(
      (a) => (inv[3 * a]! * r[0]! + inv[3 * a + 1]! * r[1]! + inv[3 * a + 2]! * r[2]!) / spacing[a]!,
    );
    return atlasVoxelToLocation(voxel, atlas.shape);
  };
  return { atlasWorld, location };
}

/** The grid `resample(image, { spacing })` produces (same rule as resample.ts), without resampling any data. */
export function isotropicGeometry(image: GridGeometry, spacing = 1): GridGeometry {
  const nd = image.shape.length;
  const shape: number[] = [];
  const origin = image.origin.slice();
  image.shape.forEach((n, k) => {
    const s = image.spacing[k]!;
    if (s === spacing) {
      shape.push(n);
      return;
    }
    const m = resampledSize(n, s, spacing);
    shape.push(m);
    const shift = ((n - 1) * s - (m - 1) * spacing) / 2;
    const col = nd - 1 - k;
    for (let w = 0; w < nd; w++) origin[w] = origin[w]! + shift * image.direction[w * nd + col]!;
  });
  return { shape, spacing: image.shape.map(() => spacing), origin, direction: image.direction.slice() };
}
