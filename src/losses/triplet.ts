/**
 * PolyCL's triplet contrastive loss (PolyCL eq. 1, docs/methods.md §1): one positive and one negative per anchor,
 *
 *     L = -log( e^{s+/τ} / (e^{s+/τ} + e^{s-/τ}) ) = softplus( (s- - s+) / τ ),   s± = z · z±
 *
 * with τ = 1/M for a mini-batch of M anchors by default (PolyCL: "τ is set to 1/M"). The softplus form is the same
 * number without overflow at small τ. Embeddings must be L2-normalised (cosine similarity; not checked).
 */
import { tidy, type Tensor } from '../engine/index.js';
import { checkTau, check2d } from './masked-lse.js';
import { float32Loss } from './float32.js';

export interface TripletContrastiveOptions {
  /** temperature; default 1 / (number of anchors in the batch), PolyCL's choice */
  tau?: number;
}

/** Mean over the M anchors of the triplet contrastive loss; `anchor`, `positive`, `negative` are (M, D). */
export const tripletContrastiveLoss = float32Loss(function tripletContrastiveLoss(
  anchor: Tensor,
  positive: Tensor,
  negative: Tensor,
  options: TripletContrastiveOptions = {},
): Tensor {
  const fn = 'tripletContrastiveLoss';
  const [m, d] = check2d(fn, 'anchor', anchor);
  if (m === 0) throw new RangeError(`${fn}: anchor has no rows`);
  for (const [name, t] of [
    ['positive', positive],
    ['negative', negative],
  ] as const) {
    const [mm, dd] = check2d(fn, name, t);
    if (mm !== m || dd !== d)
      throw new RangeError(`${fn}: ${name} must have shape [${m}, ${d}] like anchor, got [${mm}, ${dd}]`);
  }
  const tau = options.tau ?? 1 / m;
  checkTau(fn, tau);
  return tidy(() => {
    const sPos = anchor.mul(positive).sum(1);
    const sNeg = anchor.mul(negative).sum(1);
    return sNeg.sub(sPos).div(tau).softplus().mean();
  });
});
