/**
 * Random elastic deformation: a smooth displacement field made of a coarse grid of random control-point
 * displacements (N(0, σ²) in pixels, σ drawn per sample from `magnitude`) upsampled to the image size (bicubic in
 * 2D, trilinear in 3D, align_corners true so the control points span the image), added to the identity grid and
 * applied with one `gridSample` for the image (bilinear) and one for the label (nearest).
 *
 * This is the B-spline-like "coarse grid" form (as in nnU-Net / TorchIO RandomElasticDeformation) rather than the
 * Gaussian-smoothed per-pixel noise of Simard et al.; both give smooth random warps. σ = 0 is the identity.
 * Coordinates follow warp.ts (normalised, xyz order); a displacement of u pixels along an axis of size s is
 * u / h in normalised units (h = s/2, or (s-1)/2 with alignCorners).
 */
import { F, tensor, tidy } from '../engine/index.js';
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
import { identityGrid, PADDING_MODES, warpBatch, type PaddingMode } from './warp.js';

export interface RandomElasticOptions {
  /** probability that a sample is deformed (default 1) */
  p?: number;
  /** range of the control-point displacement std σ in pixels, drawn per sample */
  magnitude: Range;
  /** control points per axis (tensor order, or one number for all; default 5, at least 2) */
  controlPoints?: number | readonly number[];
  padding?: PaddingMode;
  paddingValue?: number;
  labelPadding?: PaddingMode;
  alignCorners?: boolean;
}

const NAME = 'RandomElastic';

export class RandomElastic implements Transform {
  readonly name = NAME;
  private readonly o: RandomElasticOptions;

  constructor(options: RandomElasticOptions) {
    checkProbability(NAME, 'p', options.p ?? 1);
    checkRange(NAME, 'magnitude', options.magnitude, { value: 0, open: false });
    const cp = options.controlPoints ?? 5;
    const list = typeof cp === 'number' ? [cp] : [...cp];
    if (list.length === 0 || !list.every((v) => Number.isInteger(v) && v >= 2))
      throw new Error(`${NAME}: controlPoints: expected integers >= 2, got ${JSON.stringify(cp)}`);
    for (const k of ['padding', 'labelPadding'] as const) {
      const v = options[k];
      if (v !== undefined && !PADDING_MODES.includes(v))
        throw new Error(`${NAME}: ${k}: expected one of ${PADDING_MODES.join(', ')}, got ${String(v)}`);
    }
    this.o = { ...options };
  }

  apply(batch: Batch, rng: Rng): Batch {
    const info = checkBatch(NAME, batch);
    const d = info.dims;
    const cp = this.o.controlPoints ?? 5;
    const ctrl = typeof cp === 'number' ? Array<number>(d).fill(cp) : [...cp];
    if (ctrl.length !== d)
      throw new Error(
        `${NAME}: controlPoints: expected ${d} values (tensor order) for a ${d}D image, got ${ctrl.length}`,
      );
    const perField = ctrl.reduce((a, b) => a * b, 1);
    const [lo, hi] = this.o.magnitude;
    // per sample: the decision, σ, then d·prod(ctrl) standard normals (channel c = displacement along axis x, y, z)
    const { applied, values } = drawPerSample(rng, info.n, this.o.p ?? 1, () => {
      const sigma = rng.uniform(lo, hi);
      const z = new Float64Array(d * perField);
      for (let i = 0; i < z.length; i++) z[i] = rng.normal();
      return { sigma, z };
    });
    const alignCorners = this.o.alignCorners ?? false;
    const sizeXyz = [...info.spatial].reverse();
    const half = sizeXyz.map((s) => (alignCorners ? (s - 1) / 2 : s / 2));
    const coarse = new Float64Array(info.n * d * perField);
    values.forEach(({ sigma, z }, i) => {
      if (!applied[i]) return;
      for (let a = 0; a < d; a++)
        for (let k = 0; k < perField; k++)
          coarse[(i * d + a) * perField + k] = (sigma * z[a * perField + k]!) / half[a]!;
    });
    return tidy(() => {
      const { image } = batch;
      const dtype = image.dtype === 'float64' ? 'float64' : 'float32';
      const field = tensor(coarse, { shape: [info.n, d, ...ctrl], dtype, device: image.device });
      const dense = F.interpolate(field, {
        size: info.spatial,
        mode: d === 2 ? 'bicubic' : 'trilinear',
        alignCorners: true,
      });
      // (N, d, ...spatial) -> (N, ...spatial, d): the grid's last dim holds (x, y[, z])
      const disp = d === 2 ? dense.permute(0, 2, 3, 1) : dense.permute(0, 2, 3, 4, 1);
      const grid = identityGrid(image.shape, { dtype, device: image.device, alignCorners }).add(disp);
      return warpBatch(batch, grid, { ...this.o, alignCorners, applied });
    });
  }
}
