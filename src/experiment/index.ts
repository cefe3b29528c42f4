/**
 * Experiments: methods × label budgets × folds from one validated config (`runExperiment`), resumable, with records,
 * verdict and report; the DrasCLR ablation; the demo.
 */
export * from './config.js';
export * from './experiment.js';
export * from './plan.js';
export * from './architecture.js';
export * from './label-sets.js';
export * from './records.js';
export * from './verdict.js';
export * from './report.js';
export * from './captions.js';
export * from './drasclr-ablation.js';
export * from './demo.js';
export * from './demo-drasclr.js';
export * from './evaluate-drasclr.js';
