/**
 * Holm–Bonferroni adjusted p-values (Holm 1979): with the m p-values sorted ascending, p(1) ≤ … ≤ p(m),
 *   adjusted p(k) = max over j ≤ k of min(1, (m − j + 1) p(j)).
 * Rejecting every hypothesis whose adjusted p is ≤ α is Holm's step-down procedure, which keeps the family-wise
 * error rate ≤ α under any dependence between the tests. Returned in the input order.
 */
export function holm(pValues: readonly number[]): number[] {
  const m = pValues.length;
  pValues.forEach((p, i) => {
    if (!(p >= 0 && p <= 1)) throw new Error(`holm: p-value ${i} must be in [0, 1], got ${p}`);
  });
  const order = holmOrder(pValues);
  const adjusted = new Array<number>(m);
  let running = 0;
  order.forEach((i, k) => {
    running = Math.max(running, Math.min(1, (m - k) * pValues[i]!));
    adjusted[i] = running;
  });
  return adjusted;
}

/** indices sorted by ascending p; ties keep the input order (the rank used for Holm's per-step level) */
export function holmOrder(pValues: readonly number[]): number[] {
  return pValues.map((_, i) => i).sort((a, b) => pValues[a]! - pValues[b]! || a - b);
}
