/**
 * A command's options come from a zod schema: addSchemaOptions derives each option (flag, value type, the default
 * --help shows) from the schema's field, and parseOptions validates them whole before any work starts
 * (src/util/parse-config.ts): the error lists every problem, each naming its option (`--train-patients`) or, for a
 * field that only a config file can set, its field path (`encoder.widths`).
 *
 * ```ts
 * const parse = schemaOptions(cmd, evaluateOptionsSchema, { pred: { description: '...', required: true } }, 'evaluate');
 * cmd.action((raw) => run(parse(raw)));
 * ```
 */
import { Option, type Command } from 'commander';
import type { z } from 'zod';
import { parseConfig, type FieldNames } from '../util/parse-config.js';
import { parseIntArg, parseListArg, parseNumberArg } from './parse.js';

export type { FieldNames } from '../util/parse-config.js';

/** `trainPatients` → `--train-patients` */
export function flagOf(field: string): string {
  return `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** The flag of a field's option: the spec's `flag`, else the field in kebab case; `--no-…` when negated. */
function optionFlag(field: string, spec: OptionSpec | undefined): string {
  const name = spec?.flag ?? flagOf(field).slice(2);
  return spec?.negate ? `--no-${name}` : `--${name}`;
}

/** the names of command-line options: each field by its flag (`specs`: the options' specs, for their `flag`s) */
export function flagNames(
  fields: Iterable<string>,
  specs: Readonly<Record<string, string | OptionSpec>> = {},
): Record<string, string> {
  return Object.fromEntries([...fields].map((f) => [f, optionFlag(f, specOf(specs[f]))]));
}

/**
 * Parses `input` with `schema`; on failure throws one Error (`<command>: invalid options:`) whose lines name every
 * invalid option or field. `names`: how to name top-level fields (flagNames(...) for command-line options).
 */
export function parseOptions<S extends z.ZodType>(
  schema: S,
  input: unknown,
  command: string,
  names: FieldNames = {},
): z.output<S> {
  return parseConfig(schema, input, { heading: `${command}: invalid options`, fields: names });
}

/** What an option's value is, read off its schema field. */
type ValueKind = 'integer' | 'number' | 'string' | 'boolean' | 'integer-list' | 'number-list' | 'string-list';

interface FieldInfo {
  kind: ValueKind;
  /** the schema's default, if the field has one */
  default?: unknown;
}

/** the field's value type under optional/default/pipe wrappers, and its default */
function fieldInfo(field: z.ZodType): FieldInfo {
  let s = field as z.ZodType & { _zod: { def: Record<string, unknown> } };
  let dflt: unknown;
  for (;;) {
    const def = s._zod.def;
    if (def['type'] === 'default' && dflt === undefined) dflt = def['defaultValue']; // the outermost default
    const inner = (def['innerType'] ?? (def['type'] === 'pipe' ? def['in'] : undefined)) as typeof s | undefined;
    if (!inner) break;
    s = inner;
  }
  const scalar = (
    t: z.ZodType & { _zod: { def: Record<string, unknown> } },
  ): 'integer' | 'number' | 'string' | 'boolean' => {
    const type = t._zod.def['type'];
    if (type === 'number') return (t as unknown as z.ZodNumber).isInt ? 'integer' : 'number';
    if (type === 'boolean') return 'boolean';
    return 'string'; // strings, enums, literals, unions of strings: the schema checks the value
  };
  const def = s._zod.def;
  const kind: ValueKind =
    def['type'] === 'array' ? (`${scalar(def['element'] as typeof s)}-list` as ValueKind) : scalar(s);
  return dflt === undefined ? { kind } : { kind, default: dflt };
}

const PARSERS: Partial<Record<ValueKind, (v: string) => unknown>> = {
  integer: parseIntArg,
  number: parseNumberArg,
  'integer-list': (v) => parseListArg(v, parseIntArg),
  'number-list': (v) => parseListArg(v, parseNumberArg),
  'string-list': (v) => parseListArg(v, (s) => s),
};

const PLACEHOLDERS: Record<ValueKind, string> = {
  integer: '<n>',
  number: '<x>',
  string: '<value>',
  boolean: '',
  'integer-list': '<list>',
  'number-list': '<list>',
  'string-list': '<list>',
};

/** One option derived from a schema field: its help text and, where the flag alone does not say, more. */
export interface OptionSpec {
  description: string;
  /** the value's name in --help (default by type: `<n>`, `<x>`, `<value>`, `<list>`) */
  value?: string;
  /** commander refuses to run without it */
  required?: boolean;
  /** what --help says the default is, when not the schema's (e.g. "the method's"); '' says nothing */
  default?: string;
  /** a boolean that defaults to true: the option is `--no-<name>` */
  negate?: boolean;
  /**
   * the flag's name when it is not the field's in kebab case: `queue` (`--queue`) for `queueSize`, `epochs` for the
   * nested field `finetune.epochs` (a dotted field needs one)
   */
  flag?: string;
}

function specOf(given: string | OptionSpec | undefined): OptionSpec | undefined {
  return typeof given === 'string' ? { description: given } : given;
}

/** An option whose value commander stores under the schema field's name (`finetune.epochs`), whatever its flag. */
class FieldOption extends Option {
  constructor(
    flags: string,
    description: string,
    private readonly field: string,
  ) {
    super(flags, description);
  }

  override attributeName(): string {
    return this.field;
  }
}

/** The object schema of `schema` (through a transform's pipe, optional and default wrappers). */
function shapeOf(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  let s = schema as z.ZodType & { _zod: { def: Record<string, unknown> } };
  for (;;) {
    const def = s._zod.def;
    const inner = (def['innerType'] ?? (def['type'] === 'pipe' ? def['in'] : undefined)) as typeof s | undefined;
    if (!inner) break;
    s = inner;
  }
  return s._zod.def['shape'] as Record<string, z.ZodType> | undefined;
}

/** The schema of `field`, a top-level field or a dotted path into nested objects (`finetune.epochs`). */
function fieldOf(schema: z.ZodType, field: string): z.ZodType {
  let s: z.ZodType | undefined = schema;
  for (const key of field.split('.')) {
    const shape: Record<string, z.ZodType> | undefined = s && shapeOf(s);
    if (!shape) throw new Error(`options: the schema of "${field}" is not an object schema`);
    s = shape[key];
    if (!s) throw new Error(`options: the schema has no field "${field}"`);
  }
  return s!;
}

/** `8`, `medpy`, `32,64`, `{"a":1}` */
function formatDefault(v: unknown): string {
  if (Array.isArray(v)) return v.join(',');
  return typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
}

/**
 * Adds an option per field of `schema` named in `specs`: the flag is the field's name in kebab case
 * (`batchSize` → `--batch-size`), the value is converted by the field's type (integer, number, comma-separated
 * list; a boolean is a switch), and --help shows the schema's default. Ranges and choices stay with the schema
 * (parseOptions), so one run reports every problem. Commander gives no value for an option not given, so a config
 * file's setting is not overridden by a default. Returns the fields added.
 */
export function addSchemaOptions(
  command: Command,
  schema: z.ZodType,
  specs: Readonly<Record<string, string | OptionSpec>>,
): string[] {
  if (!shapeOf(schema)) throw new Error('options: the schema is not an object schema');
  for (const [field, given] of Object.entries(specs)) {
    const spec = specOf(given)!;
    if (field.includes('.') && spec.flag === undefined)
      throw new Error(`options: the nested field "${field}" needs a flag`);
    const info = fieldInfo(fieldOf(schema, field));
    const value = info.kind === 'boolean' ? '' : ` ${spec.value ?? PLACEHOLDERS[info.kind]}`;
    const shown = spec.default ?? (info.default !== undefined && !spec.negate ? formatDefault(info.default) : '');
    const description = `${spec.description}${shown ? ` (default: ${shown})` : ''}`;
    const option = new FieldOption(`${optionFlag(field, spec)}${value}`, description, field);
    const parser = PARSERS[info.kind];
    if (parser) option.argParser(parser);
    if (spec.required) option.makeOptionMandatory();
    command.addOption(option);
  }
  return Object.keys(specs);
}

/**
 * addSchemaOptions, and the parser for the command's action: the values of the options given, validated whole by
 * `schema` (`<command>: invalid options:` and a line per problem, named by its flag).
 *
 * ```ts
 * const parse = schemaOptions(cmd, demoSettingsSchema, { seed: 'random seed' }, 'demo');
 * cmd.action((raw) => runDemo(parse(raw)));
 * ```
 */
export function schemaOptions<S extends z.ZodType>(
  command: Command,
  schema: S,
  specs: Readonly<Record<string, string | OptionSpec>>,
  name: string,
): (raw: Record<string, unknown>) => z.output<S> {
  const fields = addSchemaOptions(command, schema, specs);
  const names = flagNames(fields, specs);
  return (raw) => parseOptions(schema, pickOptions(raw, fields), name, names);
}

/**
 * The values of `fields` that commander set (options not given are left out, so schema defaults apply); a dotted
 * field's value goes into its nested object (`finetune.epochs` → `{ finetune: { epochs } }`).
 */
export function pickOptions(raw: Record<string, unknown>, fields: Iterable<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of fields) {
    if (raw[k] === undefined) continue;
    const path = k.split('.');
    let o = out;
    for (const p of path.slice(0, -1)) o = (o[p] ??= {}) as Record<string, unknown>;
    o[path.at(-1)!] = raw[k];
  }
  return out;
}
