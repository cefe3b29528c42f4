import { compareBudgets, parseBudget, type Budget } from '../eval/protocol/budget.js';
import { mean, std } from '../eval/metrics/stats.js';
import { toCsv, type CsvValue } from '../io/csv-write.js';

/**
 * Results → the papers' table: methods as rows, label budgets M as columns, each cell `mean (std)` over folds, the
 * best mean of each column in bold (CL-TCI Table I, PCL Table 1). Optional `group` (e.g. the backbone) adds a first
 * column and the best is marked within each group, as the papers do per backbone.
 *
 * Statistics: mean over the folds present, and the SAMPLE standard deviation (divisor n - 1, numpy ddof=1, what the
 * papers' "mean(standard deviation) on 5-fold cross-validation" usually is); a cell with one fold has no std and
 * shows "–". Cells with fewer folds than the fullest cell of the table are flagged with [n=…].
 * "Best" compares the means as DISPLAYED (rounded to `digits`), so equal-looking numbers are bold together.
 */

export interface ResultRecord {
  method: string;
  M: Budget;
  fold: number;
  /** metric name → value (e.g. { dice: 0.91, hd95: 4.2 }) */
  values: Record<string, number>;
  /** optional row group, e.g. the backbone ('U-Net', 'DeepLabV3+') */
  group?: string;
}

export interface TableOptions {
  /** the metric of `values` to tabulate */
  metric: string;
  /** default true (Dice); false for distances (HD, HD95) */
  higherIsBetter?: boolean;
  /** decimals shown (default 3, as the papers) */
  digits?: number;
  /** 'plain': 0.771 (0.121) (default); 'paper': 0.771(.121), the papers' compact form */
  stdStyle?: 'plain' | 'paper';
  /** multiply values before display (e.g. 100 for percent); statistics in the table object are unscaled */
  scale?: number;
  /** row order (default: first appearance); methods listed here but absent get empty rows */
  methods?: readonly string[];
  /** column order (default: ascending, 'all' last) */
  budgets?: readonly Budget[];
  /** column header of 'all' (default 'all'); e.g. 'M = 246' */
  allLabel?: string;
  /** header of the group column (default 'Group') */
  groupLabel?: string;
}

export interface Cell {
  mean: number;
  /** sample std (n - 1); null with a single fold */
  std: number | null;
  n: number;
  /** the folds that contributed, ascending */
  folds: number[];
  best: boolean;
}

export interface TableRow {
  group?: string;
  method: string;
  cells: (Cell | null)[];
}

export interface ResultsTable {
  metric: string;
  higherIsBetter: boolean;
  budgets: Budget[];
  rows: TableRow[];
  /** the largest fold count of any cell (cells with fewer are flagged) */
  maxFolds: number;
  options: Required<Pick<TableOptions, 'digits' | 'stdStyle' | 'scale' | 'allLabel' | 'groupLabel'>>;
}

/** mean and sample std (n - 1) of the values; std null for n < 2 */
export function meanSampleStd(values: readonly number[]): { mean: number; std: number | null } {
  if (values.length === 0) throw new Error('meanSampleStd: no values');
  return { mean: mean(values), std: std(values, 'sample') };
}

/** A row being filled: its fold values per budget (keyed by `String(M)`). */
interface RowValues {
  group?: string;
  method: string;
  byBudget: Map<string, Map<number, number>>;
}

/** checks record `i` (method, group, M, fold, the metric's value); returns its budget and value */
function checkRecord(r: ResultRecord, i: number, metric: string, hasGroups: boolean): { M: Budget; v: number } {
  const where = `results[${i}]`;
  if (typeof r.method !== 'string' || r.method === '') throw new Error(`${where}.method: expected a non-empty string`);
  if (hasGroups && (typeof r.group !== 'string' || r.group === '')) {
    throw new Error(`${where}.group: some records have a group, so every record needs one`);
  }
  const M = parseBudget(r.M as string | number, `${where}.M`);
  if (!Number.isInteger(r.fold) || r.fold < 0)
    throw new Error(`${where}.fold: expected an integer >= 0, got ${r.fold}`);
  const v = r.values?.[metric];
  if (typeof v !== 'number') throw new Error(`${where}.values.${metric}: missing`);
  if (!Number.isFinite(v)) throw new Error(`${where}.values.${metric}: not a finite number (${v})`);
  return { M, v };
}

