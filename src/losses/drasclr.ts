/**
 * DrasCLR's losses (Yu et al., §2.3–2.5), for a batch of B patients at ONE landmark j, with embeddings that the
 * caller has already normalised (MoCo: q = normalize(f_q(x)), keys from the momentum encoder, no gradient):
 *
 * - local (eq. 6): query q_i (patch x_i^j), positive key k+ (another augmentation of x_i^j), negatives k- = the
 *   landmark's queue (keys of landmark j from other patients):
 *
 *       L_l = -log( e^{q·k+/τ} / (e^{q·k+/τ} + Σ_{k-} e^{q·k-/τ}) )
 *
 * - neighbouring (eq. 8): queries r_l (the same patient's patches at the ℓ nearest landmarks l ∈ N(j), encoded with
 *   their own locations p^l), against the SAME k+ and negatives. Our reading of eq. 8 (the text extraction garbles
 *   the indices of r; the sums are unambiguous):
 *
 *       L_n = -log( Σ_l e^{r_l·k+/τ} / (Σ_l e^{r_l·k+/τ} + Σ_l Σ_{k-} e^{r_l·k-/τ}) )
 *
 *   i.e. one softmax over the ℓ·(1 + K) pairs, in which the ℓ positive pairs together form the positive set.
 *   The authors' code (models/builder.py) computes something else: it sums the dot products over the neighbours
 *   BEFORE the exponential (einsum 'nrc,nc->n'), i.e. uses the unnormalised Σ_l r_l as one query in an InfoNCE
 *   loss. `neighbourForm: 'summedLogits'` reproduces it; the default 'eq8' follows the paper.
 *
 * - total (eq. 9): L = L_l + L_n, each the mean over the batch's queries.
 *
 * Negatives come with a validity mask: queue entries not yet written (or, with a [B, K] mask, keys of the query's own
 * patient) are excluded exactly — their values never reach the result, not even NaN. A query left without any
 * negative has loss log(1) = 0 and no gradient; such queries are left out of the mean (as SupCon skips anchors
 * without positives) and counted in `queriesWithoutNegatives`. Everything is computed with log-sum-exp.
 */
import { cat, full, where, type Tensor } from '../engine/index.js';
import { float32Loss } from './float32.js';

export type DrasclrNeighbourForm = 'eq8' | 'summedLogits';

export interface DrasclrLossOptions {
  /** τ (paper: 0.2, as MoCo-v2) */
  temperature?: number;
  /**
   * validity of the negatives: bool [K] (one mask for the batch, e.g. written queue slots) or [B, K] (per query,
   * e.g. also excluding the query's own patient); default: all valid
   */
  valid?: Tensor | null;
  /** 'mean' (default): mean over the queries that have a negative; 'none': the per-query losses [B] */
  reduction?: 'mean' | 'none';
}

export interface DrasclrNeighbourLossOptions extends DrasclrLossOptions {
  /** 'eq8' (default, the paper) or 'summedLogits' (the authors' code), see the file comment */
  neighbourForm?: DrasclrNeighbourForm;
}

/** paper's τ */
export const DRASCLR_TEMPERATURE = 0.2;

function checkTemperature(who: string, t: number): number {
  if (typeof t !== 'number' || !Number.isFinite(t) || t <= 0)
    throw new Error(`${who}: temperature: expected a finite number > 0, got ${String(t)}`);
  return t;
}

function shapeStr(t: Tensor): string {
  return `[${t.shape.join(', ')}]`;
}

