/**
 * DrasCLR's anatomical landmarks (Yu et al. §3.1, §4.1): the centres of overlapping d³ patches (d = 32, step 26)
 * that cover the lung of the atlas; mapped into each scan with the registration's atlas → scan transform.
 *
 * Grid rule (ours; the paper says only "evenly spaced ... with some overlap ... that fully cover the lung"), on the
 * atlas's isotropic voxel grid, per axis: with the lung's bounding box [lo, hi] (extent e = hi − lo + 1 voxels),
 * n = 1 if e <= d, else n = ceil((e − d) / step) + 1 patches, whose span (n − 1)·step + d >= e is centred on the box:
 * patch m starts at s_m = lo − floor((span − e) / 2) + m·step and its centre (the landmark) is s_m + (d − 1) / 2 in
 * continuous voxel coordinates. A patch becomes a landmark when lung voxels fill at least `minLungFraction`
 * (default 0.1, ours) of its d³ voxels (voxels outside the atlas volume count as non-lung).
 *
 * Loc-CondConv's location p of a landmark is its atlas voxel coordinate scaled to [-1, 1] over the atlas volume
 * (index 0 → -1, n − 1 → +1 per axis; scaleLandmarkCoordinates with those bounds), in (x, y, z) order, so that any
 * atlas point has a location, not only the landmarks.
 */
import type { Image } from '../io/image.js';
import { scaleLandmarkCoordinates } from './landmark-coordinates.js';
import { applyAffine3, indexToWorld, worldToIndex, type AffineTransform3, type Vec3 } from '../io/geometry.js';

export interface LandmarkGridOptions {
  /** patch side d in voxels (default 32, the paper's) */
  patchSize?: number;
  /** distance between neighbouring patch starts in voxels (default 26, the paper's: 6 voxels of overlap) */
  step?: number;
  /** minimum lung fraction of a patch (default 0.1) */
  minLungFraction?: number;
}

export interface AtlasLandmark {
  /** position in the landmark list */
  index: number;
  /** the patch centre as a continuous atlas voxel index (i, j, k) = (x, y, z) */
  voxel: Vec3;
  /** the patch centre in atlas world coordinates (mm, LPS) */
  world: Vec3;
  /** lung fraction of the atlas patch */
  lungFraction: number;
  /** Loc-CondConv's p: `voxel` scaled to [-1, 1] over the atlas volume */
  location: Vec3;
}

export interface LandmarkGrid {
  landmarks: AtlasLandmark[];
  patchSize: number;
  step: number;
  minLungFraction: number;
  /** patches of the grid per axis (x, y, z), before the lung-fraction rule */
  gridSize: Vec3;
  /** fraction of the atlas lung voxels inside at least one kept patch */
  coverage: number;
  /** the atlas volume shape [nz, ny, nx] */
  atlasShape: number[];
}

function positiveInt(v: number, name: string): number {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`landmarkGrid: ${name} must be an integer >= 1, got ${v}`);
  return v;
}

/** The patch starts along one axis for a lung extent [lo, hi] (see the file comment). */
export function axisStarts(lo: number, hi: number, patchSize: number, step: number): number[] {
  const e = hi - lo + 1;
  const n = e <= patchSize ? 1 : Math.ceil((e - patchSize) / step) + 1;
  const span = (n - 1) * step + patchSize;
  const s0 = lo - Math.floor((span - e) / 2);
  return Array.from({ length: n }, (_, m) => s0 + m * step);
}

