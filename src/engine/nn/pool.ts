import { Layer } from './layer.js';
import type { Tensor } from '../tensor.js';
import * as F from '../functional.js';

type Size = number | readonly number[];

export class MaxPool2d extends Layer {
  constructor(readonly opts: F.PoolOptions) {
    super();
  }
  forward(x: Tensor): Tensor {
    return F.maxPool2d(x, this.opts);
  }
}
export class MaxPool3d extends Layer {
  constructor(readonly opts: F.PoolOptions) {
    super();
  }
  forward(x: Tensor): Tensor {
    return F.maxPool3d(x, this.opts);
  }
}
export class AvgPool2d extends Layer {
  constructor(readonly opts: F.PoolOptions) {
    super();
  }
  forward(x: Tensor): Tensor {
    return F.avgPool2d(x, this.opts);
  }
}
export class AdaptiveAvgPool2d extends Layer {
  constructor(readonly outputSize: Size) {
    super();
  }
  forward(x: Tensor): Tensor {
    return F.adaptiveAvgPool2d(x, this.outputSize);
  }
}
export class AdaptiveAvgPool3d extends Layer {
  constructor(readonly outputSize: Size) {
    super();
  }
  forward(x: Tensor): Tensor {
    return F.adaptiveAvgPool3d(x, this.outputSize);
  }
}
