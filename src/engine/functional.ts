/**
 * Functional neural-network ops (PyTorch's torch.nn.functional), each one call into libtorch.
 * Size arguments accept a number (same for every spatial dim) or one number per spatial dim.
 */
import { N, type Handle } from './native.js';
import type { DType } from './dtype.js';
import { Tensor } from './tensor.js';
import { checkInt, checkSizes } from './check-args.js';
import {
  convArgs,
  poolArgs,
  scaledSize,
  type ConvArgs,
  type ConvOptions,
  type ConvTransposeOptions,
  type PoolOptions,
  type Size,
} from './spatial-args.js';

export type { ConvOptions, ConvTransposeOptions, PoolOptions } from './spatial-args.js';

function opt(t: Tensor | null | undefined): Handle | null {
  return t ? t.handle : null;
}

function convN(x: Tensor, w: Tensor, b: Tensor | null | undefined, o: ConvOptions, n: number): Tensor {
  const a = convArgs(`conv${n}d`, { ...o, outputPadding: 0 }, n);
  return new Tensor(
    N.conv(x.handle, w.handle, opt(b), a.stride, a.padding, a.dilation, false, a.outputPadding, a.groups),
  );
}

export function conv1d(x: Tensor, weight: Tensor, bias?: Tensor | null, o: ConvOptions = {}): Tensor {
  return convN(x, weight, bias, o, 1);
}
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, o: ConvOptions = {}): Tensor {
  return convN(x, weight, bias, o, 2);
}
export function conv3d(x: Tensor, weight: Tensor, bias?: Tensor | null, o: ConvOptions = {}): Tensor {
  return convN(x, weight, bias, o, 3);
}

function convTransposeN(x: Tensor, w: Tensor, b: Tensor | null | undefined, a: ConvArgs): Tensor {
  return new Tensor(
    N.conv(x.handle, w.handle, opt(b), a.stride, a.padding, a.dilation, true, a.outputPadding, a.groups),
  );
}

/**
 * True when a transposed convolution only scatters each input pixel into its own k×k block (kernel = stride,
 * no padding/dilation/groups): the U-Net's 2×2 stride-2 up-convolution.
 */
function isBlockUpsample(w: Tensor, a: ConvArgs): boolean {
  const k = w.shape.slice(2);
  return (
    k.every((v, i) => v === a.stride[i] && v > 1) &&
    a.padding.every((v) => v === 0) &&
    a.outputPadding.every((v) => v === 0) &&
    a.dilation.every((v) => v === 1) &&
    a.groups === 1
  );
}

/**
 * Block up-convolution as a 1×1 convolution to Cout·k^n channels followed by a depth-to-space rearrangement.
 * Mathematically identical to conv_transpose (out[n, o, h·k + a, w·k + b] = Σ_c x[n, c, h, w] W[c, o, a, b] + bias[o]),
 * but it runs on oneDNN's convolution instead of libtorch 1.13's im2col `slow_conv_transpose2d` (about 10× faster on CPU).
 */
function blockUpsample(x: Tensor, w: Tensor, b: Tensor | null | undefined, n: 2 | 3): Tensor {
  const [cin, cout, ...k] = w.shape as [number, number, ...number[]];
  const kk = k.reduce((a, v) => a * v, 1);
  // W'[o·k^n + offset, c] = W[c, o, offset]
  const perm = n === 2 ? [1, 2, 3, 0] : [1, 2, 3, 4, 0];
  const wp = w.permute(...perm);
  const w1 = wp.reshape(cout * kk, cin, ...Array(n).fill(1));
  wp.dispose();
  // the bias rides along in the 1×1 conv (bias[o] repeated k^n times), so under autocast everything stays bf16
  const b1 = b
    ? b
        .reshape(cout, 1)
        .expand(cout, kk)
        .reshape(cout * kk)
    : null;
  const y = convN(x, w1, b1, {}, n);
  b1?.dispose();
  w1.dispose();
  let up: Tensor;
  if (n === 2 && k[0] === k[1]) {
    up = new Tensor(N.pixelShuffle(y.handle, k[0]));
  } else {
    const [N0, , ...sp] = y.shape as [number, number, ...number[]];
    // (N, O, k0, k1[, k2], S0, S1[, S2]) -> (N, O, S0, k0, S1, k1[, S2, k2])
    const v = y.reshape(N0, cout, ...k, ...sp);
    const order = n === 2 ? [0, 1, 4, 2, 5, 3] : [0, 1, 5, 2, 6, 3, 7, 4];
    const p = v.permute(...order);
    up = p.reshape(N0, cout, ...sp.map((s, i) => s * k[i]!));
    v.dispose();
    p.dispose();
  }
  y.dispose();
  return up;
}

