import { compareIds, type Fold } from './kfold.js';
import { protocolRng } from './seed.js';

/**
 * The inner validation split (docs/protocol.md §2): a part of a fold's TRAINING patients held out to choose the
 * checkpoint (best epoch), so the test fold is never used for model selection (the reference code selected on the
 * test fold). By patient, a fraction (default 0.2, rounded, at least one patient and at least one left to train),
 * drawn with the protocol stream 'inner-split' of the fold.
 *
 * Use with budgets: `drawBudgets(fold, { ..., exclude: inner.validation })` draws the M labelled training patients
 * from the rest, so validation and training labels are disjoint and M counts training labels only. The validation
 * labels come on top of M (as a fixed labelled validation set does in the papers' protocols); report their number
 * with the results.
 *
 * The size is `count` patients when given, else round(fraction × training patients); either way at least
 * `minValidation` and at least one patient left to train on.
 */

export interface InnerSplitOptions {
  seed: number;
  /** fraction of the fold's training patients held out (default 0.2) */
  fraction?: number;
  /** exactly this many validation patients (instead of `fraction`) */
  count?: number;
  /** at least this many validation patients (default 1) */
  minValidation?: number;
}

export interface InnerSplit {
  fold: number;
  /** training patients left for fitting (sorted) */
  train: string[];
  /** held-out patients for checkpoint selection (sorted); never in the fold's test part */
  validation: string[];
}

export function innerSplit(fold: Fold, options: InnerSplitOptions): InnerSplit {
  const fraction = options.fraction ?? 0.2;
  const minValidation = options.minValidation ?? 1;
  if (!(fraction > 0 && fraction < 1)) throw new Error(`innerSplit: fraction must be in (0, 1), got ${fraction}`);
  if (!Number.isInteger(minValidation) || minValidation < 1) {
    throw new Error(`innerSplit: minValidation must be a positive integer, got ${minValidation}`);
  }
  const test = new Set(fold.test);
  for (const p of fold.train) {
    if (test.has(p))
      throw new Error(`innerSplit: fold ${fold.index}: patient ${JSON.stringify(p)} is in train and test`);
  }
  if (options.count !== undefined && !(Number.isInteger(options.count) && options.count >= 1)) {
    throw new Error(`innerSplit: count must be a positive integer, got ${options.count}`);
  }
  const n = fold.train.length;
  const nVal = Math.max(minValidation, options.count ?? Math.round(fraction * n));
  if (nVal >= n) {
    throw new Error(
      `innerSplit: fold ${fold.index} has ${n} training patients: cannot hold out ${nVal} for validation ` +
        `and keep at least one for training`,
    );
  }
  const order = protocolRng(options.seed, 'inner-split', fold.index).shuffle(fold.train.slice().sort(compareIds));
  return {
    fold: fold.index,
    validation: order.slice(0, nVal).sort(compareIds),
    train: order.slice(nVal).sort(compareIds),
  };
}
