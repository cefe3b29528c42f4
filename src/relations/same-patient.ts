import type { RelationMask } from './mask.js';
import { maskFromPredicate } from './mask.js';
import { requireField, type SampleMeta } from './meta.js';

/** CL-TCI: images of the same patient are positives (needs `patient` on every sample). */
export function samePatientRelation(samples: readonly SampleMeta[]): RelationMask {
  const p = samples.map((_, i) => requireField('samePatientRelation', samples, i, 'patient'));
  return maskFromPredicate(samples.length, (i, j) => p[i] === p[j]);
}
