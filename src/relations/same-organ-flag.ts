import type { RelationMask } from './mask.js';
import { maskFromPredicate } from './mask.js';
import { requireField, type SampleMeta } from './meta.js';

/**
 * PolyCL-O as an in-batch relation: slices with the same "contains the organ" flag are positives, from any scan
 * (needs `organFlag` on every sample). The triplet form of PolyCL-O is samplers/polycl-triplets.ts.
 */
export function sameOrganFlagRelation(samples: readonly SampleMeta[]): RelationMask {
  const f = samples.map((_, i) => {
    const v = requireField('sameOrganFlagRelation', samples, i, 'organFlag');
    if (typeof v !== 'boolean')
      throw new Error(`sameOrganFlagRelation: samples[${i}].organFlag: expected a boolean, got ${JSON.stringify(v)}`);
    return v;
  });
  return maskFromPredicate(samples.length, (i, j) => f[i] === f[j]);
}
