/**
 * Integer and number fields of zod schemas whose errors read the same everywhere: `expected a positive integer, got
 * 0`. The command line's options (src/cli/options.ts) and the launcher's settings use them, so a bad value's message
 * names the flag or field and says what it expected.
 */
import { z } from 'zod';

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
