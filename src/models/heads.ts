/** Projection heads g(·) mapping encoder features to the contrastive embedding space. */
import { nn, F, type Tensor } from '../engine/index.js';

/**
 * Global average pool, then a 2-layer MLP (SimCLR/MoCo-v2): Linear(in, hidden) -> ReLU -> Linear(hidden, out).
 * The engine benchmark's head is 256 -> 256 -> 128.
 */
export class MLPHead extends nn.Module {
  readonly fc1: nn.Linear;
  readonly fc2: nn.Linear;
  constructor(inFeatures: number, hidden = 256, out = 128) {
    super();
    this.fc1 = this.registerModule('fc1', new nn.Linear(inFeatures, hidden));
    this.fc2 = this.registerModule('fc2', new nn.Linear(hidden, out));
  }
  forward(features: Tensor): Tensor {
    const pooled = features.ndim > 2 ? features.mean(features.shape.slice(2).map((_, i) => i + 2)) : features;
    const h = this.fc1.forward(pooled);
    if (pooled !== features) pooled.dispose();
    const y = this.fc2.forward(F.activation_('relu', h));
    h.dispose();
    return y;
  }
}

/** PolyCL's head: global average pool and one linear layer (256-d). */
export class LinearHead extends nn.Module {
  readonly fc: nn.Linear;
  constructor(inFeatures: number, out = 256) {
    super();
    this.fc = this.registerModule('fc', new nn.Linear(inFeatures, out));
  }
  forward(features: Tensor): Tensor {
    const pooled = features.ndim > 2 ? features.mean(features.shape.slice(2).map((_, i) => i + 2)) : features;
    const y = this.fc.forward(pooled);
    if (pooled !== features) pooled.dispose();
    return y;
  }
}
