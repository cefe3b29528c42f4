/**
 * The multi-positive (SupCon) loss of docs/methods.md §1, used by SimCLR, CL-TCI-SimCLR, PCL and GCL (in-batch), and by
 * CL-TCI-MoCo with a labelled queue (`supConQueueLoss`).
 *
 * ```ts
 * const views = expandToViews(samePatientRelation(samples)); // 2N×2N, layout 'stacked': rows v*N + i
 * const z = F.normalize(head.forward(encoder.forward(cat([x1, x2]))), { dim: 1 });
 * const { loss, skipped } = supConLoss(z, views, { tau: 0.1 });
 * ```
 */
import { cat, eye, ones, tensor, tidy, type Tensor } from '../engine/index.js';
import type { RelationMask } from '../relations/mask.js';
import { checkTau, check2d, maskedLogSumExp, SUPCON_BASE_TEMPERATURE } from './masked-lse.js';
import { float32Loss } from './float32.js';

export interface SupConOptions {
  /** temperature; 0.1 in CL-TCI and PCL */
  tau?: number;
  /**
   * Multiply the loss by tau / 0.07, as the reference SupCon code does (its `temperature / base_temperature`).
   * Off by default: the papers' equations have no such factor.
   */
  temperatureScaling?: boolean;
}

export interface SupConResult {
  /** scalar loss, differentiable with respect to the embeddings */
  loss: Tensor;
  /** anchors that had at least one positive (the loss is their mean) */
  anchors: number;
  /** anchors without any positive, left out of the mean (log this: many means the sampler/relation is off) */
  skipped: number;
}

/** an M×M positive mask: a boolean (or 0/1 numeric) tensor, or a relation mask from src/relations */
export type PositiveMask = Tensor | RelationMask;

function isRelationMask(m: PositiveMask): m is RelationMask {
  return (m as RelationMask).mask instanceof Uint8Array && typeof (m as RelationMask).n === 'number';
}

/**
 * The positives as a bool tensor on `device` with the diagonal cleared (an anchor is never its own positive), and
 * the number of positives of each row.
 */
function positivesTensor(fn: string, positives: PositiveMask, m: number, device: string): [Tensor, number[]] {
  if (isRelationMask(positives)) {
    if (positives.n !== m) {
      const hint =
        positives.n * 2 === m ? ' (an N×N sample relation: expand it to the 2N views with expandToViews first)' : '';
      throw new RangeError(`${fn}: positives is a ${positives.n}×${positives.n} relation, z has ${m} rows${hint}`);
    }
    if (positives.mask.length !== m * m)
      throw new RangeError(`${fn}: positives.mask has ${positives.mask.length} entries, expected ${m * m}`);
    const bits = new Uint8Array(m * m);
    const counts = new Array<number>(m).fill(0);
    for (let i = 0; i < m; i++)
      for (let j = 0; j < m; j++)
        if (i !== j && positives.mask[i * m + j] !== 0) {
          bits[i * m + j] = 1;
          counts[i]!++;
        }
    return [tensor(bits, { shape: [m, m], dtype: 'bool', device }), counts];
  }
  const s = positives.shape;
  if (s.length !== 2 || s[0] !== m || s[1] !== m)
    throw new RangeError(`${fn}: positives must have shape [${m}, ${m}] (rows of z), got [${s.join(', ')}]`);
  return tidy(() => {
    const onDevice = positives.device === device ? positives : positives.to({ device });
    const notDiag = eye(m, { dtype: 'bool', device }).logicalNot();
    const pos = onDevice.ne(0).logicalAnd(notDiag);
    const counts = pos.sum(1).toArray();
    return [pos, counts] as [Tensor, number[]];
  });
}

/**
 * Multi-positive contrastive loss over M views (docs/methods.md §1; CL-TCI eq. 2, SupCon's L_out):
 *
 *     L_i = -1/|P(i)| Σ_{p∈P(i)} log( exp(z_i·z_p/τ) / Σ_{k≠i} exp(z_i·z_k/τ) ),   L = mean over i with |P(i)| > 0
 *
 * `z` (M, D) must be L2-normalised (cosine similarity = dot product; this is not checked). `positives` is M×M
 * (e.g. `expandToViews(relation)`); its diagonal is ignored. The log-sum-exp masks the diagonal and subtracts the row
 * max. Anchors without positives are skipped and counted; if no anchor has a positive the function throws rather
 * than return NaN.
 */
export const supConLoss = float32Loss(function supConLoss(
  z: Tensor,
  positives: PositiveMask,
  options: SupConOptions = {},
): SupConResult {
  const fn = 'supConLoss';
  const tau = options.tau ?? 0.1;
  checkTau(fn, tau);
  const [m] = check2d(fn, 'z', z);
  if (m < 2) throw new RangeError(`${fn}: z needs at least 2 rows (views), got ${m}`);
  const [pos, counts] = positivesTensor(fn, positives, m, z.device);
  const anchors = counts.filter((c) => c > 0).length;
  if (anchors === 0) {
    pos.dispose();
    throw new Error(
      `${fn}: no anchor has a positive among the ${m} views (every row of positives is empty off the diagonal); ` +
        'check the relation and the sampler (each sample needs its second view, or another related sample)',
    );
  }
  const loss = tidy(() => {
    const logits = z.matmul(z.T).div(tau);
    const notDiag = eye(m, { dtype: 'bool', device: z.device }).logicalNot();
    const lse = maskedLogSumExp(logits, notDiag).squeeze(1); // log Σ_{k≠i} exp(s_ik/τ)
    const posF = pos.to({ dtype: z.dtype });
    const count = posF.sum(1);
    // Σ_p log p(i,p) = Σ_p s_ip/τ - |P(i)|·lse_i: uses the unmasked (finite) logits, so no -inf·0 anywhere
    const sumLogProb = logits.mul(posF).sum(1).sub(count.mul(lse));
    const meanLogProb = sumLogProb.div(count.clampMin(1)); // rows without positives: 0 / 1 = 0, left out below
    let l = meanLogProb.sum().div(-anchors);
    if (options.temperatureScaling) l = l.mul(tau / SUPCON_BASE_TEMPERATURE);
    return l;
  });
  pos.dispose();
  return { loss, anchors, skipped: m - anchors };
});