export function convTranspose2d(x: Tensor, weight: Tensor, bias?: Tensor | null, o: ConvTransposeOptions = {}): Tensor {
  const a = convArgs('convTranspose2d', o, 2);
  if (weight.ndim === 4 && isBlockUpsample(weight, a)) return blockUpsample(x, weight, bias, 2);
  return convTransposeN(x, weight, bias, a);
}
export function convTranspose3d(x: Tensor, weight: Tensor, bias?: Tensor | null, o: ConvTransposeOptions = {}): Tensor {
  const a = convArgs('convTranspose3d', o, 3);
  if (weight.ndim === 5 && isBlockUpsample(weight, a)) return blockUpsample(x, weight, bias, 3);
  return convTransposeN(x, weight, bias, a);
}

/** Depth-to-space: (N, C·r², H, W) -> (N, C, H·r, W·r). */
export function pixelShuffle(x: Tensor, r: number): Tensor {
  return new Tensor(N.pixelShuffle(x.handle, checkInt('pixelShuffle', 'upscaleFactor', r, 1)));
}
/** Space-to-depth, the inverse of pixelShuffle. */
export function pixelUnshuffle(x: Tensor, r: number): Tensor {
  return new Tensor(N.pixelUnshuffle(x.handle, checkInt('pixelUnshuffle', 'downscaleFactor', r, 1)));
}

function maxPoolN(x: Tensor, o: PoolOptions, n: number): Tensor {
  const a = poolArgs(`maxPool${n}d`, o, n);
  return new Tensor(N.maxPool(x.handle, a.kernelSize, a.stride, a.padding, a.dilation, o.ceilMode ?? false));
}
export function maxPool2d(x: Tensor, o: PoolOptions): Tensor {
  return maxPoolN(x, o, 2);
}
export function maxPool3d(x: Tensor, o: PoolOptions): Tensor {
  return maxPoolN(x, o, 3);
}

function avgPoolN(x: Tensor, o: PoolOptions & { countIncludePad?: boolean }, n: number): Tensor {
  const a = poolArgs(`avgPool${n}d`, o, n);
  if (a.dilation.some((d) => d !== 1))
    throw new RangeError(`avgPool${n}d: dilation is not supported (got [${a.dilation.join(', ')}])`);
  return new Tensor(
    N.avgPool(x.handle, a.kernelSize, a.stride, a.padding, o.ceilMode ?? false, o.countIncludePad ?? true),
  );
}
export function avgPool2d(x: Tensor, o: PoolOptions & { countIncludePad?: boolean }): Tensor {
  return avgPoolN(x, o, 2);
}
export function avgPool3d(x: Tensor, o: PoolOptions & { countIncludePad?: boolean }): Tensor {
  return avgPoolN(x, o, 3);
}
export function adaptiveAvgPool2d(x: Tensor, outputSize: Size): Tensor {
  return new Tensor(N.adaptiveAvgPool(x.handle, checkSizes('adaptiveAvgPool2d', 'outputSize', outputSize, 2, 1)));
}
export function adaptiveAvgPool3d(x: Tensor, outputSize: Size): Tensor {
  return new Tensor(N.adaptiveAvgPool(x.handle, checkSizes('adaptiveAvgPool3d', 'outputSize', outputSize, 3, 1)));
}

export interface NormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  eps?: number;
}

/**
 * Batch normalisation. In training mode the batch statistics normalise and the running statistics are updated in
 * place: running = (1 - momentum) * running + momentum * batch (unbiased variance), as PyTorch.
 */
