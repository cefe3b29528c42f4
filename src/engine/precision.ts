/** The training loops' precision option: 'fp32', or 'bf16-mixed' (autocast forward, float32 master weights). */
import { autocast } from './index.js';

export type Precision = 'fp32' | 'bf16-mixed';

/** Runs a forward pass in the run's precision. */
export function autocastScope<T>(precision: Precision, fn: () => T): T {
  return autocast({ dtype: 'bfloat16', enabled: precision === 'bf16-mixed' }, fn);
}
