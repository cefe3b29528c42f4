/** Data sets built from manifests: 2D slice data sets for the presets, their preprocessing, inspection. */
export * from './slice-dataset.js';
export * from './preset-preprocess.js';
export * from './inspect.js';
export * from './left-right.js';
export * from './label-check.js';
export * from './landmark-patches.js';
export * from './landmark-prepare.js';
export * from './landmark-scan.js';
export * from './patch-labels.js';
export * from './volume-info.js';
