/**
 * Random affine augmentation (rotation, translation, scale, shear) of 2D (N, C, H, W) and 3D (N, C, D, H, W)
 * batches: per-sample parameters from the seeded `Rng`, the N theta matrices built in TypeScript (float64), then ONE
 * `affineGrid` + ONE `gridSample` for the image (bilinear) and one for the label (nearest) for the whole batch.
 *
 * Geometry, in centred PIXEL units (so a rotation is a true rotation on non-square images): axes x = columns (W),
 * y = rows (H), z = slices (D); every vector option is in that xyz order. A point p of the input moves to
 *
 *     p' = R · Sh · S · p + t          (scale first, then shear, then rotation, then translation)
 *
 * - S = diag(scale): scale > 1 zooms in (content grows);
 * - Sh: shear, x' = x + k_xy·y etc. (2D [k_xy, k_yx]; 3D [k_xy, k_xz, k_yx, k_yz, k_zx, k_zy]);
 * - R: a positive 2D angle turns +x towards +y, i.e. CLOCKWISE on screen with row 0 at the top. In 3D,
 *   R = Rz · Ry · Rx with angles [around x, around y, around z]: Rx turns +y towards +z, Ry turns +z towards +x,
 *   Rz turns +x towards +y (the 2D rotation);
 * - t = translate · size (a fraction of the axis length, in pixels).
 *
 * The output pixel at q reads the input at p = A⁻¹(q - t), A = R·Sh·S. In the normalised coordinates of
 * `affineGrid`/`gridSample` (see warp.ts; half-extent h = size/2 for alignCorners false, (size-1)/2 for true):
 * theta = [Hd⁻¹ A⁻¹ Hd | -Hd⁻¹ A⁻¹ t], Hd = diag(h_x, h_y[, h_z]).
 */
import { F, autocast, tensor, tidy } from '../engine/index.js';
import type { Rng } from '../util/rng.js';
import {
  checkBatch,
  checkProbability,
  checkRange,
  drawPerSample,
  type Batch,
  type Range,
  type Transform,
} from './batch.js';
import { PADDING_MODES, warpBatch, type PaddingMode } from './warp.js';

/** one sample's affine parameters (see the file comment for the conventions) */
export interface AffineParams {
  /** degrees: [angle] in 2D; [around x, around y, around z] in 3D */
  rotate: readonly number[];
  /** fractions of the axis length, xyz order */
  translate: readonly number[];
  /** zoom factors > 0, xyz order */
  scale: readonly number[];
  /** shear coefficients: 2D [k_xy, k_yx]; 3D [k_xy, k_xz, k_yx, k_yz, k_zx, k_zy] */
  shear: readonly number[];
}

export interface AffineSampling {
  /** image padding outside the input (default 'zeros') */
  padding?: PaddingMode;
  /** value read outside the input with padding 'zeros' (default 0: use the normalised background value) */
  paddingValue?: number;
  /** label padding (default: the image's mode; 'zeros' is class 0) */
  labelPadding?: PaddingMode;
  /** normalised-coordinate convention (default false, as PyTorch) */
  alignCorners?: boolean;
}

export interface RandomAffineOptions extends AffineSampling {
  /** probability that a sample is transformed (default 1) */
  p?: number;
  /**
   * rotation in degrees: a number r means U(-r, r); a [low, high] range; in 3D a range applies to each axis,
   * or give three ranges [around x, around y, around z]. Default: none.
   */
  rotate?: number | Range | readonly [Range, Range, Range];
  /** maximum shift as a fraction of the axis length, U(-f, f): one number for every axis or one per axis (xyz) */
  translate?: number | readonly number[];
  /** zoom factor range (default [1, 1]); isotropic unless `anisotropicScale` */
  scale?: Range;
  anisotropicScale?: boolean;
  /** shear coefficient range, each coefficient drawn independently (default none) */
  shear?: Range;
}

const NAME = 'RandomAffine';

export class RandomAffine implements Transform {
  readonly name = NAME;
  private readonly o: RandomAffineOptions;

  constructor(options: RandomAffineOptions = {}) {
    const o = options;
    checkProbability(NAME, 'p', o.p ?? 1);
    for (const r of rotationRanges(o.rotate, 3)) checkRange(NAME, 'rotate', r);
    if (o.translate !== undefined) {
      const t = typeof o.translate === 'number' ? [o.translate] : o.translate;
      if (!t.every((v) => Number.isFinite(v) && v >= 0))
        throw new Error(`${NAME}: translate: expected fractions >= 0, got ${JSON.stringify(o.translate)}`);
    }
    if (o.scale !== undefined) checkRange(NAME, 'scale', o.scale, { value: 0, open: true });
    if (o.shear !== undefined) checkRange(NAME, 'shear', o.shear);
    checkSampling(NAME, o);
    this.o = { ...o };
  }

