/**
 * Mixed precision: inside `autocast({dtype}, fn)` libtorch runs convolutions, matmuls and linear layers in the lower
 * precision and keeps precision-sensitive ops (softmax, log-softmax, losses, normalisation statistics, reductions)
 * in float32, exactly as `torch.autocast`. Parameters (master weights) and optimiser state stay float32.
 * Run the backward pass outside the scope, as PyTorch recommends.
 */
import { N } from './native.js';

export type AutocastDtype = 'bfloat16' | 'float16';

export function autocast<T>(
  opts: { dtype?: AutocastDtype; device?: 'cpu' | 'cuda'; enabled?: boolean },
  fn: () => T,
): T {
  if (opts.enabled === false) return fn();
  const device = opts.device ?? 'cpu';
  const prev = N.isAutocastEnabled(device) as boolean;
  N.setAutocast(device, true, opts.dtype ?? 'bfloat16');
  N.autocastEnter();
  try {
    const r = fn();
    if (r instanceof Promise) throw new Error('autocast: fn must be synchronous');
    return r;
  } finally {
    N.autocastExit();
    N.setAutocast(device, prev, opts.dtype ?? 'bfloat16');
  }
}

export function isAutocastEnabled(device: 'cpu' | 'cuda' = 'cpu'): boolean {
  return N.isAutocastEnabled(device) as boolean;
}