/**
 * The (group, method) rows in order of first appearance (or `methods`' order, each group's, when given: then only
 * those), each with its values by budget and fold; and every budget seen. A fold twice in a cell is an error.
 */
function collectRows(records: readonly ResultRecord[], metric: string, methods: readonly string[] | undefined) {
  const rowKey = (g: string | undefined, m: string) => JSON.stringify([g ?? null, m]);
  const rows = new Map<string, RowValues>();
  const budgetsSeen = new Map<string, Budget>();
  const hasGroups = records.some((r) => r.group !== undefined);
  if (methods) {
    const groups = hasGroups ? [...new Set(records.map((r) => r.group))] : [undefined];
    for (const g of groups) {
      for (const m of methods) rows.set(rowKey(g, m), { group: g, method: m, byBudget: new Map() });
    }
  }
  records.forEach((r, i) => {
    const { M, v } = checkRecord(r, i, metric, hasGroups);
    const key = rowKey(r.group, r.method);
    let row = rows.get(key);
    if (!row) {
      if (methods) return; // rows restricted to the listed methods
      row = { group: r.group, method: r.method, byBudget: new Map() };
      rows.set(key, row);
    }
    budgetsSeen.set(String(M), M);
    let cell = row.byBudget.get(String(M));
    if (!cell) row.byBudget.set(String(M), (cell = new Map()));
    if (cell.has(r.fold)) {
      throw new Error(
        `results[${i}]: duplicate result for ${r.group !== undefined ? `${r.group} / ` : ''}${r.method}, M = ${M}, ` +
          `fold ${r.fold}`,
      );
    }
    cell.set(r.fold, v);
  });
  return { rows: [...rows.values()], budgetsSeen };
}

/** each row's cells (mean and sample std over its folds) in the order of `budgets`, and the largest fold count */
function cellsOf(rows: readonly RowValues[], budgets: readonly Budget[]): { out: TableRow[]; maxFolds: number } {
  const out: TableRow[] = [];
  let maxFolds = 0;
  for (const row of rows) {
    const cells = budgets.map((b): Cell | null => {
      const c = row.byBudget.get(String(b));
      if (!c || c.size === 0) return null;
      const folds = [...c.keys()].sort((a, b2) => a - b2);
      const { mean, std } = meanSampleStd(folds.map((f) => c.get(f)!));
      maxFolds = Math.max(maxFolds, folds.length);
      return { mean, std, n: folds.length, folds, best: false };
    });
    out.push({ ...(row.group !== undefined ? { group: row.group } : {}), method: row.method, cells });
  }
  return { out, maxFolds };
}

/** marks the best cell(s) of each column within each group, comparing the means as displayed */
function markBest(out: TableRow[], columns: number, shown: (x: number) => number, higherIsBetter: boolean): void {
  const groupNames = [...new Set(out.map((r) => r.group))];
  for (const g of groupNames) {
    const inGroup = out.filter((r) => r.group === g);
    for (let j = 0; j < columns; j++) {
      const vals = inGroup.map((r) => r.cells[j]).filter((c): c is Cell => c !== null);
      if (vals.length === 0) continue;
      const target = (higherIsBetter ? Math.max : Math.min)(...vals.map((c) => shown(c.mean)));
      for (const c of vals) if (shown(c.mean) === target) c.best = true;
    }
  }
}

/** Validates the records and computes the table. */
export function summarize(records: readonly ResultRecord[], options: TableOptions): ResultsTable {
  const { metric } = options;
  const digits = options.digits ?? 3;
  const scale = options.scale ?? 1;
  if (!Number.isInteger(digits) || digits < 0 || digits > 10) throw new Error(`table: digits must be 0..10`);
  if (!(Number.isFinite(scale) && scale > 0)) throw new Error(`table: scale must be a positive number`);
  const higherIsBetter = options.higherIsBetter ?? true;
  const { rows, budgetsSeen } = collectRows(records, metric, options.methods);
  const budgets = options.budgets
    ? options.budgets.map((b, i) => parseBudget(b as string | number, `budgets[${i}]`))
    : [...budgetsSeen.values()].sort(compareBudgets);
  const { out, maxFolds } = cellsOf(rows, budgets);
  markBest(out, budgets.length, (x) => Number((x * scale).toFixed(digits)), higherIsBetter);
  return {
    metric,
    higherIsBetter,
    budgets,
    rows: out,
    maxFolds,
    options: {
      digits,
      stdStyle: options.stdStyle ?? 'plain',
      scale,
      allLabel: options.allLabel ?? 'all',
      groupLabel: options.groupLabel ?? 'Group',
    },
  };
}

