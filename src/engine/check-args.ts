/**
 * Argument checks of the tensor API: every shape, dimension, index, count and seed is checked here as an integer in
 * range first, with errors naming the operation and the argument. (The addon's integer converter refuses non-integers
 * too, but knows neither the ranges nor the arguments' names.)
 */

/** a number out of range or not an integer: RangeError; not a number at all: TypeError */
function fail(op: string, name: string, want: string, got: unknown): never {
  if (typeof got === 'number') throw new RangeError(`${op}: ${name} must be ${want}, got ${got}`);
  throw new TypeError(`${op}: ${name} must be ${want}, got ${JSON.stringify(got) ?? String(got)}`);
}

/** An integer in [min, max] (safe integers only). */
export function checkInt(op: string, name: string, v: unknown, min = -Number.MAX_SAFE_INTEGER, max = Infinity): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) fail(op, name, 'an integer', v);
  const n = v as number;
  if (n < min || n > max) {
    const range =
      max === Infinity ? `>= ${min}` : min === -Number.MAX_SAFE_INTEGER ? `<= ${max}` : `in [${min}, ${max}]`;
    fail(op, name, `an integer ${range}`, n);
  }
  return n;
}

/** A finite number. */
export function checkFinite(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(op, name, 'a finite number', v);
  return v as number;
}

/** An optional integer (null/undefined pass). */
export function checkOptInt(op: string, name: string, v: number | null | undefined): number | null {
  return v === null || v === undefined ? null : checkInt(op, name, v);
}

/**
 * A shape: non-negative integers; with `infer`, one entry may be -1 (reshape/view: inferred; expand: kept).
 * Returns a fresh array.
 */
export function checkShape(op: string, shape: unknown, infer: 'none' | 'one' | 'any' = 'none'): number[] {
  if (!Array.isArray(shape)) fail(op, 'shape', 'an array of integers', shape);
  const s = shape as unknown[];
  let inferred = 0;
  const out = s.map((d, i) => {
    const n = checkInt(op, `shape[${i}]`, d, infer === 'none' ? 0 : -1);
    if (n === -1 && infer === 'one' && ++inferred > 1) fail(op, `shape[${i}]`, 'the only -1 of the shape', n);
    return n;
  });
  return out;
}

/** A dimension index for a tensor of `ndim` dimensions (negative counts from the end); returns it non-negative. */
export function checkDim(op: string, name: string, dim: unknown, ndim: number): number {
  const n = Math.max(ndim, 1);
  const d = checkInt(op, name, dim, -n, n - 1);
  return d < 0 ? d + n : d;
}

/** A list of integers (dimensions, sizes, repeats) with each entry >= min. */
export function checkInts(op: string, name: string, v: unknown, min = -Number.MAX_SAFE_INTEGER): number[] {
  if (typeof v === 'number') return [checkInt(op, name, v, min)];
  if (!Array.isArray(v)) fail(op, name, 'an integer or an array of integers', v);
  return (v as unknown[]).map((x, i) => checkInt(op, `${name}[${i}]`, x, min));
}

/** A seed: an integer in [0, 2^53). */
export function checkSeed(op: string, seed: unknown): number {
  return checkInt(op, 'seed', seed, 0);
}

/**
 * A size argument of a spatial op (kernel, stride, padding, dilation, output size): one integer >= min for every
 * spatial dim, or one per dim. Returns n values.
 */
export function checkSizes(op: string, name: string, v: unknown, n: number, min: number): number[] {
  if (typeof v === 'number') return Array<number>(n).fill(checkInt(op, name, v, min));
  const out = checkInts(op, name, v, min);
  if (out.length !== n)
    throw new RangeError(`${op}: ${name} must have ${n} values (one per dim), got [${out.join(', ')}]`);
  return out;
}
