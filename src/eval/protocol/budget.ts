import { compareIds, type Fold } from './kfold.js';
import { protocolRng } from './seed.js';

/**
 * Label budgets (docs/protocol.md §2): for each fold, M labelled patients (PCL counts volumes/patients) or images
 * (CL-TCI counts images) drawn with a seeded RNG from the fold's TRAINING part only; 'all' takes the whole pool.
 *
 * Nested draws: the pool is sorted, permuted once per fold (protocol stream 'budget', fold index), and the M-set is
 * the first M of that permutation, so the M = 10 set is a subset of the M = 20 set and a label-budget curve changes
 * one thing at a time (more labels), not the draw. The permutation depends on the seed, the fold and the pool only,
 * so asking for more budgets later does not change the earlier sets.
 *
 * `exclude` removes ids from the pool first (typically the inner validation patients of inner-split.ts, so that the
 * checkpoint is not chosen on the images it was trained on); M then counts training labels only.
 */

export type Budget = number | 'all';
export type BudgetUnit = 'patient' | 'image';

/** a labelled image and its patient (for unit 'image') */
export interface LabelledImage {
  id: string;
  patient: string;
}

export interface BudgetOptions {
  budgets: readonly Budget[];
  seed: number;
  /** what M counts (default 'patient') */
  unit?: BudgetUnit;
  /** unit 'image': the labelled images, each with its patient; those of training patients form the pool */
  images?: readonly LabelledImage[];
  /** patient ids left out of the pool (e.g. the inner validation patients); must be training patients */
  exclude?: readonly string[];
}

export interface BudgetDraw {
  budget: Budget;
  /** number of labelled units drawn (M, or the pool size for 'all') */
  size: number;
  /** the drawn ids (patient ids, or image ids for unit 'image'), sorted */
  ids: string[];
  /** the patients the drawn ids belong to, sorted */
  patients: string[];
}

export interface FoldBudgets {
  fold: number;
  unit: BudgetUnit;
  /** the pool the draws come from (sorted) */
  pool: string[];
  draws: BudgetDraw[];
}

/** Draws every budget of `options.budgets` for one fold. */
export function drawBudgets(fold: Fold, options: BudgetOptions): FoldBudgets {
  const unit = options.unit ?? 'patient';
  const train = new Set(fold.train);
  const test = new Set(fold.test);
  const exclude = new Set(options.exclude ?? []);
  for (const p of exclude) {
    if (!train.has(p)) {
      throw new Error(`drawBudgets: exclude: ${JSON.stringify(p)} is not a training patient of fold ${fold.index}`);
    }
  }
  const patients = fold.train.filter((p) => !exclude.has(p));

  // pool id -> patient
  const owner = new Map<string, string>();
  if (unit === 'patient') {
    if (options.images) throw new Error(`drawBudgets: images are only used with unit 'image'`);
    for (const p of patients) owner.set(p, p);
  } else if (unit === 'image') {
    if (!options.images) throw new Error(`drawBudgets: unit 'image' needs the labelled images (option images)`);
    const all = new Set<string>();
    options.images.forEach((im, i) => {
      if (typeof im.id !== 'string' || im.id === '') throw new Error(`drawBudgets: images[${i}].id: empty`);
      if (all.has(im.id)) throw new Error(`drawBudgets: images[${i}].id: duplicate id ${JSON.stringify(im.id)}`);
      all.add(im.id);
      if (!train.has(im.patient) && !test.has(im.patient)) {
        throw new Error(
          `drawBudgets: images[${i}].patient: ${JSON.stringify(im.patient)} is in no fold (splits for another data set?)`,
        );
      }
      if (train.has(im.patient) && !exclude.has(im.patient)) owner.set(im.id, im.patient);
    });
  } else {
    throw new Error(`drawBudgets: unit must be 'patient' or 'image', got ${JSON.stringify(unit)}`);
  }
  const pool = [...owner.keys()].sort(compareIds);
  const what = unit === 'patient' ? 'training patients' : 'labelled training images';
  const after = exclude.size > 0 ? ` (after leaving out ${exclude.size} validation patients)` : '';

  const seen = new Set<string>();
  for (const b of options.budgets) {
    const key = String(b);
    if (seen.has(key)) throw new Error(`drawBudgets: budget ${key} is listed twice`);
    seen.add(key);
    if (b === 'all') continue;
    if (!Number.isInteger(b) || b < 1) {
      throw new Error(`drawBudgets: budget must be a positive integer or 'all', got ${JSON.stringify(b)}`);
    }
    if (b > pool.length) {
      throw new Error(`drawBudgets: budget M = ${b} exceeds the ${pool.length} ${what} of fold ${fold.index}${after}`);
    }
  }
  if (pool.length === 0) throw new Error(`drawBudgets: fold ${fold.index} has no ${what}${after}`);

  const order = protocolRng(options.seed, 'budget', fold.index).shuffle(pool.slice());
  const draws = options.budgets.map((b): BudgetDraw => {
    const size = b === 'all' ? pool.length : b;
    const ids = order.slice(0, size).sort(compareIds);
    const pats = [...new Set(ids.map((id) => owner.get(id)!))].sort(compareIds);
    return { budget: b, size, ids, patients: pats };
  });
  return { fold: fold.index, unit, pool, draws };
}

/** 'all' last, numbers ascending: the column order of tables and plots */
export function compareBudgets(a: Budget, b: Budget): number {
  if (a === b) return 0;
  if (a === 'all') return 1;
  if (b === 'all') return -1;
  return a - b;
}

/** parses "10", "all" (CLI / CSV input) into a Budget, with a clear error */
export function parseBudget(text: string | number, field = 'M'): Budget {
  if (text === 'all') return 'all';
  const n = typeof text === 'number' ? text : /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`${field}: expected a positive integer or "all", got ${JSON.stringify(text)}`);
  return n;
}
