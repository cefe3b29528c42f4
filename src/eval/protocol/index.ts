/**
 * The evaluation protocol (docs/protocol.md): k-fold splits over patients written to a splits file (kfold.ts), nested
 * label budgets M drawn from each fold's training part (budget.ts), an inner validation split for checkpoint
 * selection (inner-split.ts), and the semi-supervised / transfer settings (settings.ts). All draws are seeded
 * (seed.ts) and independent of input order.
 *
 * Typical use for one fold:
 *   const splits = await loadOrCreateSplits('runs/chd/splits.json', [...manifest.patients.keys()], { seed: 0 });
 *   const fold = getFold(splits, f);
 *   const inner = innerSplit(fold, { seed: 0 });
 *   const budgets = drawBudgets(fold, { budgets: [2, 6, 10, 'all'], seed: 0, exclude: inner.validation });
 */
export * from './seed.js';
export * from './kfold.js';
export * from './budget.js';
export * from './inner-split.js';
export * from './settings.js';
export * from './patient-folds.js';
