/** Convolution layers: Conv1d/2d/3d and ConvTranspose2d/3d, with PyTorch's default initialisation. */
import { Layer } from './layer.js';
import { empty } from '../creation.js';
import type { Tensor } from '../tensor.js';
import * as F from '../functional.js';
import { defaultInit_ } from './init.js';
import type { Generator } from '../random.js';

type Size = number | readonly number[];

export interface ConvLayerOptions {
  stride?: Size;
  padding?: Size;
  dilation?: Size;
  groups?: number;
  bias?: boolean;
  device?: string;
  /** seeded initialisation; the global generator (manualSeed) otherwise */
  generator?: Generator;
}

function kernelShape(k: Size, n: number): number[] {
  return typeof k === 'number' ? Array(n).fill(k) : [...k];
}

abstract class ConvNd extends Layer {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: Size,
    /** the layer's stride, padding, dilation, groups (and outputPadding for transposed convs), as given */
    readonly opts: ConvLayerOptions & { outputPadding?: Size },
    nd: number,
    transposed: boolean,
  ) {
    super();
    const groups = opts.groups ?? 1;
    if (inChannels % groups || outChannels % groups) {
      throw new RangeError(`conv: channels ${inChannels}->${outChannels} are not divisible by groups=${groups}`);
    }
    const k = kernelShape(kernelSize, nd);
    const wShape = transposed ? [inChannels, outChannels / groups, ...k] : [outChannels, inChannels / groups, ...k];
    this.weight = this.registerParameter('weight', empty(wShape, { device: opts.device }));
    this.bias =
      opts.bias === false ? null : this.registerParameter('bias', empty([outChannels], { device: opts.device }));
    defaultInit_(this.weight, this.bias, opts.generator);
  }
}

export class Conv1d extends ConvNd {
  constructor(inC: number, outC: number, kernelSize: Size, opts: ConvLayerOptions = {}) {
    super(inC, outC, kernelSize, opts, 1, false);
  }
  forward(x: Tensor): Tensor {
    return F.conv1d(x, this.weight, this.bias, this.opts);
  }
}

export class Conv2d extends ConvNd {
  constructor(inC: number, outC: number, kernelSize: Size, opts: ConvLayerOptions = {}) {
    super(inC, outC, kernelSize, opts, 2, false);
  }
  forward(x: Tensor): Tensor {
    return F.conv2d(x, this.weight, this.bias, this.opts);
  }
}

export class Conv3d extends ConvNd {
  constructor(inC: number, outC: number, kernelSize: Size, opts: ConvLayerOptions = {}) {
    super(inC, outC, kernelSize, opts, 3, false);
  }
  forward(x: Tensor): Tensor {
    return F.conv3d(x, this.weight, this.bias, this.opts);
  }
}

export interface ConvTransposeLayerOptions extends ConvLayerOptions {
  outputPadding?: Size;
}

export class ConvTranspose2d extends ConvNd {
  constructor(inC: number, outC: number, kernelSize: Size, opts: ConvTransposeLayerOptions = {}) {
    super(inC, outC, kernelSize, opts, 2, true);
  }
  forward(x: Tensor): Tensor {
    return F.convTranspose2d(x, this.weight, this.bias, this.opts);
  }
}

export class ConvTranspose3d extends ConvNd {
  constructor(inC: number, outC: number, kernelSize: Size, opts: ConvTransposeLayerOptions = {}) {
    super(inC, outC, kernelSize, opts, 3, true);
  }
  forward(x: Tensor): Tensor {
    return F.convTranspose3d(x, this.weight, this.bias, this.opts);
  }
}
