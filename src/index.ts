/**
 * medcl's public API: everything a user needs from one import.
 *
 * ```ts
 * import { tensor, tidy, nn, optim, F, readImage, loadManifest, pretrain, runExperiment, getMethod } from 'medcl';
 * ```
 *
 * Each area is also a subpath with its own names (`medcl/engine`, `medcl/io`, `medcl/preprocess`,
 * `medcl/transforms`, `medcl/relations`, `medcl/samplers`, `medcl/losses`, `medcl/queues`, `medcl/models`,
 * `medcl/methods`, `medcl/train`, `medcl/eval`, `medcl/report`, `medcl/experiment`, `medcl/data`, `medcl/phantoms`,
 * `medcl/export`). Where two areas use one name for different things, this index exports one under the bare name
 * and the other under a qualified name (both keep their bare names on their subpaths):
 *
 * | bare name here                                     | the other one                                             |
 * | -------------------------------------------------- | --------------------------------------------------------- |
 * | `applyAffine` (transforms: to an image batch)      | `applyVoxelAffine` (io: an affine matrix to a voxel index) |
 * | `Batch` (transforms: image + label tensors)        | `SamplerBatch` (samplers: `Batch<T>`, one batch of an epoch) |
 * | `VerdictOptions` (eval: `verdictTable`)            | `ExperimentVerdictOptions` (experiment: `experimentVerdict`) |
 */
export * from './engine/index.js';
export * from './io/index.js';
export * from './preprocess/index.js';
export * from './transforms/index.js';
export * from './relations/index.js';
export * from './samplers/index.js';
export * from './losses/index.js';
export * from './queues/index.js';
export * from './models/index.js';
export * from './methods/index.js';
export * from './train/index.js';
export * from './eval/index.js';
export * from './report/index.js';
export * from './experiment/index.js';
export * from './data/index.js';
export * from './phantoms/index.js';
export * from './export/index.js';
export { Rng } from './util/rng.js';

// The same thing exported by two areas: one binding.
export { GCL_PARTITIONS } from './preprocess/index.js';
export type { ViewLayout } from './transforms/index.js';
export type { SegmentationModelName } from './models/index.js';

// Different things under one name (see the table above).
export { applyAffine } from './transforms/index.js';
export { applyAffine as applyVoxelAffine } from './io/index.js';
export type { Batch } from './transforms/index.js';
export type { Batch as SamplerBatch } from './samplers/index.js';
export type { VerdictOptions } from './eval/index.js';
export type { VerdictOptions as ExperimentVerdictOptions } from './experiment/index.js';
