/**
 * Shared pieces of the contrastive losses: a masked, max-shifted log-sum-exp and argument checks.
 */
import { type Tensor } from '../engine/index.js';

/**
 * log Σ_{k : valid[i,k]} exp(logits[i,k]) along dim 1, keepdim (shape [rows, 1]).
 *
 * Masked entries are set to -inf, so they add exp(-inf) = 0 to the sum and get a zero gradient: they are in
 * neither numerator nor denominator. The row max over the VALID entries is subtracted before exp (and detached, a
 * constant shift), so the largest term is exp(0) = 1: no overflow at small tau, and the sum is ≥ 1, so its log is
 * finite even when every other entry underflows. Every row must have at least one valid entry (callers check).
 */
export function maskedLogSumExp(logits: Tensor, valid: Tensor | null): Tensor {
  let masked = logits;
  let invalid: Tensor | null = null;
  if (valid !== null) {
    invalid = valid.logicalNot();
    masked = logits.maskedFill(invalid, -Infinity);
  }
  const rowMax = masked.amax(1, true);
  const shift = rowMax.detach();
  const shifted = masked.sub(shift);
  const expd = shifted.exp();
  const sum = expd.sum(1, true);
  const logSum = sum.log();
  const out = logSum.add(shift);
  for (const t of [rowMax, shift, shifted, expd, sum, logSum]) t.dispose();
  if (invalid !== null) {
    invalid.dispose();
    masked.dispose();
  }
  return out;
}

/** throws unless tau is a finite positive number */
export function checkTau(fn: string, tau: number): void {
  if (typeof tau !== 'number' || !Number.isFinite(tau) || tau <= 0)
    throw new RangeError(`${fn}: tau must be a finite number > 0, got ${String(tau)}`);
}

/** throws unless t is a 2-D floating-point tensor; returns its shape */
export function check2d(fn: string, name: string, t: Tensor): [number, number] {
  if (t.ndim !== 2) throw new RangeError(`${fn}: ${name} must be 2-D (rows, dim), got shape [${t.shape.join(', ')}]`);
  if (t.dtype !== 'float32' && t.dtype !== 'float64' && t.dtype !== 'float16' && t.dtype !== 'bfloat16')
    throw new TypeError(`${fn}: ${name} must be a floating-point tensor, got ${t.dtype}`);
  return t.shape as [number, number];
}

/** the reference SupCon code's base temperature: its loss is multiplied by tau / 0.07 */
export const SUPCON_BASE_TEMPERATURE = 0.07;
