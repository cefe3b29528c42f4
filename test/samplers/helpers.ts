import type { Batch } from '../../src/samplers/sampler.js';

/** how many times each key appears over all batches */
export function counts<T>(batches: readonly Batch<T>[], key: (t: T) => string | number): Map<string | number, number> {
  const m = new Map<string | number, number>();
  for (const b of batches) for (const t of b.items) m.set(key(t), (m.get(key(t)) ?? 0) + 1);
  return m;
}
