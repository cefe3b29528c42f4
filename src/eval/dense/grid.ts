/**
 * The window grid of a dense prediction and the fill of the voxels from it: grid coordinates per axis 0, step,
 * 2·step, ... and the last voxel n − 1; each voxel's probability is 'trilinear' between the 8 surrounding grid
 * points or that of the 'nearest' grid point (ties to the lower one); with step 1 both are the window's own.
 */
export type DenseFill = 'trilinear' | 'nearest';

export interface AxisFill {
  /** grid coordinate of grid index k */
  coords: number[];
  /** per voxel: lower and upper grid index and the upper's weight */
  lo: Int32Array;
  hi: Int32Array;
  w: Float64Array;
}

export function axisFill(n: number, step: number, fill: DenseFill): AxisFill {
  const K = Math.ceil((n - 1) / step);
  const coords = Array.from({ length: K + 1 }, (_, k) => Math.min(k * step, n - 1));
  const lo = new Int32Array(n);
  const hi = new Int32Array(n);
  const w = new Float64Array(n);
  for (let x = 0; x < n; x++) {
    const k = K === 0 ? 0 : Math.min(Math.floor(x / step), K - 1);
    const k1 = Math.min(k + 1, K);
    const g0 = coords[k]!;
    const g1 = coords[k1]!;
    const t = g1 > g0 ? (x - g0) / (g1 - g0) : 0;
    if (fill === 'trilinear') {
      lo[x] = k;
      hi[x] = k1;
      w[x] = t;
    } else {
      const nearest = x - g0 <= g1 - x ? k : k1;
      lo[x] = nearest;
      hi[x] = nearest;
      w[x] = 0;
    }
  }
  return { coords, lo, hi, w };
}

/** The grid over a [z, y, x] volume: per-axis fills in (x, y, z) order and the grid's size per axis. */
export interface WindowGrid {
  shape: readonly number[];
  axes: [AxisFill, AxisFill, AxisFill];
  gx: number;
  gy: number;
  gz: number;
}

export function windowGrid(shape: readonly number[], step: number, fill: DenseFill): WindowGrid {
  const [nz, ny, nx] = shape as [number, number, number];
  const axes: WindowGrid['axes'] = [axisFill(nx, step, fill), axisFill(ny, step, fill), axisFill(nz, step, fill)];
  return { shape, axes, gx: axes[0].coords.length, gy: axes[1].coords.length, gz: axes[2].coords.length };
}

/** the voxel (x, y, z) at the centre of grid point g */
export function gridVoxel(grid: WindowGrid, g: number): number[] {
  const { axes, gx, gy } = grid;
  return [
    axes[0].coords[g % gx]!,
    axes[1].coords[Math.floor(g / gx) % gy]!,
    axes[2].coords[Math.floor(g / (gx * gy))]!,
  ];
}

/** the grid indices one axis's voxel v is filled from */
function sources(a: AxisFill, v: number): number[] {
  return a.w[v]! > 0 ? [a.lo[v]!, a.hi[v]!] : [a.lo[v]!];
}

/** The grid points that some lung voxel is filled from (1 = needed), and the number of lung voxels. */
export function neededGridPoints(
  grid: WindowGrid,
  lung: ArrayLike<number>,
): { needed: Uint8Array; lungVoxels: number } {
  const [nz, ny, nx] = grid.shape as [number, number, number];
  const { axes, gx, gy } = grid;
  const needed = new Uint8Array(gx * gy * grid.gz);
  let lungVoxels = 0;
  for (let z = 0, q = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++, q++) {
        if (!lung[q]) continue;
        lungVoxels++;
        for (const kz of sources(axes[2], z))
          for (const ky of sources(axes[1], y))
            for (const kx of sources(axes[0], x)) needed[(kz * gy + ky) * gx + kx] = 1;
      }
  return { needed, lungVoxels };
}

/** A voxel's value from the grid: trilinear between the (up to) 8 grid points around it. */
function interpolate(grid: WindowGrid, gridProb: Float32Array, z: number, y: number, x: number): number {
  const [ax, ay, az] = grid.axes;
  const at = (kz: number, ky: number, kx: number): number => gridProb[(kz * grid.gy + ky) * grid.gx + kx]!;
  const [z0, z1, wz] = [az.lo[z]!, az.hi[z]!, az.w[z]!];
  const [y0, y1, wy] = [ay.lo[y]!, ay.hi[y]!, ay.w[y]!];
  const [x0, x1, wx] = [ax.lo[x]!, ax.hi[x]!, ax.w[x]!];
  if (wx === 0 && wy === 0 && wz === 0) return at(z0, y0, x0);
  const row = (kz: number, ky: number): number => at(kz, ky, x0) * (1 - wx) + (wx > 0 ? at(kz, ky, x1) * wx : 0);
  const c00 = row(z0, y0);
  const c01 = wy > 0 ? row(z0, y1) : 0;
  const c10 = wz > 0 ? row(z1, y0) : 0;
  const c11 = wz > 0 && wy > 0 ? row(z1, y1) : 0;
  return (c00 * (1 - wy) + c01 * wy) * (1 - wz) + (c10 * (1 - wy) + c11 * wy) * wz;
}

/** Every lung voxel's probability from the grid (0 outside the lung) and the mask probability ≥ threshold. */
export function fillFromGrid(
  grid: WindowGrid,
  gridProb: Float32Array,
  lung: ArrayLike<number>,
  threshold: number,
): { probability: Float32Array; mask: Uint8Array; predictedVoxels: number } {
  const [nz, ny, nx] = grid.shape as [number, number, number];
  const probability = new Float32Array(lung.length);
  const mask = new Uint8Array(lung.length);
  let predictedVoxels = 0;
  for (let z = 0, q = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++, q++) {
        if (!lung[q]) continue;
        const v = interpolate(grid, gridProb, z, y, x);
        probability[q] = v;
        if (v >= threshold) {
          mask[q] = 1;
          predictedVoxels++;
        }
      }
  return { probability, mask, predictedVoxels };
}
