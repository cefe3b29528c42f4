/**
 * Paired differences per test case: a method's cell (method, M, fold) and the baseline's cell with the same (M, fold)
 * scored the same test cases, so each case gives one difference method − baseline. Pairing removes the case-to-case
 * spread (easy and hard volumes) that both methods share, which an unpaired comparison of means keeps as noise.
 * By default every method is compared with one baseline; `pairs` gives each compared method its own (a transfer row
 * against the same method's semi-supervised row, an ablation against the row it changes).
 */
import { compareBudgets, type Budget } from '../protocol/budget.js';

export type VerdictMetric = 'meanDice' | 'meanHd95';

/** one test case of a cell, as in results.jsonl (null: the case has no value, e.g. every class excluded) */
export interface VerdictCase {
  case: string;
  patient: string;
  meanDice: number | null;
  meanHd95?: number | null;
}

/** the part of a results.jsonl record the verdict reads */
export interface VerdictRecord {
  method: string;
  M: Budget;
  fold: number;
  cases: readonly VerdictCase[];
}

/** one comparison: `method` − `baseline` */
export interface MethodPair {
  method: string;
  baseline: string;
}

export interface PairingOptions {
  /** the method every other method is compared with (default 'random'); ignored where `pairs` is given */
  baseline?: string;
  /** exactly these comparisons, each against its own baseline, instead of every method against `baseline` */
  pairs?: readonly MethodPair[];
  /** the per-case value compared (default 'meanDice') */
  metric?: VerdictMetric;
}

/** one matched test case */
export interface PairedCase {
  fold: number;
  case: string;
  patient: string;
}

export interface PairedDifferences {
  method: string;
  /** the row it is compared with */
  baseline: string;
  M: Budget;
  /** the matched cases with a value on both sides, sorted by (fold, case) */
  cases: PairedCase[];
  /** method − baseline, one per entry of `cases` */
  diffs: Float64Array;
  /** the fold of each entry of `cases` (the bootstrap's strata) */
  folds: Int32Array;
  /** cases of the method's cells with no partner in the baseline's cells (skipped) */
  onlyMethod: number;
  /** cases of the baseline's cells with no partner in the method's cells (skipped) */
  onlyBaseline: number;
  /** matched cases skipped because the value is missing (null or absent) on either side */
  missingValue: number;
}

type Cells = Map<string, Map<string, Map<number, VerdictRecord>>>; // method -> M -> fold -> record

/**
 * For every method ≠ baseline (or every entry of `pairs`) and every M the method has: the per-case differences to
 * its baseline, matched on (fold, M, case). Comparisons come in order of the methods' first appearance (or of
 * `pairs`), M ascending ('all' last). Throws on duplicate cells, cases or pairs, on a case whose patient differs
 * between the two cells, on a non-finite value, when a baseline or a paired method has no records, and when a
 * method × M has no usable matched case.
 */
export function pairDifferences(records: readonly VerdictRecord[], options: PairingOptions = {}): PairedDifferences[] {
  const metric = options.metric ?? 'meanDice';
  const cells = indexCells(records);
  const out: PairedDifferences[] = [];
  for (const { method, baseline } of comparisons(cells, options)) {
    const byM = cells.get(method);
    const base = cells.get(baseline);
    if (!base) throw new Error(`pairDifferences: no records of the baseline method '${baseline}'`);
    if (!byM) throw new Error(`pairDifferences: no records of the method '${method}' (paired with '${baseline}')`);
    const budgets = [...byM.values()].map((folds) => [...folds.values()][0]!.M).sort(compareBudgets);
    for (const M of budgets) {
      const paired = pairCell(method, baseline, M, byM.get(String(M))!, base.get(String(M)), metric);
      if (paired.cases.length === 0)
        throw new Error(
          `pairDifferences: ${method} at M=${M} has no test case matched with ${baseline} ` +
            `(${paired.onlyMethod} only in ${method}, ${paired.onlyBaseline} only in ${baseline}, ` +
            `${paired.missingValue} without a ${metric} value)`,
        );
      out.push(paired);
    }
  }
  return out;
}

