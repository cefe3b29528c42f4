import type { RelationMask } from './mask.js';
import { maskFromPredicate } from './mask.js';
import type { SampleMeta } from './meta.js';

/**
 * SimCLR: a sample is positive only with itself (after expansion: only with its other augmented view).
 * If samples carry an `id`, two batch entries with the same id are the same sample drawn twice (e.g. a sampler that
 * fills its last batch) and are positives too, rather than false negatives.
 */
export function identityRelation(samples: readonly SampleMeta[]): RelationMask {
  return maskFromPredicate(samples.length, (i, j) => {
    if (i === j) return true;
    const a = samples[i]!.id;
    return a !== undefined && a === samples[j]!.id;
  });
}