  /** draws one sample's parameters for a `dims`-D image (the order of draws is part of the seed contract) */
  drawParams(rng: Rng, dims: 2 | 3): AffineParams {
    const o = this.o;
    const rotate = rotationRanges(o.rotate, dims).map((r) => rng.uniform(r[0], r[1]));
    const t = o.translate === undefined ? 0 : o.translate;
    const tr = typeof t === 'number' ? Array<number>(dims).fill(t) : [...t];
    if (tr.length !== dims)
      throw new Error(`${NAME}: translate: expected ${dims} values (xyz) for a ${dims}D image, got ${tr.length}`);
    const translate = tr.map((f) => rng.uniform(-f, f));
    const sr = o.scale ?? [1, 1];
    const s0 = rng.uniform(sr[0], sr[1]);
    const scale = [s0];
    for (let a = 1; a < dims; a++) scale.push(o.anisotropicScale ? rng.uniform(sr[0], sr[1]) : s0);
    const nShear = dims === 2 ? 2 : 6;
    const shear = Array.from({ length: nShear }, () => (o.shear ? rng.uniform(o.shear[0], o.shear[1]) : 0));
    return { rotate, translate, scale, shear };
  }

  apply(batch: Batch, rng: Rng): Batch {
    const info = checkBatch(NAME, batch);
    const { applied, values } = drawPerSample(rng, info.n, this.o.p ?? 1, () => this.drawParams(rng, info.dims));
    return applyAffine(
      batch,
      values.map((v, i) => (applied[i] ? v : null)),
      this.o,
    );
  }
}

/**
 * Applies known per-sample parameters (null = leave that sample unchanged) with one affineGrid + gridSample call.
 * Returns new tensors.
 */
export function applyAffine(batch: Batch, params: readonly (AffineParams | null)[], o: AffineSampling = {}): Batch {
  const info = checkBatch(NAME, batch);
  if (params.length !== info.n) throw new Error(`${NAME}: expected ${info.n} parameter sets, got ${params.length}`);
  checkSampling(NAME, o);
  const alignCorners = o.alignCorners ?? false;
  const d = info.dims;
  const rows: number[] = [];
  for (const p of params) rows.push(...(p ? affineTheta(p, info.spatial, alignCorners) : identityTheta(d)));
  return tidy(() => {
    const { image } = batch;
    const dtype = image.dtype === 'float64' ? 'float64' : 'float32';
    const theta = tensor(rows, { shape: [info.n, d, d + 1], dtype, device: image.device });
    // float32 even inside a bf16-mixed step's autocast scope: affine_grid's bmm would otherwise run in bfloat16
    // and move the grid by up to ~5e-3 (0.65 px at 256 px)
    const grid = autocast({ enabled: false }, () => F.affineGrid(theta, image.shape, alignCorners));
    return warpBatch(batch, grid, { ...o, applied: params.map((p) => p !== null) });
  });
}

/**
 * The d×(d+1) theta (row-major, flat) of one sample for `affineGrid`, from its parameters; `spatial` is [H, W] or
 * [D, H, W] (tensor order).
 */
export function affineTheta(p: AffineParams, spatial: readonly number[], alignCorners = false): number[] {
  const d = spatial.length;
  if (d !== 2 && d !== 3) throw new Error(`${NAME}: expected 2 or 3 spatial dims, got ${d}`);
  const sizeXyz = [...spatial].reverse();
  checkParams(p, d);
  const half = sizeXyz.map((s) => (alignCorners ? (s - 1) / 2 : s / 2));
  if (half.some((h) => !(h > 0)))
    throw new Error(`${NAME}: every spatial size must be > 1 with alignCorners (got [${spatial.join(', ')}])`);
  const S = diag(p.scale);
  const Sh = shearMatrix(p.shear, d);
  const R = d === 2 ? rot2(p.rotate[0]!) : rot3(p.rotate as [number, number, number]);
  const A = mul(R, mul(Sh, S));
  const Ainv = inverse(A);
  const t = p.translate.map((f, a) => f * sizeXyz[a]!);
  const rows: number[] = [];
  for (let r = 0; r < d; r++) {
    for (let c = 0; c < d; c++) rows.push((Ainv[r]![c]! * half[c]!) / half[r]!);
    let b = 0;
    for (let c = 0; c < d; c++) b -= Ainv[r]![c]! * t[c]!;
    rows.push(b / half[r]!);
  }
  return rows;
}

function checkParams(p: AffineParams, d: number): void {
  const want = { rotate: d === 2 ? 1 : 3, translate: d, scale: d, shear: d === 2 ? 2 : 6 };
  for (const [k, n] of Object.entries(want) as [keyof AffineParams, number][]) {
    const v = p[k];
    if (!Array.isArray(v) || v.length !== n || !v.every((x) => Number.isFinite(x)))
      throw new Error(`${NAME}: params.${k}: expected ${n} finite numbers for a ${d}D image, got ${JSON.stringify(v)}`);
  }
  if (!p.scale.every((s) => s > 0))
    throw new Error(`${NAME}: params.scale: expected > 0, got ${JSON.stringify(p.scale)}`);
}