/** `pairs` as given (checked), or every method other than the baseline against it */
function comparisons(cells: Cells, options: PairingOptions): MethodPair[] {
  if (!options.pairs) {
    const baseline = options.baseline ?? 'random';
    return [...cells.keys()].filter((m) => m !== baseline).map((method) => ({ method, baseline }));
  }
  const seen = new Set<string>();
  for (const { method, baseline } of options.pairs) {
    const key = JSON.stringify([method, baseline]);
    if (method === baseline) throw new Error(`pairDifferences: '${method}' is paired with itself`);
    if (seen.has(key)) throw new Error(`pairDifferences: the pair ${method} − ${baseline} is given twice`);
    seen.add(key);
  }
  return [...options.pairs];
}

function indexCells(records: readonly VerdictRecord[]): Cells {
  const cells: Cells = new Map();
  for (const r of records) {
    let byM = cells.get(r.method);
    if (!byM) cells.set(r.method, (byM = new Map()));
    let byFold = byM.get(String(r.M));
    if (!byFold) byM.set(String(r.M), (byFold = new Map()));
    if (byFold.has(r.fold)) throw new Error(`pairDifferences: two records for ${r.method} at M=${r.M}, fold ${r.fold}`);
    byFold.set(r.fold, r);
  }
  return cells;
}

function caseMap(r: VerdictRecord): Map<string, VerdictCase> {
  const m = new Map<string, VerdictCase>();
  for (const c of r.cases) {
    if (m.has(c.case))
      throw new Error(`pairDifferences: case '${c.case}' twice in ${r.method} at M=${r.M}, fold ${r.fold}`);
    m.set(c.case, c);
  }
  return m;
}

function valueOf(c: VerdictCase, metric: VerdictMetric, r: VerdictRecord): number | null {
  const v = c[metric];
  if (v === null || v === undefined) return null;
  if (!Number.isFinite(v))
    throw new Error(`pairDifferences: ${metric} of case '${c.case}' (${r.method}, M=${r.M}, fold ${r.fold}) is ${v}`);
  return v;
}

function pairCell(
  method: string,
  baseline: string,
  M: Budget,
  mine: Map<number, VerdictRecord>,
  theirs: Map<number, VerdictRecord> | undefined,
  metric: VerdictMetric,
): PairedDifferences {
  const rows: { c: PairedCase; d: number }[] = [];
  let onlyMethod = 0;
  let onlyBaseline = 0;
  let missingValue = 0;
  const folds = new Set([...mine.keys(), ...(theirs?.keys() ?? [])]);
  for (const fold of folds) {
    const a = mine.get(fold);
    const b = theirs?.get(fold);
    const ca = a ? caseMap(a) : new Map<string, VerdictCase>();
    const cb = b ? caseMap(b) : new Map<string, VerdictCase>();
    for (const id of cb.keys()) if (!ca.has(id)) onlyBaseline++;
    for (const [id, x] of ca) {
      const y = cb.get(id);
      if (!y) {
        onlyMethod++;
        continue;
      }
      if (x.patient !== y.patient)
        throw new Error(
          `pairDifferences: case '${id}' (M=${M}, fold ${fold}) belongs to patient '${x.patient}' in ${method} ` +
            `but '${y.patient}' in ${b!.method}`,
        );
      const vx = valueOf(x, metric, a!);
      const vy = valueOf(y, metric, b!);
      if (vx === null || vy === null) missingValue++;
      else rows.push({ c: { fold, case: id, patient: x.patient }, d: vx - vy });
    }
  }
  // a fixed order (fold, then case id by code units), so the bootstrap's draws do not depend on the input order
  rows.sort((p, q) => p.c.fold - q.c.fold || (p.c.case < q.c.case ? -1 : p.c.case > q.c.case ? 1 : 0));
  return {
    method,
    baseline,
    M,
    cases: rows.map((r) => r.c),
    diffs: Float64Array.from(rows, (r) => r.d),
    folds: Int32Array.from(rows, (r) => r.c.fold),
    onlyMethod,
    onlyBaseline,
    missingValue,
  };
}
