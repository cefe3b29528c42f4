/** The CSV form of the dataset manifest (docs/manifest.md) -> the JSON manifest's object, with its row lines. */
import { parseCsv, type CsvRecord } from './csv.js';
import { MANIFEST_VERSION, type ManifestIssue } from './manifest-schema.js';

const KNOWN_COLUMNS = ['image', 'label', 'patient', 'time', 'kind'] as const;
const REQUIRED_COLUMNS = ['image', 'patient', 'kind'] as const;
const DIRECTIVES = ['name', 'classes', 'leftRightPairs'] as const;
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** a CSV cell as a value: numbers where it reads as one, otherwise the string */
function cellValue(s: string): string | number {
  return NUMBER.test(s) ? Number(s) : s;
}

/**
 * CSV → the JSON manifest's object. Leading lines starting with `#` are directives `# name: …`, `# classes: a,b,c`,
 * `# leftRightPairs: 1:2; 3:4` (other `#` lines are comments); then a header row and one row per item.
 */
export interface CsvRaw {
  raw: Record<string, unknown>;
  /** item index → file line */
  lines: Map<number, number>;
  /** items whose row could not be read (already reported) */
  skip: Set<number>;
  /** the header or the CSV itself is unusable (already reported): no further item checks */
  fatal: boolean;
  issues: ManifestIssue[];
}

/** the leading `#` lines: directives into `raw`; returns where the CSV proper starts (character offset, 0-based line) */
function readDirectives(
  body: string,
  raw: Record<string, unknown>,
  issues: ManifestIssue[],
): { offset: number; line: number } {
  const all = body.split(/\r?\n/);
  let k = 0;
  let offset = 0; // character offset of line k in body
  for (; k < all.length; offset += all[k]!.length + (body[offset + all[k]!.length] === '\r' ? 2 : 1), k++) {
    const l = all[k]!.trim();
    if (l === '') continue;
    if (!l.startsWith('#')) break;
    const m = /^#\s*([A-Za-z][A-Za-z0-9_]*)\s*:(.*)$/.exec(l);
    if (!m) continue; // a comment
    const [key, value] = [m[1]!, m[2]!.trim()];
    const where = `line ${k + 1}: # ${key}`;
    if (!(DIRECTIVES as readonly string[]).includes(key)) {
      issues.push({ where, message: `unknown directive; expected one of ${DIRECTIVES.join(', ')}` });
      continue;
    }
    if (key === 'name') raw.name = value;
    else if (key === 'classes') raw.classes = value === '' ? [] : value.split(',').map((s) => s.trim());
    else {
      const pairs: [number, number][] = [];
      for (const part of value.split(/[;\s]+/).filter((s) => s !== '')) {
        const pm = /^(\d+):(\d+)$/.exec(part);
        if (pm) pairs.push([Number(pm[1]), Number(pm[2])]);
        else issues.push({ where, message: `expected pairs of class ids like 1:2; 3:4, got ${JSON.stringify(part)}` });
      }
      raw.leftRightPairs = pairs;
    }
  }
  return { offset, line: k + 1 };
}

/** the header's column names, or null when it is unusable (unnamed or duplicate columns, a required one missing) */
function readHeader(header: CsvRecord, issues: ManifestIssue[]): string[] | null {
  const cols = header.fields.map((f) => f.trim());
  const where = `line ${header.line}: header`;
  const seen = new Set<string>();
  let ok = true;
  cols.forEach((c, i) => {
    if (c === '') {
      issues.push({ where, message: `column ${i + 1} has no name` });
      ok = false;
    } else if (seen.has(c)) {
      issues.push({ where, message: `duplicate column ${JSON.stringify(c)}` });
      ok = false;
    }
    seen.add(c);
  });
  for (const r of REQUIRED_COLUMNS)
    if (!seen.has(r)) {
      issues.push({ where, message: `missing column ${JSON.stringify(r)} (columns: ${cols.join(',')})` });
      ok = false;
    }
  return ok ? cols : null;
}

export function csvToRaw(text: string, source: string): CsvRaw {
  const issues: ManifestIssue[] = [];
  const skip = new Set<number>();
  const raw: Record<string, unknown> = { version: MANIFEST_VERSION };
  const lines = new Map<number, number>();
  const body = text.replace(/^\ufeff/, '');
  const start = readDirectives(body, raw, issues);
  let records;
  try {
    records = parseCsv(body.slice(start.offset), source, start.line);
  } catch (e) {
    issues.push({ where: '(file)', message: (e as Error).message.replace(`${source}: `, '') });
    raw.items = [];
    return { raw, lines, skip, fatal: true, issues };
  }
  const items: unknown[] = [];
  raw.items = items;
  const header = records[0];
  if (!header) {
    issues.push({ where: '(file)', message: `no header row; expected the columns ${KNOWN_COLUMNS.join(',')}` });
    return { raw, lines, skip, fatal: true, issues };
  }
  const cols = readHeader(header, issues);
  if (cols === null) return { raw, lines, skip, fatal: true, issues };

  records.slice(1).forEach((rec, i) => {
    lines.set(i, rec.line);
    const item: Record<string, unknown> = {};
    items.push(item);
    if (rec.fields.length !== cols.length) {
      // fields cannot be matched to columns: report, and keep the item out of the checks
      issues.push({
        where: `items[${i}]`,
        message: `expected ${cols.length} fields (as the header), got ${rec.fields.length}`,
        item: i,
      });
      skip.add(i);
      return;
    }
    const meta: Record<string, string | number> = {};
    cols.forEach((c, j) => {
      const v = rec.fields[j]!.trim();
      if (v === '') return;
      if (c === 'time') item.time = cellValue(v);
      else if ((KNOWN_COLUMNS as readonly string[]).includes(c)) item[c] = v;
      else meta[c] = cellValue(v);
    });
    if (Object.keys(meta).length > 0) item.meta = meta;
  });
  return { raw, lines, skip, fatal: false, issues };
}
