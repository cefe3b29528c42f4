/**
 * Validation at the edge, one way for every config (pre-training, fine-tuning, fine-tuning run, experiment,
 * DrasCLR) and for a command's options: a zod schema checks the whole input at once and the error lists every
 * problem, each naming where the config came from and the field (`encoder.widths[1]`).
 *
 * ```ts
 * const cfg = parseConfig(pretrainSchema, JSON.parse(text), 'runs/pcl/config.json');
 * // Error: invalid pre-training configuration:
 * //   runs/pcl/config.json: lr: Too small: expected number to be >0
 * ```
 *
 * The first line names the config by the schema's `title` (`schema.meta({ title: 'pre-training configuration' })`).
 * A config merged from several places (a file and command-line options) names each top-level field by where it came
 * from: `{ heading: 'finetune: invalid options', fields: { lr: '--lr', epochs: 'ft.json: epochs' } }`.
 */
import { z } from 'zod';

/** How messages name top-level fields: `{ trainPatients: '--train-patients', lr: 'ft.json: lr' }`. */
export type FieldNames = Readonly<Record<string, string>>;

/** Where a config came from: a file (or a word such as 'config'), or a heading and a name for each field. */
export type ConfigSource = string | { heading: string; fields: FieldNames };

/**
 * How a path is written: 'brackets' `encoder.widths[0]` (command-line options), 'dotted' `encoder.widths.0` (a config
 * file's fields, as every config error has always named them).
 */
export type PathStyle = 'brackets' | 'dotted';

/** `['encoder', 'widths', 0]` → `encoder.widths[0]` (or `encoder.widths.0`); the empty path → `(root)` */
export function fieldPath(path: readonly PropertyKey[], style: PathStyle = 'brackets'): string {
  let out = '';
  for (const p of path)
    out += typeof p === 'number' && style === 'brackets' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out || '(root)';
}

/**
 * Where a problem is: the longest leading part of its path named in `fields` (a flag, a file's field; a nested field
 * by its dotted path, `finetune.epochs`), then the rest of the path; else the field path.
 */
function whereOf(path: readonly PropertyKey[], fields: FieldNames, style: PathStyle): string {
  for (let k = path.length; k >= 1; k--) {
    const head = path.slice(0, k);
    if (!head.every((p) => typeof p === 'string')) continue;
    const key = head.join('.');
    if (!Object.hasOwn(fields, key)) continue;
    const rest = fieldPath(path.slice(k), style);
    return rest === '(root)' ? fields[key]! : `${fields[key]!} ${rest}`;
  }
  return fieldPath(path, style);
}

function messageOf(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) return 'required';
  return issue.message;
}

/** One line per problem: `where: message` (an unknown key: `where: unknown field`; the whole input: `message`). */
export function issueLines(
  issues: readonly z.core.$ZodIssue[],
  fields: FieldNames = {},
  style: PathStyle = 'brackets',
): string[] {
  return issues.map((i) => {
    if (i.code === 'unrecognized_keys')
      return `${i.keys.map((k) => whereOf([...i.path, k], fields, style)).join(', ')}: unknown field`;
    return i.path.length === 0 ? messageOf(i) : `${whereOf(i.path, fields, style)}: ${messageOf(i)}`;
  });
}

/** What a schema's errors call it: its `title` metadata, else 'configuration'. */
export function configTitle(schema: z.ZodType): string {
  const title = z.globalRegistry.get(schema)?.title;
  return typeof title === 'string' ? title : 'configuration';
}

/**
 * Parses `input` with `schema`; on failure throws one Error that lists every problem: `invalid <title>:` and a line
 * `<source>: <field>: <message>` each (`encoder.widths.1`), or, for a merged source, `<heading>:` and a line per field
 * named by `fields` (`--widths [1]`, `encoder.widths[1]`).
 */
export function parseConfig<S extends z.ZodType>(
  schema: S,
  input: unknown,
  source: ConfigSource = 'config',
): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  if (typeof source === 'string') {
    const lines = issueLines(r.error.issues, {}, 'dotted').map((l) => `  ${source}: ${l}`);
    throw new Error(`invalid ${configTitle(schema)}:\n${lines.join('\n')}`);
  }
  const lines = issueLines(r.error.issues, source.fields).map((l) => `  ${l}`);
  throw new Error(`${source.heading}:\n${lines.join('\n')}`);
}
