/**
 * The papers' augmentation pipelines. Each preset cites where its choices come from; where a paper names an
 * augmentation without its magnitude, the magnitude is the authors' reference code's (named below), and where
 * neither says, the number is ours and marked so. Every preset takes overrides, so a config can change one number.
 */
import { Compose } from './compose.js';
import { RandomAffine, type RandomAffineOptions } from './random-affine.js';
import { RandomFlip } from './flip.js';
import { RandomBrightness, RandomContrast, RandomGamma, RandomGaussianNoise } from './intensity.js';
import { RandomElastic, type RandomElasticOptions } from './elastic.js';
import type { Range, Transform } from './batch.js';

export interface ClTciPresetOptions {
  /** 'pretrain' (contrastive views) or 'finetune' (segmentation, image + label) */
  stage?: 'pretrain' | 'finetune';
  /** class-id pairs swapped by the horizontal flip (the manifest's leftRightPairs; e.g. [[1, 2]] for the lungs) */
  leftRightPairs?: readonly (readonly [number, number])[];
  /** false drops the horizontal flip (the other way to keep left and right apart, docs/methods.md §2.3) */
  flip?: boolean;
  affine?: Partial<RandomAffineOptions>;
  /** scales the rotation range and the zoom's distance from 1 (default 1: the magnitudes below), in (0, 1] */
  strength?: number;
}

/** a preset's `strength`, checked: (0, 1], default 1 */
export function strengthOf(preset: string, strength: number | undefined): number {
  const s = strength ?? 1;
  if (!(s > 0 && s <= 1)) throw new Error(`${preset} augmentation: strength must be in (0, 1], got ${s}`);
  return s;
}

/**
 * CL-TCI (Zeng et al. 2021, §III-A and §IV-A; docs/methods.md §2.3): "rotation, translation, and scale are used in
 * both the pre-training and fine-tuning stages", "rotation and horizontal flip" for the contrastive views, and
 * brightness/contrast/gamma. Magnitudes from the authors' reference code (dataset/bch.py, dataset/augmentation.py):
 * rotation ±10° (pre-training) / ±30° (fine-tuning), translation ±10% of the size, contrast and brightness factors
 * U(0.6, 1.4) (torchvision's multiplicative adjust_*), gamma U(1, 1.4) (pre-training only), and a random sized crop
 * of 95-100% of the area resized back, i.e. a zoom of 1-1.026 (here: scale U(1, 1.03)). The reference code has no
 * flip; the paper does, so the flip is here with p = 0.5 (ours) and swaps `leftRightPairs` in the label.
 * Intensities are expected in [0, 1] (gamma 'unit' domain).
 */
export function clTciAugment(o: ClTciPresetOptions = {}): Compose {
  const stage = o.stage ?? 'pretrain';
  const s = strengthOf('CL-TCI', o.strength);
  const intensity = clTciIntensity(stage);
  const affine = new RandomAffine({
    rotate: (stage === 'pretrain' ? 10 : 30) * s,
    translate: 0.1,
    scale: [1, 1 + 0.03 * s],
    padding: 'zeros',
    ...o.affine,
  });
  const flip = o.flip === false ? [] : [new RandomFlip({ p: 0.5, swapLabels: o.leftRightPairs ?? [] })];
  return new Compose([...intensity, affine, ...flip]);
}

/** CL-TCI's intensity distortions (magnitudes above): contrast and multiplicative brightness, gamma for views only */
function clTciIntensity(stage: 'pretrain' | 'finetune'): Transform[] {
  return [
    new RandomContrast({ factor: [0.6, 1.4] }),
    new RandomBrightness({ range: [0.6, 1.4], mode: 'multiplicative' }),
    ...(stage === 'pretrain' ? [new RandomGamma({ gamma: [1, 1.4], domain: 'unit' })] : []),
  ];
}

export interface PclPresetOptions {
  affine?: Partial<RandomAffineOptions>;
  /** add the reference code's elastic deformation (default false: the paper does not list it) */
  elastic?: boolean | Partial<RandomElasticOptions>;
  /** the normalised background value read outside the image (docs/methods.md §3: pad with it, not with the mean) */
  background?: number;
  /**
   * intensity jitter on top of the paper's geometric augmentations: true (default) medcl's mild brightness and
   * contrast after the geometry; 'cltci' CL-TCI's strong contrast, brightness and gamma before it (ours: 'pcl-intensity', src/transforms/augment.ts)
   */
  intensity?: boolean | 'cltci';
  /** the reference code's flips of both axes (default true); fine-tuning turns them off (the paper lists none) */
  flip?: boolean;
  /** scales the rotation range and the zoom's distance from 1 (default 1: the magnitudes below), in (0, 1] */
  strength?: number;
}

