/**
 * Evaluation: segmentation metrics, the k-fold protocol over patients, statistical readouts, the paired verdict,
 * prediction on whole images, per-case evaluation, embeddings, their probes (position, neighbours) and t-SNE.
 */
export * from './metrics/index.js';
export * from './protocol/index.js';
export * from './readout/index.js';
export * from './stats/index.js';
export * from './predict.js';
export * from './embed.js';
export * from './embedding-probes.js';
export * from './tsne.js';
export * from './outcomes/index.js';
export * from './scan-outcomes.js';
export * from './patch-embed.js';
export * from './patch-cv.js';
export * from './patch-linear-readout.js';
export * from './patch-finetune.js';
export * from './patch-predict.js';
export * from './patch-finetune-cv.js';
export * from './dense/index.js';
