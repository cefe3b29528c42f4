/**
 * Segmentation losses for fine-tuning: soft Dice (PolyCL: `1 - 2|Y∩Ŷ|/(|Y|+|Ŷ|)`), cross-entropy (CL-TCI, PCL) and
 * their weighted sum.
 *
 * ```ts
 * const logits = unet.forward(images);           // (N, C, H, W)
 * const loss = softDiceLoss(logits, labels);    // labels (N, H, W) int64 class indices
 * ```
 */
import { F, tidy, type Tensor } from '../engine/index.js';
import { float32Loss } from './float32.js';

export { crossEntropy } from '../engine/functional.js';

export interface SoftDiceOptions {
  /**
   * Apply a softmax over the class dim first (default true: the input is logits). With false the input must
   * already be probabilities (N, C, ...).
   */
  softmax?: boolean;
  /** include class 0 (background) in the mean; default false: the mean is over the foreground classes 1..C-1 */
  includeBackground?: boolean;
  /**
   * Added to numerator and denominator: D_c = (2 Σ p·y + smooth) / (Σ p + Σ y + smooth). Default 1e-5 (MONAI's and
   * nnU-Net's order): it only matters for a class absent from both target and prediction, which then scores 1
   * (loss 0) instead of 0/0; for a class absent from the target but predicted, D_c ≈ 0 and the loss pushes the
   * prediction down.
   */
  smooth?: number;
  /**
   * false (default): "batch Dice", the sums run over the whole batch and all pixels for each class (a class only
   * has to be present somewhere in the batch). true: one Dice per sample and class, then the mean over both.
   */
  perSample?: boolean;
}

/** (N, C, ...) float one-hot of the target, which is either int class indices (N, ...) or already (N, C, ...) */
function targetOneHot(fn: string, input: Tensor, target: Tensor): Tensor {
  const s = input.shape;
  const c = s[1]!;
  const t = target.shape;
  const sameAsInput = t.length === s.length && t.every((v, i) => v === s[i]);
  if (sameAsInput) return target.to({ dtype: input.dtype, device: input.device });
  const spatialMatch = t.length === s.length - 1 && t[0] === s[0] && t.slice(1).every((v, i) => v === s[i + 2]);
  if (!spatialMatch)
    throw new RangeError(
      `${fn}: target must be class indices of shape [${[s[0], ...s.slice(2)].join(', ')}] or one-hot ` +
        `[${s.join(', ')}], got [${t.join(', ')}]`,
    );
  if (
    target.dtype === 'float32' ||
    target.dtype === 'float64' ||
    target.dtype === 'float16' ||
    target.dtype === 'bfloat16'
  )
    throw new TypeError(`${fn}: class-index target must be an integer tensor, got ${target.dtype}`);
  return tidy(() => {
    const lo = target.min().item();
    const hi = target.max().item();
    if (lo < 0 || hi >= c)
      throw new RangeError(`${fn}: target holds class ${lo < 0 ? lo : hi}, outside 0..${c - 1} (C = ${c} channels)`);
    const oh = F.oneHot(target.to({ dtype: 'int64', device: input.device }), c); // (N, ..., C)
    const order = [0, s.length - 1, ...Array.from({ length: s.length - 2 }, (_, i) => i + 1)];
    return oh.permute(...order).to({ dtype: input.dtype });
  });
}

/**
 * Per-class soft Dice scores D_c (the part of the loss before `1 - mean`): shape (C,) for batch Dice, (N, C) with
 * `perSample`. Exposed for logging.
 */
export const softDiceScores = float32Loss(function softDiceScores(
  input: Tensor,
  target: Tensor,
  options: SoftDiceOptions = {},
): Tensor {
  const fn = 'softDice';
  if (input.ndim < 3)
    throw new RangeError(`${fn}: input must be (N, C, spatial...), got shape [${input.shape.join(', ')}]`);
  const smooth = options.smooth ?? 1e-5;
  if (!Number.isFinite(smooth) || smooth < 0) throw new RangeError(`${fn}: smooth must be ≥ 0, got ${smooth}`);
  const useSoftmax = options.softmax ?? true;
  return tidy(() => {
    const probs = useSoftmax ? F.softmax(input, 1) : input;
    const y = targetOneHot(fn, input, target);
    const spatial = Array.from({ length: input.ndim - 2 }, (_, i) => i + 2);
    const dims = options.perSample ? spatial : [0, ...spatial];
    const inter = probs.mul(y).sum(dims);
    const denom = probs.sum(dims).add(y.sum(dims));
    return inter.mul(2).add(smooth).div(denom.add(smooth));
  });
});

/**
 * Soft Dice loss `1 - mean_c D_c` on softmax probabilities against one-hot targets, the mean over the foreground
 * classes (1..C-1) unless `includeBackground`. `input` is (N, C, ...) logits (or probabilities with
 * softmax: false), `target` (N, ...) integer class indices or (N, C, ...) one-hot.
 */
export const softDiceLoss = float32Loss(function softDiceLoss(
  input: Tensor,
  target: Tensor,
  options: SoftDiceOptions = {},
): Tensor {
  const c = input.ndim >= 2 ? input.shape[1]! : 0;
  const includeBackground = options.includeBackground ?? false;
  if (!includeBackground && c < 2)
    throw new RangeError(
      `softDiceLoss: input has ${c} channel(s): the foreground mean needs ≥ 2 classes (or includeBackground: true)`,
    );
  return tidy(() => {
    const d = softDiceScores(input, target, options);
    const fg = includeBackground ? d : d.narrow(-1, 1, c - 1);
    return fg.mean().rsub(1);
  });
});

export interface DiceCEOptions extends SoftDiceOptions {
  /** weight of the Dice term (default 1) */
  diceWeight?: number;
  /** weight of the cross-entropy term (default 1) */
  ceWeight?: number;
  /** per-class weights of the cross-entropy (C,) */
  classWeights?: Tensor | null;
}

/**
 * `diceWeight · softDiceLoss + ceWeight · crossEntropy` on logits (N, C, ...) and class indices (N, ...) or a
 * one-hot (N, C, ...) target, the nnU-Net-style combination. Needs logits (the cross-entropy applies its own log-softmax).
 */
export const diceCELoss = float32Loss(function diceCELoss(
  logits: Tensor,
  target: Tensor,
  options: DiceCEOptions = {},
): Tensor {
  if (options.softmax === false)
    throw new RangeError('diceCELoss: needs logits (softmax: false is not supported: cross-entropy takes logits)');
  const wd = options.diceWeight ?? 1;
  const wc = options.ceWeight ?? 1;
  for (const [name, v] of [
    ['diceWeight', wd],
    ['ceWeight', wc],
  ] as const)
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`diceCELoss: ${name} must be ≥ 0, got ${v}`);
  return tidy(() => {
    const dice = softDiceLoss(logits, target, options);
    // class indices (N, ...) as int64; a one-hot (N, C, ...) target as class probabilities
    const ceTarget =
      target.ndim === logits.ndim - 1 ? target.to({ dtype: 'int64' }) : target.to({ dtype: logits.dtype });
    const ce = F.crossEntropy(logits, ceTarget, { weight: options.classWeights ?? null });
    return dice.mul(wd).add(ce.mul(wc));
  });
});