/** Checks q [B, D] (or r [B, ℓ, D]), k+ [B, D], negatives [K, D], valid [K] | [B, K]; returns B, D, K. */
function checkShapes(
  who: string,
  queryName: string,
  query: Tensor,
  queryDims: 2 | 3,
  kPos: Tensor,
  negatives: Tensor,
  valid: Tensor | null | undefined,
): { b: number; d: number; k: number } {
  if (query.ndim !== queryDims)
    throw new Error(
      `${who}: ${queryName}: expected ${queryDims === 2 ? '[B, D]' : '[B, ℓ, D]'}, got ${shapeStr(query)}`,
    );
  const b = query.shape[0]!;
  const d = query.shape[queryDims - 1]!;
  if (b < 1) throw new Error(`${who}: ${queryName}: the batch is empty`);
  if (queryDims === 3 && query.shape[1]! < 1) throw new Error(`${who}: ${queryName}: no neighbours (ℓ = 0)`);
  if (kPos.ndim !== 2 || kPos.shape[0] !== b || kPos.shape[1] !== d)
    throw new Error(`${who}: kPos: expected [${b}, ${d}] (one positive key per query), got ${shapeStr(kPos)}`);
  if (negatives.ndim !== 2 || negatives.shape[1] !== d)
    throw new Error(`${who}: negatives: expected [K, ${d}], got ${shapeStr(negatives)}`);
  const k = negatives.shape[0]!;
  if (valid) {
    if (valid.dtype !== 'bool') throw new Error(`${who}: valid: expected a bool tensor, got ${valid.dtype}`);
    const ok =
      (valid.ndim === 1 && valid.shape[0] === k) || (valid.ndim === 2 && valid.shape[0] === b && valid.shape[1] === k);
    if (!ok) throw new Error(`${who}: valid: expected [${k}] or [${b}, ${k}], got ${shapeStr(valid)}`);
  }
  return { b, d, k };
}

/**
 * Negatives whose values can reach nothing when masked: slots invalid for EVERY query are zeroed before the product
 * (a NaN in an unwritten slot would otherwise turn 0 · NaN into NaN in the gradient of q).
 */
function cleanNegatives(negatives: Tensor, valid: Tensor | null | undefined): Tensor {
  if (!valid) return negatives;
  const any = valid.ndim === 1 ? valid : valid.any(0);
  return where(any.unsqueeze(1), negatives, 0);
}

/** logits [B, ..., K] with invalid negatives at -∞; valid [K] or [B, K] broadcast over the middle dims */
function maskLogits(logits: Tensor, valid: Tensor | null | undefined): Tensor {
  if (!valid) return logits;
  const mid = logits.ndim - 2; // dims between B and K
  const v = valid.ndim === 1 ? valid : valid.reshape(valid.shape[0]!, ...Array<number>(mid).fill(1), valid.shape[1]!);
  return logits.maskedFill(v.logicalNot(), -Infinity);
}

/** per-query bool [B]: has at least one valid negative */
function hasNegatives(b: number, k: number, valid: Tensor | null | undefined, like: Tensor): Tensor {
  if (k === 0) return full([b], false, { dtype: 'bool', device: like.device });
  if (!valid) return full([b], true, { dtype: 'bool', device: like.device });
  return valid.ndim === 1 ? valid.any().expand(b) : valid.any(1);
}

function reduce(perQuery: Tensor, has: Tensor, reduction: 'mean' | 'none'): Tensor {
  // a query without negatives has loss log(1) = 0 up to rounding: make it exactly 0 (and its gradient too)
  const losses = where(has, perQuery, 0);
  if (reduction === 'none') return losses;
  return losses.sum().div(has.sum().clampMin(1));
}

/** Local contrastive loss L_l (eq. 6). q, kPos: [B, D]; negatives: [K, D] (the landmark's queue). */
export const drasclrLocalLoss = float32Loss(function drasclrLocalLoss(
  q: Tensor,
  kPos: Tensor,
  negatives: Tensor,
  opts: DrasclrLossOptions = {},
): Tensor {
  const who = 'drasclrLocalLoss';
  const tau = checkTemperature(who, opts.temperature ?? DRASCLR_TEMPERATURE);
  const { b, k } = checkShapes(who, 'q', q, 2, kPos, negatives, opts.valid);
  const pos = q.mul(kPos).sum(1, true).div(tau); // [B, 1]
  const neg = maskLogits(q.matmul(cleanNegatives(negatives, opts.valid).T).div(tau), opts.valid); // [B, K]
  const perQuery = cat([pos, neg], 1).logsumexp(1).sub(pos.squeeze(1)); // -log softmax of the positive
  return reduce(perQuery, hasNegatives(b, k, opts.valid, q), opts.reduction ?? 'mean');
});

