/**
 * Whole-config validation of a command's options before any work starts (src/util/parse-config.ts): a zod schema
 * checks everything at once and the error lists every problem, each naming its option (`--train-patients`) or, for a
 * field that only a config file can set, its field path (`encoder.widths`).
 *
 * ```ts
 * const o = parseOptions(evaluateOptionsSchema, raw, 'evaluate', flagNames(['pred', 'ref']));
 * ```
 */
import type { z } from 'zod';
import { parseConfig, type FieldNames } from '../util/parse-config.js';

export type { FieldNames } from '../util/parse-config.js';

/** `trainPatients` → `--train-patients` */
export function flagOf(field: string): string {
  return `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** the names of command-line options: each field by its flag */
export function flagNames(fields: Iterable<string>): Record<string, string> {
  return Object.fromEntries([...fields].map((f) => [f, flagOf(f)]));
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
