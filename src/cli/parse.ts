/**
 * The command line's one set of value parsers: a number, an integer, a comma-separated list, each naming what it
 * expected and what it got. Options derived from a schema (options.ts) convert with these and leave ranges to the
 * schema; intOption/numberOption are schema fields whose range errors read the same way.
 */
import { InvalidArgumentError } from 'commander';
import { z } from 'zod';

/** a finite number */
export function parseNumberArg(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`expected a number, got "${v}"`);
  return n;
}

/** an integer (negative ones too) */
export function parseIntArg(v: string): number {
  const n = Number(v);
  if (!/^-?\d+$/.test(v.trim()) || !Number.isSafeInteger(n))
    throw new InvalidArgumentError(`expected an integer, got "${v}"`);
  return n;
}

/** comma-separated values, empty ones dropped, each converted by `item` */
export function parseListArg<T>(v: string, item: (s: string) => T): T[] {
  return v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(item);
}

/** `a positive integer`, `a non-negative integer`, `an integer >= 3` */
function intPhrase(min: number | undefined): string {
  if (min === 1) return 'a positive integer';
  if (min === 0) return 'a non-negative integer';
  return min === undefined ? 'an integer' : `an integer >= ${min}`;
}

/** An integer field (at least `min`) whose errors say `expected a positive integer, got 0`. */
export function intOption(min?: number): z.ZodNumber {
  const error = (iss: { input?: unknown }) => `expected ${intPhrase(min)}, got ${String(iss.input)}`;
  const n = z.number({ error }).int({ error });
  return min === undefined ? n : n.min(min, { error });
}

/** A finite number field (> 0 when `positive`) whose errors say `expected a positive number, got -1`. */
export function numberOption(positive = false): z.ZodNumber {
  const error = (iss: { input?: unknown }) =>
    `expected ${positive ? 'a positive number' : 'a number'}, got ${String(iss.input)}`;
  const n = z.number({ error });
  return positive ? n.positive({ error }) : n;
}

/** a non-negative integer (checked here: the distributed options, src/cli/distributed.ts, have no schema) */
export function nonNegativeInt(v: string): number {
  const n = parseIntArg(v);
  if (n < 0) throw new InvalidArgumentError(`expected a non-negative integer, got "${v}"`);
  return n;
}
