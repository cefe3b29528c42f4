import { requireField, type SampleMeta } from './meta.js';

/** reads and checks (sliceIndex, slicesInVolume) of sample i: integers with 0 <= sliceIndex < slicesInVolume */
export function sliceGeometry(relation: string, samples: readonly SampleMeta[], i: number): { m: number; n: number } {
  const m = requireField(relation, samples, i, 'sliceIndex');
  const n = requireField(relation, samples, i, 'slicesInVolume');
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`${relation}: samples[${i}].slicesInVolume: expected an integer >= 1, got ${n}`);
  if (!Number.isInteger(m) || m < 0 || m >= n)
    throw new Error(`${relation}: samples[${i}].sliceIndex: expected an integer in [0, ${n - 1}], got ${m}`);
  return { m, n };
}
