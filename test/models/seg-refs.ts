/**
 * Float64 references for the segmentation-model tests (plain loops over C-order arrays): 2D convolution, eval-mode
 * batch norm, instance norm, activations, conv output sizes; small helpers to read a model's tensors; a seeded
 * synthetic segmentation batch.
 */
import assert from 'node:assert/strict';
import { F, noGrad, optim, tensor, tidy, type Tensor, type nn } from '../../src/engine/index.js';
import { Rng } from '../../src/util/rng.js';
import { randomArray } from '../engine/helpers.js';

export interface Nd {
  data: Float64Array;
  shape: number[];
}

export function nd(t: Tensor): Nd {
  return { data: t.toFloat64Array(), shape: [...t.shape] };
}

/** output size of a convolution / pooling along one dim */
export function convOut(size: number, k: number, stride = 1, pad = 0, dil = 1): number {
  return Math.floor((size + 2 * pad - dil * (k - 1) - 1) / stride) + 1;
}

/** y = conv2d(x, w, b) with zero padding, by the definition */
export function conv2dRef(
  x: Nd,
  w: Nd,
  b: Float64Array | null,
  o: { stride?: number; pad?: number; dil?: number } = {},
): Nd {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [O, Cw, KH, KW] = w.shape as [number, number, number, number];
  if (Cw !== C) throw new Error(`conv2dRef: ${C} input channels, weight expects ${Cw}`);
  const s = o.stride ?? 1;
  const p = o.pad ?? 0;
  const d = o.dil ?? 1;
  const OH = convOut(H, KH, s, p, d);
  const OW = convOut(W, KW, s, p, d);
  const out = new Float64Array(N * O * OH * OW);
  for (let n = 0; n < N; n++)
    for (let oc = 0; oc < O; oc++)
      for (let oy = 0; oy < OH; oy++)
        for (let ox = 0; ox < OW; ox++) {
          let acc = b ? b[oc]! : 0;
          for (let c = 0; c < C; c++)
            for (let ky = 0; ky < KH; ky++) {
              const iy = oy * s - p + ky * d;
              if (iy < 0 || iy >= H) continue;
              for (let kx = 0; kx < KW; kx++) {
                const ix = ox * s - p + kx * d;
                if (ix < 0 || ix >= W) continue;
                acc += x.data[((n * C + c) * H + iy) * W + ix]! * w.data[((oc * C + c) * KH + ky) * KW + kx]!;
              }
            }
          out[((n * O + oc) * OH + oy) * OW + ox] = acc;
        }
  return { data: out, shape: [N, O, OH, OW] };
}

/** eval-mode batch norm: (x - mean) / sqrt(var + eps) * gamma + beta per channel */
export function batchNormRef(
  x: Nd,
  p: { mean: Float64Array; var: Float64Array; gamma: Float64Array; beta: Float64Array },
  eps = 1e-5,
): Nd {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const out = new Float64Array(x.data.length);
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++) {
      const scale = p.gamma[c]! / Math.sqrt(p.var[c]! + eps);
      for (let i = 0; i < H * W; i++) {
        const j = (n * C + c) * H * W + i;
        out[j] = (x.data[j]! - p.mean[c]!) * scale + p.beta[c]!;
      }
    }
  return { data: out, shape: x.shape };
}

/** instance norm without affine: per sample and channel, biased variance */
export function instanceNormRef(x: Nd, eps = 1e-5): Nd {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const out = new Float64Array(x.data.length);
  const m = H * W;
  for (let nc = 0; nc < N * C; nc++) {
    let mean = 0;
    for (let i = 0; i < m; i++) mean += x.data[nc * m + i]!;
    mean /= m;
    let v = 0;
    for (let i = 0; i < m; i++) v += (x.data[nc * m + i]! - mean) ** 2;
    v /= m;
    const inv = 1 / Math.sqrt(v + eps);
    for (let i = 0; i < m; i++) out[nc * m + i] = (x.data[nc * m + i]! - mean) * inv;
  }
  return { data: out, shape: x.shape };
}

export function mapRef(x: Nd, f: (v: number) => number): Nd {
  return { data: x.data.map(f), shape: x.shape };
}

export function addRef(a: Nd, b: Nd): Nd {
  return { data: a.data.map((v, i) => v + b.data[i]!), shape: a.shape };
}