export function batchNorm(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  o: NormOptions & { training?: boolean; momentum?: number } = {},
): Tensor {
  return new Tensor(
    N.batchNorm(
      x.handle,
      opt(o.weight),
      opt(o.bias),
      opt(runningMean),
      opt(runningVar),
      o.training ?? false,
      o.momentum ?? 0.1,
      o.eps ?? 1e-5,
    ),
  );
}

export function instanceNorm(
  x: Tensor,
  o: NormOptions & {
    runningMean?: Tensor | null;
    runningVar?: Tensor | null;
    useInputStats?: boolean;
    momentum?: number;
  } = {},
): Tensor {
  return new Tensor(
    N.instanceNorm(
      x.handle,
      opt(o.weight),
      opt(o.bias),
      opt(o.runningMean),
      opt(o.runningVar),
      o.useInputStats ?? true,
      o.momentum ?? 0.1,
      o.eps ?? 1e-5,
    ),
  );
}

export function groupNorm(x: Tensor, numGroups: number, o: NormOptions = {}): Tensor {
  return new Tensor(N.groupNorm(x.handle, numGroups, opt(o.weight), opt(o.bias), o.eps ?? 1e-5));
}

export function layerNorm(x: Tensor, normalizedShape: readonly number[], o: NormOptions = {}): Tensor {
  return new Tensor(N.layerNorm(x.handle, [...normalizedShape], opt(o.weight), opt(o.bias), o.eps ?? 1e-5));
}

export function relu(x: Tensor): Tensor {
  return x.relu();
}
export function sigmoid(x: Tensor): Tensor {
  return x.sigmoid();
}
export function tanh(x: Tensor): Tensor {
  return x.tanh();
}
export function gelu(x: Tensor): Tensor {
  return x.gelu();
}
/** max(0,x) + slope * min(0,x); PyTorch's default slope 0.01 */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  return new Tensor(N.leakyRelu(x.handle, negativeSlope));
}
export function elu(x: Tensor, alpha = 1): Tensor {
  return new Tensor(N.elu(x.handle, alpha));
}
/**
 * In-place activation of a tensor that autograd does not need unmodified (e.g. straight after batchNorm, as
 * PyTorch's `ReLU(inplace=True)`): saves one allocation per layer.
 */
export function activation_(name: 'relu' | 'leakyRelu' | 'elu' | 'sigmoid', x: Tensor, param?: number): Tensor {
  N.activation_(name, x.handle, param ?? (name === 'leakyRelu' ? 0.01 : 1));
  return x;
}
export function softmax(x: Tensor, dim: number, dtype?: DType): Tensor {
  return new Tensor(N.softmax(x.handle, dim, dtype ?? null));
}
export function logSoftmax(x: Tensor, dim: number, dtype?: DType): Tensor {
  return new Tensor(N.logSoftmax(x.handle, dim, dtype ?? null));
}

export type InterpolationMode = 'nearest' | 'linear' | 'bilinear' | 'bicubic' | 'trilinear';

/**
 * Resizes the spatial dims of an (N, C, ...) tensor to `size`, or by `scaleFactor` (output size = floor(in * s)).
 */
export function interpolate(
  x: Tensor,
  o: { size?: Size; scaleFactor?: number | readonly number[]; mode?: InterpolationMode; alignCorners?: boolean },
): Tensor {
  const spatial = x.shape.slice(2);
  const n = spatial.length;
  let size: number[];
  if (o.size !== undefined) size = checkSizes('interpolate', 'size', o.size, n, 1);
  else if (o.scaleFactor !== undefined) size = scaledSize(spatial, o.scaleFactor);
  else throw new RangeError('interpolate: give size or scaleFactor');
  const mode = o.mode ?? 'nearest';
  return new Tensor(N.interpolate(x.handle, size, mode, mode === 'nearest' ? false : (o.alignCorners ?? false)));
}

