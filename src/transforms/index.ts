/**
 * Seeded augmentations applied jointly to image + label batches, as batched tensor ops (one affineGrid +
 * gridSample per batch). Every transform takes an `Rng`, so a whole pipeline is reproducible from one seed.
 */
export * from './batch.js';
export * from './warp.js';
export * from './random-affine.js';
export * from './flip.js';
export * from './intensity.js';
export * from './elastic.js';
export * from './compose.js';
export * from './presets.js';
export * from './augment.js';