export const reluRef = (x: Nd): Nd => mapRef(x, (v) => Math.max(0, v));
export const leakyRef = (x: Nd, slope: number): Nd => mapRef(x, (v) => (v >= 0 ? v : slope * v));

/** a seeded random float32 tensor of `shape` */
export function randomTensor(rng: Rng, shape: number[], low = -1, high = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(new Float32Array(randomArray(rng, n, low, high)), { shape });
}

/**
 * Gives every BatchNorm of `m` random running statistics and affine parameters (so an eval-mode check tests the
 * normalisation rather than the identity of a fresh BN).
 */
export function randomizeBatchNorms(m: nn.Module, rng: Rng): void {
  noGrad(() => {
    for (const [name, t] of m.stateDict()) {
      if (t.dtype !== 'float32') continue;
      let src: Tensor | null = null;
      if (name.endsWith('running_var')) src = randomTensor(rng, t.shape, 0.5, 2);
      else if (name.endsWith('running_mean')) src = randomTensor(rng, t.shape, -0.3, 0.3);
      else if (/(bn\d|norm|downsample\.1)\.weight$/.test(name)) src = randomTensor(rng, t.shape, 0.5, 1.5);
      else if (/(bn\d|norm|downsample\.1)\.bias$/.test(name)) src = randomTensor(rng, t.shape, -0.2, 0.2);
      if (src) {
        t.copy_(src);
        src.dispose();
      }
    }
  });
}

/** the float64 values of a module's tensor by state-dict name */
export function param(m: nn.Module, name: string): Nd {
  const t = m.stateDict().get(name);
  if (!t) throw new Error(`no tensor ${name}`);
  return nd(t);
}

/** the BN parameters of `prefix` (e.g. "layer1.0.bn1") for batchNormRef */
export function bnParams(
  m: nn.Module,
  prefix: string,
): { mean: Float64Array; var: Float64Array; gamma: Float64Array; beta: Float64Array } {
  return {
    mean: param(m, `${prefix}.running_mean`).data,
    var: param(m, `${prefix}.running_var`).data,
    gamma: param(m, `${prefix}.weight`).data,
    beta: param(m, `${prefix}.bias`).data,
  };
}

/** a seeded batch of images with a bright rectangle each, and its mask */
export function rectangles(seed: number, n: number, size: number): { x: Tensor; y: Tensor } {
  const rng = new Rng(seed);
  const img = new Float32Array(n * size * size);
  const lab = new BigInt64Array(n * size * size);
  for (let k = 0; k < n; k++) {
    const h = rng.int(size / 4, size / 2);
    const w = rng.int(size / 4, size / 2);
    const r0 = rng.int(0, size - h);
    const c0 = rng.int(0, size - w);
    for (let r = 0; r < size; r++)
      for (let c = 0; c < size; c++) {
        const inside = r >= r0 && r < r0 + h && c >= c0 && c < c0 + w;
        img[(k * size + r) * size + c] = (inside ? 1 : 0) + 0.3 * rng.uniform(-1, 1);
        lab[(k * size + r) * size + c] = inside ? 1n : 0n;
      }
  }
  return { x: tensor(img, { shape: [n, 1, size, size] }), y: tensor(lab, { shape: [n, size, size] }) };
}

/**
 * Trains `model` with Adam (`lr`) for `steps` steps of cross-entropy on `rectangles(seed, n, 32)` and asserts that the
 * mean loss of the last 3 steps is below half the first step's (a short run of a working segmentation network).
 */
export function assertTrainingHalvesLoss(
  model: { parameters(): Tensor[]; forward(x: Tensor): Tensor },
  o: { lr: number; seed: number; n: number; steps: number },
): void {
  const opt = new optim.Adam(model.parameters(), { lr: o.lr });
  const { x, y } = rectangles(o.seed, o.n, 32);
  const losses: number[] = [];
  for (let step = 0; step < o.steps; step++) {
    losses.push(
      tidy(() => {
        const loss = F.crossEntropy(model.forward(x), y);
        opt.zeroGrad();
        loss.backward();
        opt.step();
        return loss.item();
      }),
    );
  }
  const first = losses[0]!;
  const last = losses.slice(-3).reduce((a, b) => a + b, 0) / 3;
  assert.ok(last < 0.5 * first, `loss ${first.toFixed(3)} -> ${last.toFixed(3)} (${losses.map((l) => l.toFixed(2))})`);
}

export { Rng };
