/**
 * The command line's one set of value parsers: a number, an integer, a comma-separated list, each naming what it
 * expected and what it got. Options derived from a schema (options.ts) convert with these and leave ranges to the
 * schema (whose fields src/util/number-fields.ts words the same way).
 */
import { InvalidArgumentError } from 'commander';

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
