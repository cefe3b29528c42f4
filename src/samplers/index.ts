export * from './sampler.js';
export * from './slices.js';
export * from './random.js';
export * from './patient-grouped.js';
export * from './across-volumes.js';
export * from './polycl-triplets.js';
export * from './landmark-batches.js';
export * from './distributed.js';