function checkSampling(where: string, o: AffineSampling): void {
  for (const k of ['padding', 'labelPadding'] as const) {
    const v = o[k];
    if (v !== undefined && !PADDING_MODES.includes(v))
      throw new Error(`${where}: ${k}: expected one of ${PADDING_MODES.join(', ')}, got ${String(v)}`);
  }
  if (o.paddingValue !== undefined && !Number.isFinite(o.paddingValue))
    throw new Error(`${where}: paddingValue: expected a finite number, got ${o.paddingValue}`);
}

/** normalises the `rotate` option to one range per rotation angle (1 in 2D, 3 in 3D) */
function rotationRanges(r: RandomAffineOptions['rotate'], dims: 2 | 3): Range[] {
  const nAngles = dims === 2 ? 1 : 3;
  if (r === undefined) return Array.from({ length: nAngles }, () => [0, 0] as const);
  if (typeof r === 'number') {
    if (!(Number.isFinite(r) && r >= 0)) throw new Error(`${NAME}: rotate: expected a degree bound >= 0, got ${r}`);
    return Array.from({ length: nAngles }, () => [-r, r] as const);
  }
  if (Array.isArray(r[0])) {
    const per = r as readonly [Range, Range, Range];
    if (per.length !== 3) throw new Error(`${NAME}: rotate: expected 3 ranges (x, y, z), got ${per.length}`);
    if (dims === 2)
      throw new Error(`${NAME}: rotate: three per-axis ranges are for 3D images; give one range for a 2D image`);
    return [...per];
  }
  return Array.from({ length: nAngles }, () => r as Range);
}

function identityTheta(d: number): number[] {
  const rows: number[] = [];
  for (let r = 0; r < d; r++) for (let c = 0; c <= d; c++) rows.push(r === c ? 1 : 0);
  return rows;
}

// ---- small float64 matrix helpers (d = 2 or 3) ----

type Mat = number[][];

function diag(v: readonly number[]): Mat {
  return v.map((x, i) => v.map((_, j) => (i === j ? x : 0)));
}

function mul(a: Mat, b: Mat): Mat {
  return a.map((row) => b[0]!.map((_, j) => row.reduce((s, v, k) => s + v * b[k]![j]!, 0)));
}

function rot2(deg: number): Mat {
  const a = (deg * Math.PI) / 180;
  const c = Math.cos(a);
  const s = Math.sin(a);
  return [
    [c, -s],
    [s, c],
  ];
}

function rot3(deg: readonly [number, number, number]): Mat {
  const [ax, ay, az] = deg.map((v) => (v * Math.PI) / 180) as [number, number, number];
  const [cx, sx, cy, sy, cz, sz] = [Math.cos(ax), Math.sin(ax), Math.cos(ay), Math.sin(ay), Math.cos(az), Math.sin(az)];
  const Rx = [
    [1, 0, 0],
    [0, cx, -sx],
    [0, sx, cx],
  ];
  const Ry = [
    [cy, 0, sy],
    [0, 1, 0],
    [-sy, 0, cy],
  ];
  const Rz = [
    [cz, -sz, 0],
    [sz, cz, 0],
    [0, 0, 1],
  ];
  return mul(Rz, mul(Ry, Rx));
}

function shearMatrix(k: readonly number[], d: number): Mat {
  if (d === 2)
    return [
      [1, k[0]!],
      [k[1]!, 1],
    ];
  return [
    [1, k[0]!, k[1]!],
    [k[2]!, 1, k[3]!],
    [k[4]!, k[5]!, 1],
  ];
}

function inverse(m: Mat): Mat {
  if (m.length === 2) {
    const [[a, b], [c, d]] = m as [[number, number], [number, number]];
    const det = a * d - b * c;
    guardDet(det);
    return [
      [d / det, -b / det],
      [-c / det, a / det],
    ];
  }
  const [[a, b, c], [d, e, f], [g, h, i]] = m as [
    [number, number, number],
    [number, number, number],
    [number, number, number],
  ];
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  guardDet(det);
  return [
    [A / det, -(b * i - c * h) / det, (b * f - c * e) / det],
    [B / det, (a * i - c * g) / det, -(a * f - c * d) / det],
    [C / det, -(a * h - b * g) / det, (a * e - b * d) / det],
  ];
}

function guardDet(det: number): void {
  if (!(Math.abs(det) > 1e-12))
    throw new Error(`${NAME}: the transform is singular (determinant ${det}): check the scale and shear ranges`);
}
