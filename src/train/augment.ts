/**
 * The training loops' augmentation: the papers' presets (src/transforms/presets.ts) applied to image batches for
 * contrastive views, and jointly to image + label for fine-tuning (labels resampled nearest; the horizontal flip
 * swaps the manifest's left/right classes).
 */
import { tidy, type Tensor } from '../engine/index.js';
import { clTciAugment, pclAugment, polyclAugment } from '../transforms/presets.js';
import type { Compose } from '../transforms/compose.js';
import type { Rng } from '../util/rng.js';

export type AugmentPreset = 'cltci' | 'pcl' | 'polycl' | 'none';

function pipeline(preset: AugmentPreset): Compose | null {
  if (preset === 'cltci') return clTciAugment({ stage: 'pretrain', flip: true });
  if (preset === 'pcl') return pclAugment();
  if (preset === 'polycl') return polyclAugment();
  return null;
}

/** `views` independent augmentations of a (N, 1, H, W) batch; the input is disposed. */
export function contrastiveViews(x: Tensor, rng: Rng, preset: AugmentPreset, views = 2): Tensor[] {
  const p = pipeline(preset);
  if (!p) return Array.from({ length: views }, (_, i) => (i === 0 ? x : x.clone()));
  const out = tidy(() => Array.from({ length: views }, () => p.apply({ image: x }, rng).image));
  x.dispose();
  return out;
}

/**
 * Fine-tuning augmentation (CL-TCI's fine-tuning stage: rotation ±30°, translation, scale, intensity, and a flip that
 * swaps `leftRightPairs`). Labels (N, H, W) int64 stay class ids.
 */
export function segmentationAugment(
  batch: { image: Tensor; label: Tensor },
  rng: Rng,
  leftRightPairs: readonly (readonly [number, number])[],
): { image: Tensor; label: Tensor } {
  const p = clTciAugment({ stage: 'finetune', leftRightPairs, flip: true });
  const r = p.apply(batch, rng);
  return { image: r.image, label: r.label! };
}
