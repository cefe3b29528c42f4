import type { RelationMask } from './mask.js';
import { maskFromPredicate } from './mask.js';
import type { SampleMeta } from './meta.js';
import { sliceGeometry } from './slice-geometry.js';

/** PCL's threshold for CT (CHD): the value the paper found best */
export const POSITION_THRESHOLD_CT = 0.1;
/** PCL's threshold for MRI (ACDC, about 10 slices per volume) */
export const POSITION_THRESHOLD_MRI = 0.35;

const TIE_EPSILON = 1e-9;

export interface PositionRelationOptions {
  /** t: slices are positives when |pos_i - pos_j| < t; default POSITION_THRESHOLD_CT (0.1) */
  threshold?: number;
}

/**
 * The normalised slice position of PCL, `pos = (m + 1) / n` for 0-based slice index m of n slices (the paper writes
 * m/n with 1-based m), so pos ∈ (0, 1].
 */
export function slicePosition(sliceIndex: number, slicesInVolume: number): number {
  return (sliceIndex + 1) / slicesInVolume;
}

/**
 * PCL: slices are positives when their normalised positions are closer than t, whatever volume they come from
 * (same volume is NOT required); a difference of exactly t is negative. Not transitive: (i,j) and (j,k) positive does not make (i,k) positive.
 */
export function positionRelation(samples: readonly SampleMeta[], options: PositionRelationOptions = {}): RelationMask {
  const t = options.threshold ?? POSITION_THRESHOLD_CT;
  if (!(t > 0 && t <= 1)) throw new Error(`positionRelation: threshold: expected a number in (0, 1], got ${t}`);
  const pos = samples.map((_, i) => {
    const { m, n } = sliceGeometry('positionRelation', samples, i);
    return slicePosition(m, n);
  });
  // Distinct positions (m+1)/n differ by at least 1/(n_i n_j) (> 1e-8 for volumes under 10^4 slices), so a 1e-9
  // margin only decides exact ties, consistently: |Δpos| = t is negative (0.3 - 0.2 < 0.1 in float64 would not be).
  return maskFromPredicate(samples.length, (i, j) => Math.abs(pos[i]! - pos[j]!) < t - TIE_EPSILON);
}
