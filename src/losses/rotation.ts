/**
 * Rotation prediction (Gidaris, Singh & Komodakis, ICLR 2018), CL-TCI's "Rotation" baseline: the network predicts
 * which of 4 rotations (0°, 90°, 180°, 270°, labels 0..3) was applied to an image; the loss is cross-entropy.
 *
 * ```ts
 * const { images, labels } = rotationBatch(x); // all 4 rotations of every image, as in the paper
 * const loss = rotationLoss(classifier.forward(encoder.forward(images)), labels);
 * ```
 */
import { arange, cat, F, randint, tidy, type Generator, type Tensor } from '../engine/index.js';
import { float32Loss } from './float32.js';

/** number of rotation classes */
export const ROTATION_CLASSES = 4;

/**
 * Rotates a batch (N, C, H, W) by k·90° counter-clockwise in the (H, W) plane (as torch.rot90(x, k, [2, 3]) and
 * numpy.rot90: an image shown with row 0 at the top turns to the left). For odd k the result is (N, C, W, H).
 * Pure engine ops (transpose and flip), differentiable.
 */
export function rotate90(x: Tensor, k: number): Tensor {
  if (x.ndim !== 4) throw new RangeError(`rotate90: x must be (N, C, H, W), got shape [${x.shape.join(', ')}]`);
  if (!Number.isInteger(k)) throw new RangeError(`rotate90: k must be an integer, got ${k}`);
  const r = ((k % 4) + 4) % 4;
  if (r === 0) return x.clone();
  if (r === 2) return x.flip(2, 3);
  return tidy(() => (r === 1 ? x.flip(3).transpose(2, 3) : x.transpose(2, 3).flip(3)));
}

export interface RotationBatchOptions {
  /**
   * 'all' (default, the paper's best setting): every image in all 4 rotations, a batch of 4N ordered by rotation
   * (row k*N + i is image i rotated by k·90°). 'random': one rotation per image drawn with `generator`, N rows.
   */
  mode?: 'all' | 'random';
  /** seeded stream for mode 'random' (libtorch's default generator when omitted) */
  generator?: Generator;
}

export interface RotationBatch {
  /** rotated images (4N or N, C, H, W) */
  images: Tensor;
  /** int64 rotation labels 0..3 (k of k·90°) */
  labels: Tensor;
}

/** The rotated images and their labels for the rotation pretext task. Images must be square (H = W). */
export function rotationBatch(x: Tensor, options: RotationBatchOptions = {}): RotationBatch {
  if (x.ndim !== 4) throw new RangeError(`rotationBatch: x must be (N, C, H, W), got shape [${x.shape.join(', ')}]`);
  const [n, , h, w] = x.shape as [number, number, number, number];
  if (h !== w) throw new RangeError(`rotationBatch: images must be square to batch their rotations, got ${h}×${w}`);
  const mode = options.mode ?? 'all';
  if (mode !== 'all' && mode !== 'random')
    throw new RangeError(`rotationBatch: mode must be "all" or "random", got ${String(mode)}`);
  return tidy(() => {
    const rotated = cat([0, 1, 2, 3].map((k) => rotate90(x, k))); // (4N, C, H, W), row k*N + i
    const dev = x.device;
    if (mode === 'all') {
      const labels = arange(0, ROTATION_CLASSES, 1, { device: dev }).reshape(ROTATION_CLASSES, 1).expand(4, n);
      return { images: rotated, labels: labels.reshape(4 * n) };
    }
    const labels = randint(0, ROTATION_CLASSES, [n], {
      dtype: 'int64',
      device: dev,
      ...(options.generator ? { generator: options.generator } : {}),
    });
    const rows = labels.mul(n).add(arange(0, n, 1, { device: dev }));
    return { images: rotated.indexSelect(0, rows), labels };
  });
}

/** Cross-entropy of rotation logits (B, 4) against labels (B,) int64 in 0..3, mean over the batch. */
export const rotationLoss = float32Loss(function rotationLoss(logits: Tensor, labels: Tensor): Tensor {
  if (logits.ndim !== 2 || logits.shape[1] !== ROTATION_CLASSES)
    throw new RangeError(`rotationLoss: logits must be (B, 4), got shape [${logits.shape.join(', ')}]`);
  if (labels.ndim !== 1 || labels.shape[0] !== logits.shape[0])
    throw new RangeError(
      `rotationLoss: labels must be (${logits.shape[0]},) to match logits, got shape [${labels.shape.join(', ')}]`,
    );
  return F.crossEntropy(logits, labels);
});
