/** DrasCLR's data pipeline (pre-processing, atlas registration, landmarks, patches) and its pre-training loop. */
export * from './components.js';
export * from './config.js';
export * from './geometry.js';
export * from './landmarks.js';
export * from './lung-mask.js';
export * from './patches.js';
export * from './prepare.js';
export * from './preprocess.js';
export * from './pretrain.js';
export * from './registration.js';
export * from './run.js';
export * from './downstream/embed.js';
export * from './downstream/outcomes.js';
export * from './evaluate-outcomes.js';
export * from './downstream/patch-labels.js';
export * from './downstream/patch-classifier.js';
export * from './downstream/dense-prediction.js';
