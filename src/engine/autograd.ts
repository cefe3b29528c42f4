/** Autograd helpers: no-grad scopes and functional gradients. */
import { N, type Handle } from './native.js';
import { Tensor } from './tensor.js';

export function isGradEnabled(): boolean {
  return N.isGradEnabled() as boolean;
}

function withGradMode<T>(enabled: boolean, fn: () => T): T {
  const prev = isGradEnabled();
  N.setGradEnabled(enabled);
  try {
    const r = fn();
    if (r instanceof Promise) throw new Error('noGrad/enableGrad: fn must be synchronous');
    return r;
  } finally {
    N.setGradEnabled(prev);
  }
}

/** Runs fn with gradient recording off (inference, optimiser updates, EMA). */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}

/**
 * Gradients of `outputs` with respect to `inputs` (torch.autograd.grad). Entries are null for inputs the outputs
 * do not depend on when `allowUnused` is set.
 */
export function grad(
  outputs: Tensor | Tensor[],
  inputs: Tensor | Tensor[],
  opts: { gradOutputs?: Tensor[]; retainGraph?: boolean; createGraph?: boolean; allowUnused?: boolean } = {},
): (Tensor | null)[] {
  const outs = Array.isArray(outputs) ? outputs : [outputs];
  const ins = Array.isArray(inputs) ? inputs : [inputs];
  const r = N.autogradGrad(
    outs.map((t) => t.handle),
    ins.map((t) => t.handle),
    opts.gradOutputs ? opts.gradOutputs.map((t) => t.handle) : null,
    opts.retainGraph ?? null,
    opts.createGraph ?? false,
    opts.allowUnused ?? false,
  ) as (Handle | null)[];
  return r.map((x) => (x === null ? null : new Tensor(x)));
}
