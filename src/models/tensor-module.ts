import type { nn, Tensor } from '../engine/index.js';

/** A module whose forward maps one tensor to one tensor. */
export interface TensorModule extends nn.Module {
  forward(x: Tensor): Tensor;
}