export interface SupConQueueKeys {
  /** (B, D) each query's own key (the other augmentation, from the momentum encoder) */
  own: Tensor;
  /** (K, D) the queued keys (may be 0 rows) */
  queue: Tensor;
}

export interface SupConQueueOptions extends SupConOptions {
  /**
   * (K,) bool: queue slots that hold a key. Slots never written must be false: they are excluded from the
   * numerator AND the denominator (the reference code initialised them to label 0, so patient 0 matched random
   * vectors). Omit only when the queue is full.
   */
  valid?: Tensor | null;
}

/**
 * The multi-positive loss against a labelled queue (CL-TCI-MoCo, docs/methods.md §1). Each query's candidates are
 * [its own key, the valid queue slots]; its positives are its own key plus every valid queued key marked in
 * `keyPositives` (B, K) (same patient: see `queuePositives`):
 *
 *     L_i = -1/|P(i)| Σ_{p∈P(i)} log( exp(q_i·k_p/τ) / Σ_{c valid} exp(q_i·k_c/τ) )
 *
 * Every query has at least its own key as positive, so `skipped` is 0. Keys are used as given: detach them (or
 * compute them under noGrad) so that no gradient reaches the momentum encoder.
 */
export const supConQueueLoss = float32Loss(function supConQueueLoss(
  q: Tensor,
  keys: SupConQueueKeys,
  keyPositives: Tensor,
  options: SupConQueueOptions = {},
): SupConResult {
  const fn = 'supConQueueLoss';
  const tau = options.tau ?? 0.1;
  checkTau(fn, tau);
  const [b, d] = check2d(fn, 'q', q);
  const [bk, dk] = check2d(fn, 'keys.own', keys.own);
  if (bk !== b || dk !== d)
    throw new RangeError(`${fn}: keys.own must have shape [${b}, ${d}] like q, got [${bk}, ${dk}]`);
  const [k, dq] = check2d(fn, 'keys.queue', keys.queue);
  if (dq !== d) throw new RangeError(`${fn}: keys.queue must have ${d} columns like q, got ${dq}`);
  const ps = keyPositives.shape;
  if (ps.length !== 2 || ps[0] !== b || ps[1] !== k)
    throw new RangeError(`${fn}: keyPositives must have shape [${b}, ${k}] (queries × queue), got [${ps.join(', ')}]`);
  const valid = options.valid ?? null;
  if (valid !== null && (valid.ndim !== 1 || valid.shape[0] !== k))
    throw new RangeError(
      `${fn}: valid must have shape [${k}] (one flag per queue slot), got [${valid.shape.join(', ')}]`,
    );
  if (b === 0) throw new RangeError(`${fn}: q has no rows`);

  const loss = tidy(() => {
    const dev = q.device;
    const lPos = q.mul(keys.own).sum(1, true); // (B, 1): q_i · k_i
    const lQueue = q.matmul(keys.queue.T); // (B, K)
    const logits = cat([lPos, lQueue], 1).div(tau);
    const ownCol = ones([b, 1], { dtype: 'bool', device: dev });
    let queuePos = keyPositives.to({ device: dev }).ne(0);
    let candidates: Tensor | null = null;
    if (valid !== null) {
      const v = valid.to({ device: dev }).ne(0).reshape(1, k).expand(b, k);
      queuePos = queuePos.logicalAnd(v);
      candidates = cat([ownCol, v], 1);
    }
    const posF = cat([ownCol, queuePos], 1).to({ dtype: q.dtype });
    const lse = maskedLogSumExp(logits, candidates).squeeze(1);
    const count = posF.sum(1); // ≥ 1 (own key)
    const meanLogProb = logits.mul(posF).sum(1).sub(count.mul(lse)).div(count);
    let l = meanLogProb.mean().neg();
    if (options.temperatureScaling) l = l.mul(tau / SUPCON_BASE_TEMPERATURE);
    return l;
  });
  return { loss, anchors: b, skipped: 0 };
});

/**
 * (B, K) bool: queued key j is a positive of query i when they carry the same id (patient). Negative ids mean
 * "no id" (an empty slot) and never match, so a queue that marks empty slots with -1 cannot leak positives even
 * without a validity mask.
 */
export function queuePositives(queryIds: Tensor, queueIds: Tensor): Tensor {
  if (queryIds.ndim !== 1 || queueIds.ndim !== 1)
    throw new RangeError(
      `queuePositives: ids must be 1-D, got [${queryIds.shape.join(', ')}] and [${queueIds.shape.join(', ')}]`,
    );
  return tidy(() => {
    const qi = queryIds.to({ device: queueIds.device }).reshape(-1, 1);
    const kj = queueIds.reshape(1, -1);
    return qi.eq(kj).logicalAnd(kj.ge(0)).logicalAnd(qi.ge(0));
  });
}
