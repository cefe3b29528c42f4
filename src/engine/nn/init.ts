/** Weight initialisation, matching PyTorch's defaults so that models start alike. */
import type { Tensor } from '../tensor.js';
import { noGrad } from '../autograd.js';
import type { Generator } from '../random.js';

/** fan_in and fan_out of a weight (out, in, *kernel), as torch.nn.init._calculate_fan_in_and_fan_out. */
export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length < 2) throw new RangeError('fans: need a weight with at least 2 dims');
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[1]! * receptive, fanOut: shape[0]! * receptive };
}

export function uniform_(t: Tensor, low: number, high: number, generator?: Generator): Tensor {
  noGrad(() => t.uniform_(low, high, generator));
  return t;
}

export function normal_(t: Tensor, mean: number, std: number, generator?: Generator): Tensor {
  noGrad(() => t.normal_(mean, std, generator));
  return t;
}

export function zeros_(t: Tensor): Tensor {
  noGrad(() => t.zero_());
  return t;
}

export function constant_(t: Tensor, v: number): Tensor {
  noGrad(() => t.fill_(v));
  return t;
}

/** Gain for a nonlinearity (torch.nn.init.calculate_gain). */
export function gain(nonlinearity: 'linear' | 'relu' | 'leaky_relu' | 'tanh' | 'sigmoid', param = 0.01): number {
  switch (nonlinearity) {
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu':
      return Math.sqrt(2 / (1 + param * param));
    case 'tanh':
      return 5 / 3;
    default:
      return 1;
  }
}

/** Kaiming (He) uniform: bound = gain * sqrt(3 / fan). */
export function kaimingUniform_(
  t: Tensor,
  o: { a?: number; mode?: 'fanIn' | 'fanOut'; nonlinearity?: 'relu' | 'leaky_relu'; generator?: Generator } = {},
): Tensor {
  const f = fans(t.shape);
  const fan = o.mode === 'fanOut' ? f.fanOut : f.fanIn;
  const g = gain(o.nonlinearity ?? 'leaky_relu', o.a ?? 0);
  const bound = g * Math.sqrt(3 / fan);
  return uniform_(t, -bound, bound, o.generator);
}

/** Kaiming normal: std = gain / sqrt(fan). */
export function kaimingNormal_(
  t: Tensor,
  o: { a?: number; mode?: 'fanIn' | 'fanOut'; nonlinearity?: 'relu' | 'leaky_relu'; generator?: Generator } = {},
): Tensor {
  const f = fans(t.shape);
  const fan = o.mode === 'fanOut' ? f.fanOut : f.fanIn;
  return normal_(t, 0, gain(o.nonlinearity ?? 'leaky_relu', o.a ?? 0) / Math.sqrt(fan), o.generator);
}

export function xavierUniform_(t: Tensor, g = 1, generator?: Generator): Tensor {
  const f = fans(t.shape);
  const bound = g * Math.sqrt(6 / (f.fanIn + f.fanOut));
  return uniform_(t, -bound, bound, generator);
}

/**
 * PyTorch's default for Linear/Conv weights: kaiming_uniform_(a = sqrt(5)), i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)),
 * and the bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
 */
export function defaultInit_(weight: Tensor, bias: Tensor | null, generator?: Generator, fanInOverride?: number): void {
  const fanIn = fanInOverride ?? fans(weight.shape).fanIn;
  const bound = 1 / Math.sqrt(fanIn);
  uniform_(weight, -bound, bound, generator);
  if (bias) uniform_(bias, -bound, bound, generator);
}
