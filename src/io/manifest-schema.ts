import { z } from 'zod';

/**
 * The zod 4 schemas of the dataset manifest (format in docs/manifest.md) and the translation of zod issues into
 * short messages naming the field: `items[3].patient: required`, `items[2].kind: expected "2d" | "3d", got "4d"`.
 * Only the SHAPE is checked here; cross-field and data-set checks (duplicates, class ranges, files) are in
 * manifest.ts.
 */

export const MANIFEST_VERSION = 1;

/** `YYYY-MM-DD`, optionally followed by a time `THH:MM[:SS[.sss]]` and a zone `Z` / `±HH:MM` */
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** an ISO 8601 date (or date-time) naming a real calendar day, e.g. 2020-01-03; 2020-02-30 is rejected */
export function isIsoDate(s: string): boolean {
  const m = ISO_DATE.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  if (t.getUTCFullYear() !== y || t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d) return false;
  if (m[4] !== undefined && (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6] ?? 0) > 59)) return false;
  return !Number.isNaN(Date.parse(s.replace(' ', 'T')));
}

export const TIME_MESSAGE = 'expected a date (YYYY-MM-DD, or an ISO 8601 date-time) or a number';

const nonEmpty = z.string().min(1);

export const manifestItemSchema = z.strictObject({
  image: nonEmpty,
  label: nonEmpty.optional(),
  patient: z.union([nonEmpty, z.number()]),
  time: z.union([z.number(), z.string().refine(isIsoDate, TIME_MESSAGE)]).optional(),
  kind: z.enum(['2d', '3d']),
  meta: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
});

export type ManifestItemInput = z.infer<typeof manifestItemSchema>;

/** the top level; items are checked one by one with manifestItemSchema so that every item's problems are listed */
export const manifestTopSchema = z.strictObject({
  version: z.literal(MANIFEST_VERSION),
  name: nonEmpty.optional(),
  classes: z.array(nonEmpty).min(1).optional(),
  leftRightPairs: z.array(z.tuple([z.number().int().min(0), z.number().int().min(0)])).optional(),
  items: z.array(z.unknown()),
});

export type ManifestTopInput = z.infer<typeof manifestTopSchema>;

/** one problem: `where` is the field path (`items[3].patient`), `item` the item index when it is about an item */
export interface ManifestIssue {
  where: string;
  message: string;
  item?: number;
  /** CSV: the file line of the item */
  line?: number;
}

/** `['items', 3, 'patient']` → `items[3].patient` */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return JSON.stringify(v);
}

type Issue = z.core.$ZodIssue;

/** the message of one zod issue, in the words of this project */
function messageOf(issue: Issue): string {
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case 'invalid_type':
      return input === undefined ? 'required' : `expected ${issue.expected}, got ${describe(input)}`;
    case 'invalid_value':
      return `expected ${issue.values.map((v) => JSON.stringify(v)).join(' | ')}, got ${describe(input)}`;
    case 'invalid_union': {
      if (input === undefined) return 'required';
      // a branch whose type matched but that failed a refinement (e.g. a string that is not a date) says it best
      for (const branch of issue.errors) {
        const inner = branch.find((b) => b.code !== 'invalid_type' && b.path.length === 0);
        if (inner) return messageOf(inner);
      }
      const expected = issue.errors.flatMap((b) =>
        b.filter((x) => x.code === 'invalid_type').map((x) => (x as { expected: string }).expected),
      );
      return `expected ${[...new Set(expected)].join(' | ')}, got ${describe(input)}`;
    }
    case 'too_small':
      if (issue.origin === 'string') return 'must not be empty';
      if (issue.origin === 'array') return `expected at least ${issue.minimum} entries`;
      return `expected >= ${issue.minimum}, got ${describe(input)}`;
    case 'too_big':
      return `expected at most ${issue.maximum}, got ${describe(input)}`;
    default:
      return issue.message;
  }
}

/** zod issues → ManifestIssues, one per unknown key, paths prefixed by `prefix` */
export function toManifestIssues(
  issues: readonly Issue[],
  prefix: readonly PropertyKey[] = [],
  item?: number,
): ManifestIssue[] {
  const out: ManifestIssue[] = [];
  for (const issue of issues) {
    const base = [...prefix, ...issue.path];
    const withItem = (x: ManifestIssue) => (item === undefined ? x : { ...x, item });
    if (issue.code === 'unrecognized_keys') {
      for (const k of issue.keys) out.push(withItem({ where: formatPath([...base, k]), message: 'unknown field' }));
    } else {
      out.push(withItem({ where: formatPath(base), message: messageOf(issue) }));
    }
  }
  return out;
}

/** parses `value` with `schema`, returning the data or the issues (reported with their inputs, for messages) */
export function check<T>(
  schema: z.ZodType<T>,
  value: unknown,
  prefix: readonly PropertyKey[] = [],
  item?: number,
): { ok: true; data: T } | { ok: false; issues: ManifestIssue[] } {
  const r = schema.safeParse(value, { reportInput: true });
  if (r.success) return { ok: true, data: r.data };
  return { ok: false, issues: toManifestIssues(r.error.issues, prefix, item) };
}
