import { Layer } from './layer.js';
import { empty } from '../creation.js';
import type { Tensor } from '../tensor.js';
import * as F from '../functional.js';
import { defaultInit_ } from './init.js';
import type { Generator } from '../random.js';

/** y = x W^T + b, PyTorch's default initialisation. */
export class Linear extends Layer {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    opts: { bias?: boolean; device?: string; generator?: Generator } = {},
  ) {
    super();
    this.weight = this.registerParameter('weight', empty([outFeatures, inFeatures], { device: opts.device }));
    this.bias =
      opts.bias === false ? null : this.registerParameter('bias', empty([outFeatures], { device: opts.device }));
    defaultInit_(this.weight, this.bias, opts.generator);
  }
  forward(x: Tensor): Tensor {
    return F.linear(x, this.weight, this.bias);
  }
}
