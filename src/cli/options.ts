/**
 * Whole-config validation of a command's options before any work starts: a zod schema checks everything at once and
 * the error lists every problem, each naming its option (`--train-patients`) or, for a field that only a config file
 * can set, its field path (`encoder.widths`).
 *
 * ```ts
 * const o = parseOptions(evaluateOptionsSchema, raw, 'evaluate');
 * ```
 */
import type { z } from 'zod';

/** `trainPatients` → `--train-patients` */
export function flagOf(field: string): string {
  return `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** `['encoder', 'widths', 0]` → `encoder.widths[0]` */
function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out || '(root)';
}

/** How messages name top-level fields: `{ trainPatients: '--train-patients', lr: 'ft.json: lr' }`. */
export type FieldNames = Readonly<Record<string, string>>;

/** the names of command-line options: each field by its flag */
export function flagNames(fields: Iterable<string>): Record<string, string> {
  return Object.fromEntries([...fields].map((f) => [f, flagOf(f)]));
}

/** Where a problem is: the top-level field's name in `names` (a flag, a file's field), else the field path. */
function whereOf(path: readonly PropertyKey[], names: FieldNames): string {
  const head = path[0];
  if (typeof head === 'string' && Object.hasOwn(names, head)) {
    const rest = fieldPath(path.slice(1));
    return rest === '(root)' ? names[head]! : `${names[head]!} ${rest}`;
  }
  return fieldPath(path);
}

function messageOf(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) return 'required';
  return issue.message;
}

/**
 * Parses `input` with `schema`; on failure throws one Error whose lines name every invalid option or field.
 * `names`: how to name top-level fields (flagNames(...) for command-line options); others by their path.
 */
export function parseOptions<S extends z.ZodType>(
  schema: S,
  input: unknown,
  command: string,
  names: FieldNames = {},
): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => {
    if (i.code === 'unrecognized_keys')
      return `${i.keys.map((k) => whereOf([...i.path, k], names)).join(', ')}: unknown field`;
    return i.path.length === 0 ? messageOf(i) : `${whereOf(i.path, names)}: ${messageOf(i)}`;
  });
  throw new Error(`${command}: invalid options:\n  ${lines.join('\n  ')}`);
}
