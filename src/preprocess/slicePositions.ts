/**
 * Relative slice positions (PCL §2): slice i of a volume with n slices has position pos = (i + 1) / n, in (0, 1];
 * two slices are positives when |pos_a - pos_b| < t (see the position relation).
 */

/** [(0 + 1) / n, (1 + 1) / n, ..., n / n] */
export function slicePositions(n: number): number[] {
  if (!Number.isInteger(n) || n < 1)
    throw new RangeError(`slicePositions: n (slices in the volume) must be a positive integer, got ${String(n)}`);
  return Array.from({ length: n }, (_, i) => (i + 1) / n);
}
