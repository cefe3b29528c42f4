/**
 * Reading a queue's checkpointed state back: each entry by name, checked against the shape the queue has, and a
 * pointer checked to lie in [0, size). Errors name the owner (`LabelledQueue.loadStateDict`) and the entry.
 */
import type { Tensor } from '../engine/index.js';

export type StateDict = Map<string, Tensor> | Record<string, Tensor>;

/** The entries of a state dict, by name, with their expected shapes. */
export class StateReader {
  private readonly src: Map<string, Tensor>;

  /** `owner`: who reads (for messages); `holder`: what the shapes belong to ('the queue', 'the banks') */
  constructor(
    private readonly owner: string,
    private readonly holder: string,
    sd: StateDict,
  ) {
    this.src = sd instanceof Map ? sd : new Map(Object.entries(sd));
  }

  /** the entry `name`, which must have `shape` (any shape when not given) */
  get(name: string, shape?: readonly number[]): Tensor {
    const t = this.src.get(name);
    if (!t) throw new Error(`${this.owner}: missing "${name}"`);
    if (shape && t.shape.join(',') !== shape.join(','))
      throw new RangeError(
        `${this.owner}: "${name}" has shape [${t.shape.join(', ')}], ${this.holder} [${shape.join(', ')}]`,
      );
    return t;
  }

  /** a ring pointer `p` (named `what` in messages) checked to lie in [0, size) */
  pointer(p: number, size: number, what: string): number {
    if (!Number.isInteger(p) || p < 0 || p >= size)
      throw new RangeError(`${this.owner}: ${what} ${p} outside [0, ${size})`);
    return p;
  }
}
