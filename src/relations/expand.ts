import type { RelationMask } from './mask.js';

/**
 * How the 2N views of a batch of N samples (two augmentations each) are ordered.
 * - `stacked` (default, as `torch.cat([z1, z2])`): view v ∈ {0, 1} of sample i is row `v*N + i`.
 * - `interleaved` (as the PCL / CL-TCI papers write x̃_{2i-1}, x̃_{2i}): view v of sample i is row `2*i + v`.
 */
export type ViewLayout = 'stacked' | 'interleaved';

const VIEWS = [0, 1] as const;

export interface ExpandOptions {
  layout?: ViewLayout;
}

/** the row of view `v` of sample `i` in a batch of `n` samples */
export function viewIndex(n: number, i: number, v: 0 | 1, layout: ViewLayout = 'stacked'): number {
  return layout === 'stacked' ? v * n + i : 2 * i + v;
}

/**
 * Expands an N×N sample relation to the 2N×2N view relation used by the multi-positive (SupCon) loss:
 * views a ≠ b are positives when their samples are related; the other view of the same sample is ALWAYS positive
 * (whatever the N×N diagonal says), and the diagonal (a view with itself) is NEVER positive.
 */
export function expandToViews(rel: RelationMask, options: ExpandOptions = {}): RelationMask {
  const layout = options.layout ?? 'stacked';
  if (layout !== 'stacked' && layout !== 'interleaved')
    throw new Error(`expandToViews: layout: expected "stacked" | "interleaved", got ${String(layout)}`);
  const n = rel.n;
  const m = 2 * n;
  const mask = new Uint8Array(m * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i !== j && rel.mask[i * n + j] !== 1) continue;
      for (const vi of VIEWS) {
        const a = viewIndex(n, i, vi, layout);
        for (const vj of VIEWS) {
          const b = viewIndex(n, j, vj, layout);
          if (a !== b) mask[a * m + b] = 1;
        }
      }
    }
  }
  return { n: m, mask };
}
