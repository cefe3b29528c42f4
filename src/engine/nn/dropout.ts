import { Layer } from './layer.js';
import type { Tensor } from '../tensor.js';
import * as F from '../functional.js';

/** Element dropout in training mode; identity in eval mode. Draws from the global generator (manualSeed). */
export class Dropout extends Layer {
  constructor(readonly p = 0.5) {
    super();
    if (p < 0 || p > 1) throw new RangeError(`Dropout: p must be in [0, 1], got ${p}`);
  }
  forward(x: Tensor): Tensor {
    return this.training && this.p > 0 ? F.dropout(x, this.p, true) : x;
  }
}

/** Channel dropout (Dropout2d / Dropout3d). */
export class FeatureDropout extends Layer {
  constructor(readonly p = 0.5) {
    super();
    if (p < 0 || p > 1) throw new RangeError(`FeatureDropout: p must be in [0, 1], got ${p}`);
  }
  forward(x: Tensor): Tensor {
    return this.training && this.p > 0 ? F.featureDropout(x, this.p, true) : x;
  }
}
