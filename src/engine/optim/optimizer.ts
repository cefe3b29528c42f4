/**
 * Optimiser base: parameter groups with per-group hyper-parameters, per-parameter state tensors, and a state dict
 * for exact resume. Updates run under noGrad in a tidy scope.
 */
import type { Tensor } from '../tensor.js';
import { keep, tidy } from '../scope.js';
import { noGrad } from '../autograd.js';

export type ParamGroupInput<H> = { params: Tensor[] } & Partial<H>;
export type ParamGroup<H> = { params: Tensor[] } & H;

/** Serialisable optimiser state: tensors by "group.param.name", numbers and hyper-parameters as JSON. */
export interface OptimizerState {
  tensors: Map<string, Tensor>;
  json: { groups: Record<string, unknown>[]; scalars: Record<string, number> };
}

export abstract class Optimizer<H extends { lr: number }> {
  readonly groups: ParamGroup<H>[];
  /** per-parameter state tensors, keyed by name (e.g. "momentum_buffer", "exp_avg") */
  protected readonly state = new Map<Tensor, Map<string, Tensor>>();
  /** per-parameter step counts (Adam) */
  protected readonly steps = new Map<Tensor, number>();

  constructor(params: Tensor[] | ParamGroupInput<H>[], defaults: H) {
    const groups: ParamGroupInput<H>[] =
      params.length > 0 && !isGroup(params[0])
        ? [{ params: params as Tensor[] } as ParamGroupInput<H>]
        : (params as ParamGroupInput<H>[]);
    if (groups.length === 0 || groups.every((g) => g.params.length === 0)) {
      throw new RangeError('optimizer: got an empty parameter list');
    }
    const seen = new Set<Tensor>();
    for (const g of groups) {
      for (const p of g.params) {
        if (seen.has(p)) throw new RangeError('optimizer: a parameter appears in more than one group');
        seen.add(p);
      }
    }
    this.groups = groups.map((g) => ({ ...defaults, ...g }) as ParamGroup<H>);
  }

  /** Applies one update from the parameters' current gradients (parameters without a gradient are skipped). */
  step(): void {
    noGrad(() =>
      tidy(() => {
        for (const g of this.groups) {
          for (const p of g.params) {
            const grad = p.grad;
            if (grad === null) continue;
            this.update(p, grad, g);
          }
        }
      }),
    );
  }

  protected abstract update(p: Tensor, grad: Tensor, group: ParamGroup<H>): void;

  /** A state tensor of a parameter, created by `init` on first use (kept alive across steps). */
  protected stateOf(p: Tensor, name: string, init: () => Tensor): Tensor {
    let s = this.state.get(p);
    if (!s) this.state.set(p, (s = new Map()));
    let t = s.get(name);
    if (!t) {
      t = keep(init());
      s.set(name, t);
    }
    return t;
  }

  zeroGrad(): void {
    for (const g of this.groups) for (const p of g.params) p.grad = null;
  }

  /** Sets the learning rate of every group (schedulers call this). */
  setLr(lr: number | number[]): void {
    this.groups.forEach((g, i) => {
      g.lr = typeof lr === 'number' ? lr : lr[i]!;
    });
  }

  stateDict(): OptimizerState {
    const tensors = new Map<string, Tensor>();
    const scalars: Record<string, number> = {};
    this.groups.forEach((g, gi) =>
      g.params.forEach((p, pi) => {
        for (const [name, t] of this.state.get(p) ?? []) tensors.set(`${gi}.${pi}.${name}`, t);
        const s = this.steps.get(p);
        if (s !== undefined) scalars[`${gi}.${pi}.step`] = s;
      }),
    );
    const groups = this.groups.map(({ params: _params, ...h }) => h as Record<string, unknown>);
    return { tensors, json: { groups, scalars } };
  }

  loadStateDict(sd: OptimizerState): void {
    if (sd.json.groups.length !== this.groups.length) {
      throw new Error(`optimizer state: ${sd.json.groups.length} groups saved, ${this.groups.length} in the optimizer`);
    }
    this.groups.forEach((g, gi) => Object.assign(g, sd.json.groups[gi]));
    noGrad(() => {
      for (const [key, t] of sd.tensors) {
        const [gi, pi, ...rest] = key.split('.');
        const p = this.groups[Number(gi)]?.params[Number(pi)];
        if (!p) throw new Error(`optimizer state: ${key} names no parameter`);
        const name = rest.join('.');
        if (t.shape.join(',') !== p.shape.join(',') && name !== 'step') {
          throw new Error(
            `optimizer state: ${key} has shape [${t.shape.join(', ')}], parameter has [${p.shape.join(', ')}]`,
          );
        }
        // state lives with its parameter: a checkpoint's CPU tensors land on the parameter's device
        const own = this.stateOf(p, name, () => t.to({ device: p.device, copy: true }));
        if (own !== t) own.copy_(t);
      }
      for (const [key, v] of Object.entries(sd.json.scalars)) {
        const [gi, pi] = key.split('.');
        const p = this.groups[Number(gi)]?.params[Number(pi)];
        if (!p) throw new Error(`optimizer state: ${key} names no parameter`);
        this.steps.set(p, v);
      }
    });
  }
}

function isGroup(x: unknown): boolean {
  return typeof x === 'object' && x !== null && 'params' in x && Array.isArray((x as { params: unknown }).params);
}
