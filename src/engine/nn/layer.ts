import { Module } from './module.js';
import type { Tensor } from '../tensor.js';

/** A module mapping one tensor to one tensor (what Sequential chains). */
export abstract class Layer extends Module {
  abstract override forward(x: Tensor): Tensor;
}
