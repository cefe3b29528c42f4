/** Normalisation layers: BatchNorm1d/2d/3d, InstanceNorm2d/3d, GroupNorm, LayerNorm. */
import { Layer } from './layer.js';
import { ones, zeros } from '../creation.js';
import type { Tensor } from '../tensor.js';
import * as F from '../functional.js';

export interface NormLayerOptions {
  eps?: number;
  /** running-statistics momentum (PyTorch's 0.1) */
  momentum?: number;
  affine?: boolean;
  trackRunningStats?: boolean;
  device?: string;
}

function expectDims(x: Tensor, dims: number[], name: string): void {
  if (!dims.includes(x.ndim)) {
    throw new RangeError(`${name}: expected a ${dims.join(' or ')}-D input, got shape [${x.shape.join(', ')}]`);
  }
}

abstract class BatchNormNd extends Layer {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly runningMean: Tensor | null;
  readonly runningVar: Tensor | null;
  readonly numBatchesTracked: Tensor | null;
  readonly eps: number;
  readonly momentum: number;
  constructor(
    readonly numFeatures: number,
    opts: NormLayerOptions,
    private readonly dims: number[],
    private readonly layerName: string,
  ) {
    super();
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum ?? 0.1;
    const device = opts.device;
    const affine = opts.affine ?? true;
    this.weight = affine ? this.registerParameter('weight', ones([numFeatures], { device })) : null;
    this.bias = affine ? this.registerParameter('bias', zeros([numFeatures], { device })) : null;
    const track = opts.trackRunningStats ?? true;
    this.runningMean = track ? this.registerBuffer('running_mean', zeros([numFeatures], { device })) : null;
    this.runningVar = track ? this.registerBuffer('running_var', ones([numFeatures], { device })) : null;
    this.numBatchesTracked = track
      ? this.registerBuffer('num_batches_tracked', zeros([], { dtype: 'int64', device }))
      : null;
  }
  forward(x: Tensor): Tensor {
    expectDims(x, this.dims, this.layerName);
    const useBatchStats = this.training || this.runningMean === null;
    if (this.training && this.numBatchesTracked) this.numBatchesTracked.add_(1);
    return F.batchNorm(x, this.runningMean, this.runningVar, {
      weight: this.weight,
      bias: this.bias,
      training: useBatchStats,
      momentum: this.momentum,
      eps: this.eps,
    });
  }
}

export class BatchNorm1d extends BatchNormNd {
  constructor(numFeatures: number, opts: NormLayerOptions = {}) {
    super(numFeatures, opts, [2, 3], 'BatchNorm1d');
  }
}
export class BatchNorm2d extends BatchNormNd {
  constructor(numFeatures: number, opts: NormLayerOptions = {}) {
    super(numFeatures, opts, [4], 'BatchNorm2d');
  }
}
export class BatchNorm3d extends BatchNormNd {
  constructor(numFeatures: number, opts: NormLayerOptions = {}) {
    super(numFeatures, opts, [5], 'BatchNorm3d');
  }
}

/** Instance normalisation; PyTorch's defaults: affine = false, no running statistics. */
abstract class InstanceNormNd extends Layer {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly eps: number;
  constructor(
    readonly numFeatures: number,
    opts: NormLayerOptions,
    private readonly dims: number[],
    private readonly layerName: string,
  ) {
    super();
    this.eps = opts.eps ?? 1e-5;
    const affine = opts.affine ?? false;
    this.weight = affine ? this.registerParameter('weight', ones([numFeatures], { device: opts.device })) : null;
    this.bias = affine ? this.registerParameter('bias', zeros([numFeatures], { device: opts.device })) : null;
    if (opts.trackRunningStats) throw new Error(`${this.layerName}: trackRunningStats is not supported`);
  }
  forward(x: Tensor): Tensor {
    expectDims(x, this.dims, this.layerName);
    return F.instanceNorm(x, { weight: this.weight, bias: this.bias, eps: this.eps });
  }
}

export class InstanceNorm2d extends InstanceNormNd {
  constructor(numFeatures: number, opts: NormLayerOptions = {}) {
    super(numFeatures, opts, [4], 'InstanceNorm2d');
  }
}
export class InstanceNorm3d extends InstanceNormNd {
  constructor(numFeatures: number, opts: NormLayerOptions = {}) {
    super(numFeatures, opts, [5], 'InstanceNorm3d');
  }
}

export class GroupNorm extends Layer {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly eps: number;
  constructor(
    readonly numGroups: number,
    readonly numChannels: number,
    opts: NormLayerOptions = {},
  ) {
    super();
    if (numChannels % numGroups)
      throw new RangeError(`GroupNorm: ${numChannels} channels not divisible by ${numGroups} groups`);
    this.eps = opts.eps ?? 1e-5;
    const affine = opts.affine ?? true;
    this.weight = affine ? this.registerParameter('weight', ones([numChannels], { device: opts.device })) : null;
    this.bias = affine ? this.registerParameter('bias', zeros([numChannels], { device: opts.device })) : null;
  }
  forward(x: Tensor): Tensor {
    return F.groupNorm(x, this.numGroups, { weight: this.weight, bias: this.bias, eps: this.eps });
  }
}

export class LayerNorm extends Layer {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly eps: number;
  readonly normalizedShape: number[];
  constructor(normalizedShape: number | readonly number[], opts: NormLayerOptions = {}) {
    super();
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    this.eps = opts.eps ?? 1e-5;
    const affine = opts.affine ?? true;
    this.weight = affine ? this.registerParameter('weight', ones(this.normalizedShape, { device: opts.device })) : null;
    this.bias = affine ? this.registerParameter('bias', zeros(this.normalizedShape, { device: opts.device })) : null;
  }
  forward(x: Tensor): Tensor {
    return F.layerNorm(x, this.normalizedShape, { weight: this.weight, bias: this.bias, eps: this.eps });
  }
}
