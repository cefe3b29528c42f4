/** Activation and shape layers for Sequential. */
import { Layer } from './layer.js';
import type { Tensor } from '../tensor.js';
import * as F from '../functional.js';

export class ReLU extends Layer {
  forward(x: Tensor): Tensor {
    return x.relu();
  }
}
export class LeakyReLU extends Layer {
  /** PyTorch's default slope 0.01 */
  constructor(readonly negativeSlope = 0.01) {
    super();
  }
  forward(x: Tensor): Tensor {
    return F.leakyRelu(x, this.negativeSlope);
  }
}
export class ELU extends Layer {
  constructor(readonly alpha = 1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return F.elu(x, this.alpha);
  }
}
export class Sigmoid extends Layer {
  forward(x: Tensor): Tensor {
    return x.sigmoid();
  }
}
export class Tanh extends Layer {
  forward(x: Tensor): Tensor {
    return x.tanh();
  }
}
export class Identity extends Layer {
  forward(x: Tensor): Tensor {
    return x;
  }
}
export class Flatten extends Layer {
  constructor(
    readonly startDim = 1,
    readonly endDim = -1,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return x.flatten(this.startDim, this.endDim);
  }
}
