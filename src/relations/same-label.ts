import type { RelationMask } from './mask.js';
import { maskFromPredicate } from './mask.js';
import { requireField, type SampleMeta } from './meta.js';

/** Supervised oracle: samples with the same class label are positives (needs `label` on every sample). */
export function sameLabelRelation(samples: readonly SampleMeta[]): RelationMask {
  const l = samples.map((_, i) => requireField('sameLabelRelation', samples, i, 'label'));
  return maskFromPredicate(samples.length, (i, j) => l[i] === l[j]);
}
