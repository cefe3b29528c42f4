/**
 * DrasCLR's image-level outcome readouts (paper §4.2, Tables 2 and 3): the outcome table (table.ts), one readout per
 * kind of outcome (regression.ts, ordinal.ts, survival.ts) over patient folds (cross-validate.ts), scored per fold
 * (metric.ts) and reported as markdown (report.ts).
 */
export * from './table.js';
export type { FoldValue, OutcomeMetricResult } from './metric.js';
export type { OutcomeFold, OutcomeKind, OutcomeResult } from './context.js';
export * from './cross-validate.js';
export * from './report.js';
