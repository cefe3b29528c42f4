/**
 * Sliding-window dense lesion prediction with a DrasCLR patch classifier (paper §4.3.1): where windows lie in the
 * atlas (atlas-location.ts), the window grid and the fill from it (grid.ts), the windows' locations and their
 * classification (windows.ts), one scan (predict.ts), its scoring (score.ts), and a prepared scan of a run from its
 * files (item.ts).
 */
export * from './atlas-location.js';
export type { DenseFill } from './grid.js';
export { patchClassifierWindows, type WindowClassifier, type WindowLocation } from './windows.js';
export * from './predict.js';
export * from './score.js';
export * from './item.js';
