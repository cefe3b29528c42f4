/** Commander argument parsers shared by the sub-commands: each names what it expected and what it got. */
import { InvalidArgumentError } from 'commander';

export function nonNegativeInt(v: string): number {
  if (!/^\d+$/.test(v.trim())) throw new InvalidArgumentError(`expected a non-negative integer, got "${v}"`);
  return Number(v);
}

export function finiteNumber(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`expected a number, got "${v}"`);
  return n;
}

function parseIntList(v: string, re: RegExp): number[] {
  const parts = v.split(',').map((s) => s.trim());
  if (parts.length === 0 || parts.some((p) => !re.test(p)))
    throw new InvalidArgumentError(`expected comma-separated integers, got "${v}"`);
  return parts.map(Number);
}

/** comma-separated integers (negative ones too) */
export function intList(v: string): number[] {
  return parseIntList(v, /^-?\d+$/);
}

/** comma-separated non-negative integers */
export function nonNegativeIntList(v: string): number[] {
  return parseIntList(v, /^\d+$/);
}
