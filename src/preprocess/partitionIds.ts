/**
 * Partition ids along z (GCL, the baseline in PCL: "each volume is divided into four partitions, slices from the
 * same partition are positive pairs").
 *
 * Rule for n slices and P partitions: sizes differ by at most one and the larger partitions come first, as
 * `numpy.array_split`: the first n mod P partitions hold ceil(n / P) slices, the others floor(n / P). Slices are
 * assigned in order, so ids are non-decreasing. Examples (P = 4): n = 5 -> 0 0 1 2 3; n = 7 -> 0 0 1 1 2 2 3;
 * n = 10 -> 0 0 0 1 1 1 2 2 3 3. With n < P the last P - n ids are unused.
 */
import { GCL_PARTITIONS } from './presets.js';

export interface PartitionIdsOptions {
  /** number of equal z-partitions; default 4 (GCL, PCL §4) */
  partitions?: number;
}

export function partitionIds(n: number, options: PartitionIdsOptions = {}): number[] {
  if (!Number.isInteger(n) || n < 1)
    throw new RangeError(`partitionIds: n (slices in the volume) must be a positive integer, got ${String(n)}`);
  const P = options.partitions ?? GCL_PARTITIONS;
  if (!Number.isInteger(P) || P < 1)
    throw new RangeError(`partitionIds: partitions must be a positive integer, got ${String(P)}`);
  const base = Math.floor(n / P);
  const extra = n % P; // partitions 0..extra-1 get base + 1 slices
  const ids: number[] = [];
  for (let p = 0; p < P; p++) {
    const size = base + (p < extra ? 1 : 0);
    for (let i = 0; i < size; i++) ids.push(p);
  }
  return ids;
}
