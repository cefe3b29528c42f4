/**
 * The volumes a torso is painted into (HU and organ codes on a `TorsoGrid`, with the shared texture and the cavity
 * radius map) and the voxel visits the painters use: every voxel whose centre lies in a box, or in a blob's box.
 */
import type { Blob3, Torso } from './torso-anatomy.js';
import type { TorsoGrid } from './torso-geometry.js';

/** a painter's visit of voxel index `p`, centre (x, y, z) in mm */
export type VoxelVisit = (p: number, x: number, y: number, z: number) => void;

export interface TorsoCanvas {
  t: Torso;
  nz: number;
  ny: number;
  nx: number;
  sz: number;
  sy: number;
  sx: number;
  /** HU before noise, C order [nz, ny, nx]; starts as air */
  hu: Float32Array;
  organ: Uint8Array;
  /** smooth texture, about unit amplitude */
  tex: Float32Array;
  /** cavity radius (< 1 inside the body cavity; 9 outside the body), filled by the body painter */
  cav: Float32Array;
  inCavity: (p: number) => boolean;
  /** voxel centre coordinates (mm) of column i, row j, slice k */
  X: (i: number) => number;
  Y: (j: number) => number;
  Zc: (k: number) => number;
  ind: (k: number, j: number, i: number) => number;
  /** visit every voxel whose centre is in the box [lo, hi] (mm, x y z) */
  box: (lo: number[], hi: number[], f: VoxelVisit) => void;
  /** visit the voxels of a blob's bounding box (1.4 radii) */
  blobBox: (b: Blob3, f: VoxelVisit) => void;
}

export function torsoCanvas(t: Torso, grid: TorsoGrid, tex: Float32Array): TorsoCanvas {
  const [nz, ny, nx] = grid.shape;
  const [sz, sy, sx] = grid.spacing;
  const [ox, oy, oz] = grid.origin;
  const N = nz * ny * nx;
  const hu = new Float32Array(N).fill(-1000);
  const organ = new Uint8Array(N);
  const cav = new Float32Array(N);
  cav.fill(9);
  const inCavity = (p: number): boolean => cav[p]! < 1;
  const X = (i: number): number => ox + i * sx;
  const Y = (j: number): number => oy + j * sy;
  const Zc = (k: number): number => oz + k * sz;
  const ind = (k: number, j: number, i: number): number => (k * ny + j) * nx + i;
  const box = (lo: number[], hi: number[], f: VoxelVisit): void => {
    const i0 = Math.max(0, Math.ceil((lo[0]! - ox) / sx));
    const i1 = Math.min(nx - 1, Math.floor((hi[0]! - ox) / sx));
    const j0 = Math.max(0, Math.ceil((lo[1]! - oy) / sy));
    const j1 = Math.min(ny - 1, Math.floor((hi[1]! - oy) / sy));
    const k0 = Math.max(0, Math.ceil((lo[2]! - oz) / sz));
    const k1 = Math.min(nz - 1, Math.floor((hi[2]! - oz) / sz));
    for (let k = k0; k <= k1; k++)
      for (let j = j0; j <= j1; j++) for (let i = i0; i <= i1; i++) f(ind(k, j, i), X(i), Y(j), Zc(k));
  };
  const blobBox = (b: Blob3, f: VoxelVisit): void => {
    const m = Math.max(b.r[0], b.r[1]) * 1.4;
    box([b.c[0] - m, b.c[1] - m, b.c[2] - b.r[2] * 1.4], [b.c[0] + m, b.c[1] + m, b.c[2] + b.r[2] * 1.4], f);
  };
  return { t, nz, ny, nx, sz, sy, sx, hu, organ, tex, cav, inCavity, X, Y, Zc, ind, box, blobBox };
}
