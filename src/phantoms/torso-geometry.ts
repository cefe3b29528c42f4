/**
 * Torso geometry: the voxel grid a subject is painted into, and the shapes painting asks about: body half-axes by
 * height, the diaphragm surface, lobulated-ellipsoid levels, distances to segments.
 */
import { clamp, smoothstep, waves3 } from './random.js';
import type { Blob3, Torso } from './torso-anatomy.js';

export interface TorsoGrid {
  /** [nz, ny, nx] */
  shape: [number, number, number];
  /** mm per step, [sz, sy, sx] */
  spacing: [number, number, number];
  /** body-frame position (mm) of the centre of voxel (0, 0, 0), in (x, y, z) order */
  origin: [number, number, number];
}

// body half-axes (mm) against zeta, before the subject's factors
const PROFILE_Z = [0, 0.15, 0.3, 0.45, 0.6, 0.75, 0.9, 1.0];
const PROFILE_AX = [165, 170, 150, 150, 155, 160, 160, 150];
const PROFILE_AY = [110, 115, 105, 110, 115, 110, 105, 95];

function interp(xs: number[], ys: number[], x: number): number {
  if (x <= xs[0]!) return ys[0]!;
  for (let i = 1; i < xs.length; i++) {
    if (x <= xs[i]!) {
      const t = (x - xs[i - 1]!) / (xs[i]! - xs[i - 1]!);
      return ys[i - 1]! + t * (ys[i]! - ys[i - 1]!);
    }
  }
  return ys[ys.length - 1]!;
}

/**
 * A grid covering zeta in [zFrom, zTo] of the trunk with `shape` voxels and an in-plane field of view of `fov` mm,
 * centred on the body axis.
 */
export function torsoGrid(
  t: Torso,
  shape: [number, number, number],
  fov: number,
  zFrom: number,
  zTo: number,
): TorsoGrid {
  const [nz, ny, nx] = shape;
  const sx = fov / nx;
  const sy = fov / ny;
  const sz = ((zTo - zFrom) * t.L) / nz;
  // the body's offset in the field shows as an offset of the grid
  return {
    shape,
    spacing: [sz, sy, sx],
    origin: [t.bx - (nx - 1) * 0.5 * sx, t.by - (ny - 1) * 0.5 * sy, zFrom * t.L + 0.5 * sz],
  };
}

/** inside value of a blob at (x, y, z): < 1 inside */
export function blobLevel(b: Blob3, x: number, y: number, z: number): number {
  const dx = x - b.c[0];
  const dy = y - b.c[1];
  const c = Math.cos(b.rot);
  const s = Math.sin(b.rot);
  const qx = (c * dx + s * dy) / b.r[0];
  const qy = (-s * dx + c * dy) / b.r[1];
  const qz = (z - b.c[2]) / b.r[2];
  return qx * qx + qy * qy + qz * qz + waves3(b.waves, qx, qy, qz);
}

/** the diaphragm surface: lungs above, abdominal organs below (mm) */
export function domeZ(t: Torso, x: number, y: number): number {
  const top = t.domeR + (t.domeL - t.domeR) * smoothstep(-30, 30, x);
  const dx = Math.abs(x) - 60 * t.wx;
  // lower at the lateral and posterior recesses
  return top - 0.009 * (dx * dx + 0.8 * y * y) - 0.15 * Math.max(0, y);
}

/** body half-axes at height z */
export function bodyAxes(t: Torso, z: number): [number, number] {
  const f = z / t.L;
  return [interp(PROFILE_Z, PROFILE_AX, f) * t.wx, interp(PROFILE_Z, PROFILE_AY, f) * t.wy];
}

/** distance from point p to the segment a-b */
export function segDist3(
  px: number,
  py: number,
  pz: number,
  ax: number,
  ay: number,
  az: number,
  bx: number,
  by: number,
  bz: number,
): number {
  const dx = bx - ax;
  const dy = by - ay;
  const dz = bz - az;
  const len2 = dx * dx + dy * dy + dz * dz;
  const t = len2 > 0 ? clamp(((px - ax) * dx + (py - ay) * dy + (pz - az) * dz) / len2, 0, 1) : 0;
  return hyp(px - ax - t * dx, py - ay - t * dy, pz - az - t * dz);
}

/** sqrt of the sum of squares (Math.hypot is several times slower in V8) */
export function hyp(a: number, b: number, c = 0): number {
  return Math.sqrt(a * a + b * b + c * c);
}
