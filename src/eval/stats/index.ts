/**
 * Statistics of the verdict against the baseline (docs/statistics.md): paired per-case differences, a
 * fold-stratified percentile bootstrap of their mean, Holm's correction over method × M comparisons.
 *
 *   const table = verdictTable(readRecords('runs/x/results.jsonl'), { baseline: 'random', metric: 'meanDice' });
 *   verdictMarkdown(table, { metricLabel: 'Dice' }); // markdown table and a note
 *   verdictSentence(table); // "pcl helped at M=1 (Δ +0.083, Holm 95% CI [0.041, 0.126])."
 */
export * from './paired.js';
export * from './bootstrap.js';
export * from './holm.js';
export * from './verdict.js';