/**
 * Neighbouring contrastive loss L_n (eq. 8). r: [B, ℓ, D] the neighbour patches' embeddings (query encoder),
 * kPos: [B, D] the anchor patch's positive key, negatives: [K, D] the anchor landmark's queue.
 */
export const drasclrNeighbourLoss = float32Loss(function drasclrNeighbourLoss(
  r: Tensor,
  kPos: Tensor,
  negatives: Tensor,
  opts: DrasclrNeighbourLossOptions = {},
): Tensor {
  const who = 'drasclrNeighbourLoss';
  const tau = checkTemperature(who, opts.temperature ?? DRASCLR_TEMPERATURE);
  const form = opts.neighbourForm ?? 'eq8';
  if (form !== 'eq8' && form !== 'summedLogits')
    throw new Error(`${who}: neighbourForm: expected "eq8" | "summedLogits", got ${JSON.stringify(form)}`);
  const { b, k } = checkShapes(who, 'r', r, 3, kPos, negatives, opts.valid);
  const has = hasNegatives(b, k, opts.valid, r);
  const negs = cleanNegatives(negatives, opts.valid);
  if (form === 'summedLogits') {
    // the authors' code: one query s = Σ_l r_l, InfoNCE over [k+, negatives]
    const s = r.sum(1); // [B, D]
    const pos = s.mul(kPos).sum(1, true).div(tau);
    const neg = maskLogits(s.matmul(negs.T).div(tau), opts.valid);
    return reduce(cat([pos, neg], 1).logsumexp(1).sub(pos.squeeze(1)), has, opts.reduction ?? 'mean');
  }
  const pos = r.mul(kPos.unsqueeze(1)).sum(2).div(tau); // [B, ℓ]: r_l · k+ / τ
  const neg = maskLogits(r.matmul(negs.T).div(tau), opts.valid); // [B, ℓ, K]: r_l · k- / τ
  const all = cat([pos, neg.flatten(1)], 1); // [B, ℓ (1 + K)]
  const perQuery = all.logsumexp(1).sub(pos.logsumexp(1));
  return reduce(perQuery, has, opts.reduction ?? 'mean');
});

export interface DrasclrLossInput {
  /** [B, D] normalised query embeddings of the anchor patches */
  q: Tensor;
  /** [B, ℓ, D] normalised query embeddings of the neighbouring patches (null: local loss only) */
  r?: Tensor | null;
  /** [B, D] normalised positive keys (momentum encoder, other augmentation of the anchor patch) */
  kPos: Tensor;
  /** [K, D] the anchor landmark's queue */
  negatives: Tensor;
}

export interface DrasclrLossResult {
  /** L = L_l + L_n (eq. 9), or L_l alone without neighbours */
  loss: Tensor;
  local: Tensor;
  neighbour: Tensor | null;
  /** queries with no valid negative (left out of the means): an int64 scalar, read it for the logs */
  queriesWithoutNegatives: Tensor;
}

/** The DrasCLR objective per landmark (eq. 9): L = L_l + L_n. */
export function drasclrLoss(input: DrasclrLossInput, opts: DrasclrNeighbourLossOptions = {}): DrasclrLossResult {
  if (opts.reduction === 'none') throw new Error("drasclrLoss: reduction: 'none' is for the single losses");
  const local = drasclrLocalLoss(input.q, input.kPos, input.negatives, opts);
  const neighbour = input.r ? drasclrNeighbourLoss(input.r, input.kPos, input.negatives, opts) : null;
  const b = input.q.shape[0]!;
  const has = hasNegatives(b, input.negatives.shape[0]!, opts.valid, input.q);
  return {
    loss: neighbour ? local.add(neighbour) : local,
    local,
    neighbour,
    queriesWithoutNegatives: has.logicalNot().sum(),
  };
}
