import { identityRelation } from './identity.js';
import type { RelationMask } from './mask.js';
import type { SampleMeta } from './meta.js';
import { positionRelation, type PositionRelationOptions } from './position.js';
import { sameLabelRelation } from './same-label.js';
import { sameOrganFlagRelation } from './same-organ-flag.js';
import { samePartitionRelation, type SamePartitionRelationOptions } from './same-partition.js';
import { samePatientRelation } from './same-patient.js';

export * from './mask.js';
export * from './meta.js';
export * from './expand.js';
export { identityRelation } from './identity.js';
export { samePatientRelation } from './same-patient.js';
export { sameLabelRelation } from './same-label.js';
export { sameOrganFlagRelation } from './same-organ-flag.js';
export * from './position.js';
export * from './same-partition.js';
export * from './landmark-neighbours.js';

/** options any registered relation may take (each reads only its own) */
export type RelationOptions = PositionRelationOptions & SamePartitionRelationOptions;

export type Relation = (samples: readonly SampleMeta[], options?: RelationOptions) => RelationMask;

/** relations by name, as methods and configs refer to them (docs/methods.md §1) */
export const relations = {
  identity: identityRelation,
  samePatient: samePatientRelation,
  position: positionRelation,
  samePartition: samePartitionRelation,
  sameLabel: sameLabelRelation,
  sameOrganFlag: sameOrganFlagRelation,
} as const satisfies Record<string, Relation>;

export type RelationName = keyof typeof relations;

export const relationNames = Object.keys(relations) as RelationName[];

export function isRelationName(name: string): name is RelationName {
  return Object.prototype.hasOwnProperty.call(relations, name);
}

/** the relation registered under `name`; throws listing the known names otherwise */
export function getRelation(name: string): Relation {
  if (!isRelationName(name)) throw new Error(`relation: unknown name "${name}"; known: ${relationNames.join(', ')}`);
  return relations[name];
}
