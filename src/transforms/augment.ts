/**
 * The training loops' augmentation: the papers' presets (src/transforms/presets.ts) applied to image batches for
 * contrastive views, and jointly to image + label for fine-tuning (labels resampled nearest; the horizontal flip
 * swaps the manifest's left/right classes).
 */
import { tidy, type Tensor } from '../engine/index.js';
import { clTciAugment, pclAugment, polyclAugment, strengthOf } from './presets.js';
import type { Compose } from './compose.js';
import type { Rng } from '../util/rng.js';

export type AugmentPreset = 'cltci' | 'pcl' | 'pcl-reference' | 'pcl-intensity' | 'polycl' | 'none';

/**
 * Pre-training views. 'pcl' is the paper's list (translation, rotation, scale); 'pcl-reference' adds what the authors'
 * code and medcl used before: flips of both axes and intensity jitter. Flips make the encoder blind to left and right
 * (a mirrored left lung looks like a right one), which segmentation with left/right classes needs; see
 * docs/fidelity.md for the measurement. 'pcl-intensity' (ours) is 'pcl' with CL-TCI's strong intensity distortions
 * (contrast and brightness x U(0.6, 1.4), gamma U(1, 1.4)) and no flips: SimCLR's authors found colour distortion
 * essential to instance discrimination, which can otherwise tell scans apart by their intensities.
 */
export function pretrainPipeline(preset: AugmentPreset): Compose | null {
  if (preset === 'cltci') return clTciAugment({ stage: 'pretrain', flip: true });
  if (preset === 'pcl') return pclAugment({ flip: false, intensity: false });
  if (preset === 'pcl-reference') return pclAugment();
  if (preset === 'pcl-intensity') return pclAugment({ flip: false, intensity: 'cltci' });
  if (preset === 'polycl') return polyclAugment();
  return null;
}

/** `views` independent augmentations of a (N, 1, H, W) batch; the input is disposed. */
export function contrastiveViews(x: Tensor, rng: Rng, preset: AugmentPreset, views = 2): Tensor[] {
  const p = pretrainPipeline(preset);
  if (!p) return Array.from({ length: views }, (_, i) => (i === 0 ? x : x.clone()));
  const out = tidy(() => Array.from({ length: views }, () => p.apply({ image: x }, rng).image));
  x.dispose();
  return out;
}

export interface SegmentationAugmentOptions {
  preset: Exclude<AugmentPreset, 'pcl-reference' | 'pcl-intensity'>;
  /** class-id pairs the horizontal flip swaps ('cltci'; the manifest's leftRightPairs) */
  leftRightPairs?: readonly (readonly [number, number])[];
  /**
   * scales the preset's rotation and zoom ranges (default 1: the paper's; 0.1 = a tenth of the angle and of the
   * zoom's distance from 1); translation, flips and intensity stay as the preset has them
   */
  strength?: number;
}

/** the fine-tuning pipeline of a preset (null: no augmentation) */
function segmentationPipeline(o: SegmentationAugmentOptions): Compose | null {
  const strength = strengthOf('segmentation', o.strength);
  // CL-TCI's fine-tuning stage: rotation ±30°, translation, scale, intensity, and a flip that swaps leftRightPairs
  if (o.preset === 'cltci')
    return clTciAugment({ stage: 'finetune', leftRightPairs: o.leftRightPairs ?? [], flip: true, strength });
  // PCL §4.1: "translation, rotation, and scale ... in both the pre-training and fine-tuning stages": nothing else
  if (o.preset === 'pcl') return pclAugment({ flip: false, intensity: false, strength });
  // PolyCL states no fine-tuning augmentation: 'polycl' is the identity, as 'none'
  return null;
}

/**
 * Fine-tuning augmentation of image (N, 1, H, W) and label (N, H, W) int64 together (labels resampled nearest, so
 * they stay class ids). Presets: 'cltci', 'pcl' (geometric only), 'polycl' = 'none' (the batch unchanged).
 */
export function segmentationAugment(
  batch: { image: Tensor; label: Tensor },
  rng: Rng,
  options: SegmentationAugmentOptions,
): { image: Tensor; label: Tensor } {
  const p = segmentationPipeline(options);
  if (!p) return batch;
  const r = p.apply(batch, rng);
  return { image: r.image, label: r.label! };
}
