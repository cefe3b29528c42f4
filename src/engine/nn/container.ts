import { Layer } from './layer.js';
import { Module } from './module.js';
import type { Tensor } from '../tensor.js';

/** Applies layers in order; sub-modules are named "0", "1", ... as in PyTorch. */
export class Sequential extends Layer {
  readonly layers: Layer[];
  constructor(...layers: Layer[]) {
    super();
    this.layers = layers.map((l, i) => this.registerModule(String(i), l));
  }
  forward(x: Tensor): Tensor {
    let y = x;
    for (const l of this.layers) y = l.forward(y);
    return y;
  }
}

/** A list of modules registered under "0", "1", ... (no forward of its own). */
export class ModuleList<M extends Module = Module> extends Module {
  readonly items: M[] = [];
  constructor(modules: M[] = []) {
    super();
    for (const m of modules) this.push(m);
  }
  push(m: M): M {
    this.registerModule(String(this.items.length), m);
    this.items.push(m);
    return m;
  }
  get length(): number {
    return this.items.length;
  }
  at(i: number): M {
    const m = this.items[i];
    if (!m) throw new RangeError(`ModuleList: index ${i} out of range (${this.items.length})`);
    return m;
  }
  forward(): never {
    throw new Error('ModuleList has no forward; call its items');
  }
}
