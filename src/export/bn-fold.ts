/**
 * Folding an inference-mode BatchNorm into the convolution before it. With s_c = γ_c / √(σ²_c + ε):
 *
 *   BN(conv(x))_c = s_c · (W_c * x + b_c − μ_c) + β_c = (s_c W_c) * x + (s_c (b_c − μ_c) + β_c)
 *
 * so W'_c = s_c W_c and b'_c = β_c + s_c (b_c − μ_c) (b = 0 for a conv without bias). Computed in float64 and
 * rounded once to float32. The output channel is a weight's first axis for Conv (O, I/g, kH, kW).
 */
import type { nn } from '../engine/index.js';

export interface BatchNormStats {
  /** γ (ones when the BN has no affine weight) */
  weight: Float64Array;
  /** β (zeros without affine) */
  bias: Float64Array;
  runningMean: Float64Array;
  runningVar: Float64Array;
  eps: number;
}

export interface FoldedConv {
  weight: Float32Array;
  bias: Float32Array;
}

/** A BatchNorm layer's inference statistics; `what` names it in the error for a BN without running statistics. */
export function batchNormStats(bn: nn.BatchNorm2d, what: string): BatchNormStats {
  if (!bn.runningMean || !bn.runningVar) {
    throw new Error(
      `export: ${what}: a BatchNorm without running statistics normalises by batch statistics even in inference; it cannot be folded`,
    );
  }
  const c = bn.numFeatures;
  return {
    weight: bn.weight ? bn.weight.toFloat64Array() : new Float64Array(c).fill(1),
    bias: bn.bias ? bn.bias.toFloat64Array() : new Float64Array(c),
    runningMean: bn.runningMean.toFloat64Array(),
    runningVar: bn.runningVar.toFloat64Array(),
    eps: bn.eps,
  };
}

/**
 * W' and b' of conv ∘ BN. `weight` is the conv weight in C order with the output channel first (its length a
 * multiple of the channel count), `bias` the conv's bias or null.
 */
export function foldBatchNorm(
  weight: ArrayLike<number>,
  bias: ArrayLike<number> | null,
  bn: BatchNormStats,
): FoldedConv {
  const channels = bn.runningMean.length;
  if (weight.length % channels) {
    throw new RangeError(`foldBatchNorm: ${weight.length} weights do not split into ${channels} output channels`);
  }
  if (bias && bias.length !== channels)
    throw new RangeError(`foldBatchNorm: ${bias.length} biases for ${channels} channels`);
  const per = weight.length / channels;
  const w = new Float32Array(weight.length);
  const b = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const s = bn.weight[c]! / Math.sqrt(bn.runningVar[c]! + bn.eps);
    for (let i = c * per; i < (c + 1) * per; i++) w[i] = s * weight[i]!;
    b[c] = bn.bias[c]! + s * ((bias ? bias[c]! : 0) - bn.runningMean[c]!);
  }
  return { weight: w, bias: b };
}
