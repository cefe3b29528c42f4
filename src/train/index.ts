/**
 * Training loops: resumable contrastive pre-training (`pretrain`), supervised fine-tuning (`finetune`), their
 * validated configs, augmentation pipelines, mixed precision, run state (checkpoints, logs) and data parallelism.
 */
export * from './pretrain.js';
export * from './finetune.js';
export * from './finetune-recipes.js';
export * from './finetune-schedule.js';
export * from './finetune-selection.js';
export * from './finetune-checkpoint.js';
export * from './progress.js';
export * from './run-encoder.js';
export * from './run-state.js';
export * from './pretrain-drasclr.js';
export * from './distributed/index.js';
