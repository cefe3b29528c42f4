/**
 * PIRL's loss with a memory bank (Misra & van der Maaten 2020, eq. 5), CL-TCI's "PIRL" baseline:
 *
 *     L(I, I^t) = λ · L_NCE(m_I, g(v_{I^t})) + (1 - λ) · L_NCE(m_I, f(v_I)),   λ = 0.5
 *
 * f(v_I) is the embedding of image I, g(v_{I^t}) that of its jigsaw transformation (see jigsaw.ts), m_I its
 * memory-bank entry (src/queues/memory-bank.ts, an EMA of f(v_I) with weight 0.5) and the negatives are bank entries
 * of other images drawn at random. PIRL's defaults: τ = 0.07, 32000 negatives.
 *
 * L_NCE(m_I, x) here is the softmax form of PIRL's h (eq. 2) with x as the anchor:
 *
 *     L_NCE(m_I, x) = -log( e^{s(x, m_I)/τ} / (e^{s(x, m_I)/τ} + Σ_{I'∈D_N} e^{s(x, m_{I'})/τ}) )
 *
 * Simplification (documented): eq. 3 of the paper also adds -Σ_{I'} log(1 - h(g(v_{I^t}), m_{I'})) for each
 * negative; it is left out, as in the public PyTorch re-implementations of PIRL. The shared denominator already
 * pushes every negative away.
 *
 * Embeddings must be L2-normalised (s = cosine similarity = dot product). The bank rows and negatives carry no
 * gradient; update the bank with f(v_I) after the step.
 */
import { tidy, type Tensor } from '../engine/index.js';
import { infoNCE } from './infonce.js';
import { float32Loss } from './float32.js';

/** PIRL's λ: the weight of the transformed-image term */
export const PIRL_LAMBDA = 0.5;
/** PIRL's temperature */
export const PIRL_TAU = 0.07;

export interface PirlLossOptions {
  /** temperature (default 0.07, PIRL) */
  tau?: number;
  /** weight of L_NCE(m_I, g(v_{I^t})) (default 0.5, PIRL); the f(v_I) term gets 1 - λ */
  lambda?: number;
}

export interface PirlLossResult {
  /** λ · transformed + (1 - λ) · original */
  loss: Tensor;
  /** L_NCE(m_I, g(v_{I^t})), mean over the batch (for the logs) */
  transformed: Tensor;
  /** L_NCE(m_I, f(v_I)), mean over the batch (for the logs) */
  original: Tensor;
}

/**
 * `f` = f(v_I) (B, D), `g` = g(v_{I^t}) (B, D), `memory` = m_I (B, D) the bank rows of the batch's images,
 * `negatives` (B, K, D) per image (as `MemoryBank.negatives`) or (K, D) shared.
 */
export const pirlLoss = float32Loss(function pirlLoss(
  f: Tensor,
  g: Tensor,
  memory: Tensor,
  negatives: Tensor,
  options: PirlLossOptions = {},
): PirlLossResult {
  const tau = options.tau ?? PIRL_TAU;
  const lambda = options.lambda ?? PIRL_LAMBDA;
  if (!(lambda >= 0 && lambda <= 1)) throw new RangeError(`pirlLoss: lambda must be in [0, 1], got ${lambda}`);
  return tidy(() => {
    const m = memory.detach();
    const neg = negatives.detach();
    const transformed = infoNCE(g, m, neg, { tau });
    const original = infoNCE(f, m, neg, { tau });
    const loss = transformed.mul(lambda).add(original.mul(1 - lambda));
    return { loss, transformed, original };
  });
});
