/**
 * Mixed precision: inside `autocast({dtype}, fn)` libtorch runs the ops of its autocast lists in the lower
 * precision (convolutions, matmuls, linear layers) or in float32 (losses such as cross-entropy, NLL, MSE, BCE),
 * exactly as `torch.autocast`; ops in neither list (softmax, log-softmax, reductions, batch norm, elementwise ops)
 * run in the dtype of their inputs (libtorch 1.13). Parameters (master weights) and optimiser state stay float32.
 * `enabled: false` turns autocast off inside an enclosing scope (a loss in float32 within a bf16 forward).
 * Run the backward pass outside the scope, as PyTorch recommends.
 */
import { N } from './native.js';

export type AutocastDtype = 'bfloat16' | 'float16';
type AutocastDevice = 'cpu' | 'cuda';

// The dtype each device's autocast runs in, as set by the enclosing scopes (the addon has no getter for it).
const currentDtype: Record<AutocastDevice, AutocastDtype> = { cpu: 'bfloat16', cuda: 'bfloat16' };

export function autocast<T>(
  opts: { dtype?: AutocastDtype; device?: AutocastDevice; enabled?: boolean },
  fn: () => T,
): T {
  const device = opts.device ?? 'cpu';
  if (device !== 'cpu' && device !== 'cuda')
    throw new RangeError(`autocast: device must be "cpu" or "cuda", got ${String(device)}`);
  const enabled = opts.enabled ?? true;
  const dtype = opts.dtype ?? currentDtype[device];
  if (dtype !== 'bfloat16' && dtype !== 'float16')
    throw new RangeError(`autocast: dtype must be "bfloat16" or "float16", got ${String(dtype)}`);
  // checked before any switch moves: libtorch 1.13's CPU autocast runs bfloat16 only
  if (enabled && device === 'cpu' && dtype !== 'bfloat16')
    throw new RangeError(
      `autocast: dtype "${dtype}" is not supported on CPU (libtorch 1.13 autocasts to bfloat16 only)`,
    );
  const prevEnabled = N.isAutocastEnabled(device) as boolean;
  const prevDtype = currentDtype[device];
  N.setAutocast(device, enabled, dtype);
  currentDtype[device] = dtype;
  N.autocastEnter();
  try {
    const r = fn();
    if (r instanceof Promise) throw new Error('autocast: fn must be synchronous');
    return r;
  } finally {
    N.autocastExit();
    N.setAutocast(device, prevEnabled, prevDtype);
    currentDtype[device] = prevDtype;
  }
}

export function isAutocastEnabled(device: AutocastDevice = 'cpu'): boolean {
  return N.isAutocastEnabled(device) as boolean;
}