/** The landmark grid of an atlas lung mask (0/1, isotropic grid). */
export function landmarkGrid(atlasLung: Image, options: LandmarkGridOptions = {}): LandmarkGrid {
  const d = positiveInt(options.patchSize ?? 32, 'patchSize');
  const step = positiveInt(options.step ?? 26, 'step');
  const minLungFraction = options.minLungFraction ?? 0.1;
  if (!(minLungFraction > 0 && minLungFraction <= 1))
    throw new RangeError(`landmarkGrid: minLungFraction must be in (0, 1], got ${minLungFraction}`);
  if (atlasLung.shape.length !== 3)
    throw new RangeError(`landmarkGrid: the atlas lung mask must be 3D, got shape [${atlasLung.shape.join(', ')}]`);
  const [nz, ny, nx] = atlasLung.shape as [number, number, number];
  const m = atlasLung.data;
  // lung bounding box (x, y, z)
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-Infinity, -Infinity, -Infinity];
  let lungVoxels = 0;
  for (let z = 0, p = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++, p++) {
        if (!m[p]) continue;
        lungVoxels++;
        if (x < lo[0]!) lo[0] = x;
        if (x > hi[0]!) hi[0] = x;
        if (y < lo[1]!) lo[1] = y;
        if (y > hi[1]!) hi[1] = y;
        if (z < lo[2]!) lo[2] = z;
        if (z > hi[2]!) hi[2] = z;
      }
  if (lungVoxels === 0)
    throw new RangeError(`landmarkGrid: ${atlasLung.source ?? 'the atlas'}: the lung mask is empty`);
  const starts = [0, 1, 2].map((a) => axisStarts(lo[a]!, hi[a]!, d, step));
  const covered = new Uint8Array(m.length);
  const kept: { voxel: Vec3; fraction: number }[] = [];
  const c = (d - 1) / 2;
  for (const sz of starts[2]!)
    for (const sy of starts[1]!)
      for (const sx of starts[0]!) {
        const z0 = Math.max(0, sz);
        const z1 = Math.min(nz, sz + d);
        const y0 = Math.max(0, sy);
        const y1 = Math.min(ny, sy + d);
        const x0 = Math.max(0, sx);
        const x1 = Math.min(nx, sx + d);
        let count = 0;
        for (let z = z0; z < z1; z++)
          for (let y = y0; y < y1; y++) {
            const row = (z * ny + y) * nx;
            for (let x = x0; x < x1; x++) count += m[row + x] ? 1 : 0;
          }
        const fraction = count / (d * d * d);
        if (fraction < minLungFraction) continue;
        kept.push({ voxel: [sx + c, sy + c, sz + c], fraction });
        for (let z = z0; z < z1; z++)
          for (let y = y0; y < y1; y++) covered.fill(1, (z * ny + y) * nx + x0, (z * ny + y) * nx + x1);
      }
  let inside = 0;
  for (let p = 0; p < m.length; p++) if (m[p] && covered[p]) inside++;
  const locations =
    kept.length > 0
      ? scaleLandmarkCoordinates(
          // a centre can lie half a voxel past the last index (a one-voxel-thick lung at the border): clamp
          kept.map((k) => k.voxel.map((v, a) => Math.min(Math.max(v, 0), [nx, ny, nz][a]! - 1))),
          { min: [0, 0, 0], max: [nx - 1, ny - 1, nz - 1] },
        )
      : [];
  return {
    landmarks: kept.map((k, index) => ({
      index,
      voxel: k.voxel,
      world: indexToWorld(atlasLung, k.voxel),
      lungFraction: k.fraction,
      location: locations[index] as Vec3,
    })),
    patchSize: d,
    step,
    minLungFraction,
    gridSize: [starts[0]!.length, starts[1]!.length, starts[2]!.length],
    coverage: inside / lungVoxels,
    atlasShape: [nz, ny, nx],
  };
}

/** The landmarks' continuous voxel indices (i, j, k) in a scan: T maps atlas world → scan world (registration.ts). */
export function mapLandmarks(
  landmarks: readonly Pick<AtlasLandmark, 'world'>[],
  transform: AffineTransform3,
  scan: Pick<Image, 'shape' | 'spacing' | 'origin' | 'direction'>,
): Vec3[] {
  return landmarks.map((l) => worldToIndex(scan, applyAffine3(transform, l.world)));
}
