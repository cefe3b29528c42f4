/**
 * A relation mask: which samples of a batch are positives of which. N×N booleans stored row-major in a Uint8Array
 * (1 = positive). The N×N relations of this folder are reflexive (a sample is related to itself); the diagonal is
 * removed when the relation is expanded to the 2N augmented views (see expand.ts), because an anchor is never its
 * own positive.
 */
export interface RelationMask {
  /** number of samples (rows = columns) */
  n: number;
  /** row-major n*n, mask[i*n + j] = 1 when j is a positive of i */
  mask: Uint8Array;
}

/** builds a mask from a symmetric or asymmetric predicate over pairs of sample indices */
export function maskFromPredicate(n: number, related: (i: number, j: number) => boolean): RelationMask {
  const mask = new Uint8Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (related(i, j)) mask[i * n + j] = 1;
  return { n, mask };
}

export function isPositive(m: RelationMask, i: number, j: number): boolean {
  return m.mask[i * m.n + j] === 1;
}

/** number of positives of each row, not counting the diagonal */
export function positivesPerRow(m: RelationMask): Int32Array {
  const out = new Int32Array(m.n);
  for (let i = 0; i < m.n; i++) {
    let c = 0;
    for (let j = 0; j < m.n; j++) if (j !== i && m.mask[i * m.n + j] === 1) c++;
    out[i] = c;
  }
  return out;
}