/** the header text of a budget column */
export function budgetLabel(table: ResultsTable, b: Budget): string {
  return b === 'all' ? table.options.allLabel : `M = ${b}`;
}

/** `0.771 (0.121)` or `0.771(.121)`, plus ` [n=3]` when the cell has fewer folds than the fullest cell */
export function formatCell(table: ResultsTable, cell: Cell | null): string {
  if (!cell) return '—';
  const { digits, scale, stdStyle } = table.options;
  const mean = (cell.mean * scale).toFixed(digits);
  let std = cell.std === null ? '–' : (cell.std * scale).toFixed(digits);
  if (stdStyle === 'paper' && cell.std !== null) std = std.replace(/^0\./, '.');
  const text = stdStyle === 'paper' ? `${mean}(${std})` : `${mean} (${std})`;
  return cell.n < table.maxFolds ? `${text} [n=${cell.n}]` : text;
}

function mdEscape(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** the table as GitHub markdown; best cells in **bold**; a group name is written on its first row only */
export function tableToMarkdown(table: ResultsTable): string {
  const hasGroups = table.rows.some((r) => r.group !== undefined);
  const header = [
    ...(hasGroups ? [table.options.groupLabel] : []),
    'Method',
    ...table.budgets.map((b) => budgetLabel(table, b)),
  ];
  const lines = [
    `| ${header.map(mdEscape).join(' | ')} |`,
    `| ${header.map((_, i) => (i < (hasGroups ? 2 : 1) ? '---' : '---:')).join(' | ')} |`,
  ];
  let lastGroup: string | undefined;
  for (const row of table.rows) {
    const g = hasGroups ? [row.group === lastGroup ? '' : row.group!] : [];
    lastGroup = row.group;
    const cells = row.cells.map((c) => {
      const t = mdEscape(formatCell(table, c));
      return c?.best ? `**${t}**` : t;
    });
    lines.push(`| ${[...g.map(mdEscape), mdEscape(row.method), ...cells].join(' | ')} |`);
  }
  return lines.join('\n') + '\n';
}

/**
 * The table in long CSV form, one line per (group, method, M) cell, unrounded and unscaled:
 * `[group,]method,M,metric,mean,std,n,folds,best` (folds as `0;1;2`, best as true/false).
 */
export function tableToCsv(table: ResultsTable): string {
  const hasGroups = table.rows.some((r) => r.group !== undefined);
  const head = [...(hasGroups ? ['group'] : []), 'method', 'M', 'metric', 'mean', 'std', 'n', 'folds', 'best'];
  const rows: CsvValue[][] = [];
  for (const row of table.rows)
    row.cells.forEach((c, j) => {
      if (!c) return;
      rows.push([
        ...(hasGroups ? [row.group!] : []),
        row.method,
        String(table.budgets[j]),
        table.metric,
        c.mean,
        c.std,
        c.n,
        c.folds.join(';'),
        String(c.best),
      ]);
    });
  return toCsv(head, rows);
}

/** the raw per-fold records as CSV: `[group,]method,M,fold,<metric…>` (metrics sorted by name) */
export function recordsToCsv(records: readonly ResultRecord[]): string {
  const hasGroups = records.some((r) => r.group !== undefined);
  const metrics = [...new Set(records.flatMap((r) => Object.keys(r.values)))].sort();
  const head = [...(hasGroups ? ['group'] : []), 'method', 'M', 'fold', ...metrics];
  const rows = records.map((r) => [
    ...(hasGroups ? [r.group ?? ''] : []),
    r.method,
    String(r.M),
    r.fold,
    ...metrics.map((m) => r.values[m] ?? null),
  ]);
  return toCsv(head, rows);
}
