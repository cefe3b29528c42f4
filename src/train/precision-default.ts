/**
 * The precision's names as src/drasclr imports them; everything lives in precision.ts (delete this file once
 * src/drasclr imports from there).
 */
export { describePrecision, resolvePrecision, type Precision, type PrecisionSetting } from './precision.js';
