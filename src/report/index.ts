/**
 * Reporting: the papers' results table (table.ts: markdown and CSV, mean (sample std) over folds, best in bold),
 * SVG/PNG plots (plot.ts: Dice vs M with error bars, t-SNE scatter), prediction overlays (overlay.ts) and the
 * self-contained HTML report (html.ts).
 */
export * from './colours.js';
export * from './svg.js';
export * from './table.js';
export * from './plot.js';
export * from './overlay.js';
export * from './html.js';
