/**
 * Scoring a dense prediction: Dice of the mask with a reference label map's lesion voxels (both empty: 1, the
 * project's 'perfect' policy, src/eval/metrics/dice.ts), and the paper's patch detection from the probabilities
 * (§4.3.1).
 */
import type { Image } from '../../io/image.js';
import { extractPatch, patchPlacement } from '../../data/landmark-patches.js';
import { lesionIndicator } from '../../data/patch-labels.js';

/** The reference's lesion voxels and the Dice of `mask` (predictedVoxels ones) with them. */
export function lesionDice(
  mask: Uint8Array,
  predictedVoxels: number,
  reference: Image,
  lesionLabels: readonly number[],
): { referenceVoxels: number; dice: number } {
  const ref = lesionIndicator(reference, lesionLabels);
  let r = 0;
  let both = 0;
  for (let q = 0; q < ref.length; q++) {
    r += ref[q]!;
    if (ref[q] && mask[q]) both++;
  }
  return { referenceVoxels: r, dice: r + predictedVoxels === 0 ? 1 : (2 * both) / (r + predictedVoxels) };
}

/**
 * The paper's patch detection from a dense prediction (§4.3.1): a patch is positive when at least `minFraction`
 * (default 0.25) of its voxels have a probability above `voxelThreshold` (default 0.5); voxels outside the volume
 * count as negative.
 */
export function patchDetection(
  probability: Pick<Image, 'data' | 'shape'>,
  centre: readonly number[],
  patchSize: number,
  options: { voxelThreshold?: number; minFraction?: number } = {},
): { fraction: number; positive: boolean } {
  const { start } = patchPlacement(centre, probability.shape, patchSize);
  const buf = extractPatch(probability, start, patchSize, undefined, 0, 'constant', 0);
  const thr = options.voxelThreshold ?? 0.5;
  let count = 0;
  for (let i = 0; i < buf.length; i++) if (buf[i]! > thr) count++;
  const fraction = count / buf.length;
  return { fraction, positive: fraction >= (options.minFraction ?? 0.25) };
}
