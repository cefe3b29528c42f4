/**
 * InfoNCE in its two common forms (docs/methods.md §1):
 * - `ntXentLoss`: SimCLR's NT-Xent over 2N views, the positive of each view is the other view of its sample and
 *   the negatives are the other 2N - 2 views of the batch;
 * - `infoNCE`: MoCo's form, a query q, its positive key k+ and negatives from a queue
 *   (`-log( e^{q·k+/τ} / (e^{q·k+/τ} + Σ_{k-} e^{q·k-/τ}) )`, also DrasCLR's local loss L_l with τ = 0.2).
 *
 * Embeddings must be L2-normalised (cosine similarity = dot product; not checked).
 */
import { cat, eye, ones, tensor, tidy, type Tensor } from '../engine/index.js';
import type { ViewLayout } from '../relations/expand.js';
import { checkTau, check2d, maskedLogSumExp } from './masked-lse.js';
import { float32Loss } from './float32.js';

export interface NtXentOptions {
  /** temperature; 0.1 as in CL-TCI's SimCLR baseline (SimCLR itself tuned it per batch size) */
  tau?: number;
  /** row order of the views: 'stacked' (default, view v of sample i at row v*N + i) or 'interleaved' (2i + v) */
  layout?: ViewLayout;
}

/** for 2N views in `layout`, the row of the other view of each row */
function partnerRows(n: number, layout: ViewLayout): number[] {
  const out = new Array<number>(2 * n);
  for (let i = 0; i < n; i++) {
    if (layout === 'stacked') {
      out[i] = n + i;
      out[n + i] = i;
    } else {
      out[2 * i] = 2 * i + 1;
      out[2 * i + 1] = 2 * i;
    }
  }
  return out;
}

/**
 * SimCLR's NT-Xent: for each of the 2N views a, `-log( e^{z_a·z_a'/τ} / Σ_{k≠a} e^{z_a·z_k/τ} )` with a' the other
 * view of the same sample; the mean over the 2N views. (The SupCon loss with the identity relation is the same
 * number.)
 */
export const ntXentLoss = float32Loss(function ntXentLoss(z: Tensor, options: NtXentOptions = {}): Tensor {
  const fn = 'ntXentLoss';
  const tau = options.tau ?? 0.1;
  checkTau(fn, tau);
  const layout = options.layout ?? 'stacked';
  if (layout !== 'stacked' && layout !== 'interleaved')
    throw new RangeError(`${fn}: layout must be "stacked" or "interleaved", got ${String(layout)}`);
  const [m] = check2d(fn, 'z', z);
  if (m < 2 || m % 2 !== 0) throw new RangeError(`${fn}: z must hold 2N views (an even number ≥ 2 of rows), got ${m}`);
  return tidy(() => {
    const dev = z.device;
    const logits = z.matmul(z.T).div(tau);
    const lse = maskedLogSumExp(logits, eye(m, { dtype: 'bool', device: dev }).logicalNot()); // (M, 1)
    const partner = tensor(partnerRows(m / 2, layout), { shape: [m, 1], dtype: 'int64', device: dev });
    const lPos = logits.gather(1, partner); // (M, 1)
    return lse.sub(lPos).mean();
  });
});

export interface InfoNCEOptions {
  /** temperature; 0.1 as in CL-TCI's MoCo (MoCo v1 used 0.07, DrasCLR 0.2) */
  tau?: number;
  /**
   * (K,) bool: which negatives are real. A queue slot never written must be false, so that it is in no
   * denominator (the reference MoCo code filled the queue with random vectors). Omit when all are valid.
   */
  valid?: Tensor | null;
}

/**
 * MoCo's InfoNCE: `L_i = -log( e^{q_i·k+_i/τ} / (e^{q_i·k+_i/τ} + Σ_j e^{q_i·n_j/τ}) )`, mean over the B queries.
 *
 * `q` and `kPos` are (B, D); `negatives` is (K, D), shared by every query (a queue), or (B, K, D), one set per
 * query. Keys and negatives are used as given: detach them so no gradient reaches the momentum encoder.
 */
export const infoNCE = float32Loss(function infoNCE(
  q: Tensor,
  kPos: Tensor,
  negatives: Tensor,
  options: InfoNCEOptions = {},
): Tensor {
  const fn = 'infoNCE';
  const tau = options.tau ?? 0.1;
  checkTau(fn, tau);
  const [b, d] = check2d(fn, 'q', q);
  const [bk, dk] = check2d(fn, 'kPos', kPos);
  if (bk !== b || dk !== d) throw new RangeError(`${fn}: kPos must have shape [${b}, ${d}] like q, got [${bk}, ${dk}]`);
  if (b === 0) throw new RangeError(`${fn}: q has no rows`);
  const ns = negatives.shape;
  const shared = ns.length === 2;
  if (!(shared && ns[1] === d) && !(ns.length === 3 && ns[0] === b && ns[2] === d))
    throw new RangeError(`${fn}: negatives must have shape [K, ${d}] or [${b}, K, ${d}], got [${ns.join(', ')}]`);
  const k = shared ? ns[0]! : ns[1]!;
  const valid = options.valid ?? null;
  if (valid !== null && (valid.ndim !== 1 || valid.shape[0] !== k))
    throw new RangeError(
      `${fn}: valid must have shape [${k}] (one flag per negative), got [${valid.shape.join(', ')}]`,
    );
  return tidy(() => {
    const dev = q.device;
    const lPos = q.mul(kPos).sum(1, true); // (B, 1)
    const lNeg = shared ? q.matmul(negatives.T) : negatives.bmm(q.unsqueeze(2)).squeeze(2); // (B, K)
    const logits = cat([lPos, lNeg], 1).div(tau);
    let candidates: Tensor | null = null;
    if (valid !== null) {
      const v = valid.to({ device: dev }).ne(0).reshape(1, k).expand(b, k);
      candidates = cat([ones([b, 1], { dtype: 'bool', device: dev }), v], 1);
    }
    const lse = maskedLogSumExp(logits, candidates);
    return lse.sub(logits.narrow(1, 0, 1)).mean();
  });
});