/** Zeroes elements with probability p and scales the rest by 1/(1-p) in training; identity otherwise. */
export function dropout(x: Tensor, p = 0.5, training = true): Tensor {
  return new Tensor(N.dropout(x.handle, p, training, false));
}
/** Drops whole channels (Dropout2d/3d). */
export function featureDropout(x: Tensor, p = 0.5, training = true): Tensor {
  return new Tensor(N.dropout(x.handle, p, training, true));
}

export type Reduction = 'mean' | 'sum' | 'none';

/**
 * Cross-entropy of logits (N, C, ...) against class indices (N, ...) or class probabilities (N, C, ...).
 * With `weight`, the mean is the weighted mean (divided by the sum of the targets' weights), as PyTorch.
 */
export function crossEntropy(
  logits: Tensor,
  target: Tensor,
  o: { weight?: Tensor | null; ignoreIndex?: number; reduction?: Reduction; labelSmoothing?: number } = {},
): Tensor {
  return new Tensor(
    N.crossEntropy(
      logits.handle,
      target.handle,
      opt(o.weight),
      o.reduction ?? 'mean',
      o.ignoreIndex ?? -100,
      o.labelSmoothing ?? 0,
    ),
  );
}

export function nllLoss(
  logProbs: Tensor,
  target: Tensor,
  o: { weight?: Tensor | null; ignoreIndex?: number; reduction?: Reduction } = {},
): Tensor {
  return new Tensor(
    N.nllLoss(logProbs.handle, target.handle, opt(o.weight), o.reduction ?? 'mean', o.ignoreIndex ?? -100),
  );
}

export function binaryCrossEntropyWithLogits(
  logits: Tensor,
  target: Tensor,
  o: { weight?: Tensor | null; posWeight?: Tensor | null; reduction?: Reduction } = {},
): Tensor {
  return new Tensor(
    N.bceWithLogits(logits.handle, target.handle, opt(o.weight), opt(o.posWeight), o.reduction ?? 'mean'),
  );
}

export function mseLoss(input: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor {
  return new Tensor(N.mseLoss(input.handle, target.handle, reduction));
}

/** x / max(||x||_p, eps) along dim (unit vectors for cosine similarity). */
export function normalize(x: Tensor, o: { p?: number; dim?: number; eps?: number } = {}): Tensor {
  const norm = x.norm(o.p ?? 2, o.dim ?? 1, true);
  const denom = norm.clampMin(o.eps ?? 1e-12);
  const out = x.div(denom);
  norm.dispose();
  denom.dispose();
  return out;
}

/**
 * Sampling grid for affine warps: theta (N, 2, 3) with size [N, C, H, W], or (N, 3, 4) with [N, C, D, H, W].
 * Coordinates are normalised to [-1, 1] (x first), as PyTorch.
 */
export function affineGrid(theta: Tensor, size: readonly number[], alignCorners = false): Tensor {
  return new Tensor(N.affineGrid(theta.handle, [...size], alignCorners));
}

export function gridSample(
  x: Tensor,
  grid: Tensor,
  o: {
    mode?: 'bilinear' | 'nearest' | 'bicubic';
    paddingMode?: 'zeros' | 'border' | 'reflection';
    alignCorners?: boolean;
  } = {},
): Tensor {
  return new Tensor(
    N.gridSample(x.handle, grid.handle, o.mode ?? 'bilinear', o.paddingMode ?? 'zeros', o.alignCorners ?? false),
  );
}

/** Pads the last dims: pads = [lastBefore, lastAfter, secondLastBefore, ...] as torch.nn.functional.pad. */
export function pad(
  x: Tensor,
  pads: readonly number[],
  o: { mode?: 'constant' | 'reflect' | 'replicate'; value?: number } = {},
): Tensor {
  return new Tensor(N.pad(x.handle, [...pads], o.mode ?? 'constant', o.value ?? 0));
}

/** int64 class indices -> one-hot int64 with a trailing class dim */
export function oneHot(indices: Tensor, numClasses: number): Tensor {
  return new Tensor(N.oneHot(indices.handle, numClasses));
}

/** x W^T + b */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  return new Tensor(N.linear(x.handle, weight.handle, opt(bias)));
}