/**
 * PCL (Zeng et al., MICCAI 2021, §4.1): "Data augmentations, including translation, rotation, and scale, are used in
 * both the pre-training and fine-tuning stages." Magnitudes from the reference code (dataset/chd.py, batchgenerators
 * SpatialTransform with probability 0.67, MirrorTransform on both axes): rotation over the full circle, scale
 * U(0.7, 1.3), flips of both axes with p 0.5, and elastic deformation (alpha 100-350, sigma 14-17 px; off here unless
 * asked). Translation: the reference code shifts by random crop/pad placement; ±10% here (ours). The intensity
 * jitter (brightness ±0.1, contrast 0.9-1.1, p 0.5) is ours: the paper lists none. Fine-tuning
 * (src/transforms/augment.ts) uses `{ flip: false, intensity: false }`: the paper's translation, rotation and scale only.
 */
export function pclAugment(o: PclPresetOptions = {}): Compose {
  const background = o.background ?? 0;
  const s = strengthOf('PCL', o.strength);
  const t: Transform[] = o.intensity === 'cltci' ? clTciIntensity('pretrain') : [];
  if (o.flip !== false) t.push(new RandomFlip({ axis: 'x', p: 0.5 }), new RandomFlip({ axis: 'y', p: 0.5 }));
  t.push(
    new RandomAffine({
      p: 0.67,
      rotate: [-180 * s, 180 * s],
      scale: [1 - 0.3 * s, 1 + 0.3 * s],
      translate: 0.1,
      padding: 'zeros',
      paddingValue: background,
      ...o.affine,
    }),
  );
  if (o.elastic) {
    const extra = typeof o.elastic === 'object' ? o.elastic : {};
    // sigma 14-17 px of Gaussian smoothing in batchgenerators; a 5×5 control grid gives a comparable smoothness at
    // 256-512 px, and a control-point std of 4-8 px a comparable amplitude (ours: no exact equivalence)
    t.push(new RandomElastic({ p: 0.67, magnitude: [4, 8], controlPoints: 5, paddingValue: background, ...extra }));
  }
  if (o.intensity === true || o.intensity === undefined)
    t.push(new RandomBrightness({ p: 0.5, range: [-0.1, 0.1] }), new RandomContrast({ p: 0.5, factor: [0.9, 1.1] }));
  return new Compose(t);
}

/**
 * PolyCL (Moseley & Imran, abstract and §2.1): pre-training works "without requiring any pixel-level
 * annotations or data augmentations": positives come from the organ/scan selection, not from augmented views. The
 * preset is therefore the identity pipeline; the paper states no fine-tuning augmentation either.
 */
export function polyclAugment(): Compose {
  return new Compose([]);
}

export interface DrasClrPresetOptions {
  affine?: Partial<RandomAffineOptions>;
  /** noise std range on the [-1, 1] scale (default [0, 50/632]: 50 HU) */
  noiseStd?: Range;
}

/**
 * DrasCLR (Yu et al., Medical Image Analysis 2023, §3): "random affine transforms (applied in the order of rotation,
 * translation, and scale), Gaussian noise, and random image contrast adjustments" with MONAI, on 3D patches.
 * Magnitudes from the reference code (train.py define_augmentation, default 'agc'): RandAffine rotation ±π/18 (10°)
 * per axis, translation ±12 voxels of a 32³ patch (0.375), scale 1 ± 0.1, border padding; RandGaussianNoise p 0.25,
 * std 50 HU on the HU+1024 scale = 50/632 on the [-1, 1] scale (MONAI draws the std in [0, std]);
 * RandAdjustContrast p 0.25, gamma U(0.5, 4.5) on the min-max range (MONAI's defaults).
 */
export function drasClrAugment(o: DrasClrPresetOptions = {}): Compose {
  return new Compose([
    new RandomAffine({ rotate: 10, translate: 0.375, scale: [0.9, 1.1], padding: 'border', ...o.affine }),
    new RandomGaussianNoise({ p: 0.25, std: o.noiseStd ?? [0, 50 / 632] }),
    new RandomGamma({ p: 0.25, gamma: [0.5, 4.5], domain: 'minmax' }),
  ]);
}
