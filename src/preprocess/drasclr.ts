/**
 * DrasCLR pre-processing of one CT scan (Yu et al. §4.1; docs/drasclr.md): resample to 1 mm isotropic, clip HU to
 * [-1024, 240] and scale linearly to [-1, 1]; and a lung mask on the same grid, from the scan's label map when
 * there is one (labelLungMask) or by thresholding (thresholdLungMask, see lung-mask.ts).
 *
 * The image is resampled with trilinear interpolation, the label map with nearest neighbour (resample.ts); the
 * threshold mask is computed on the resampled HU volume.
 */
import type { Image } from '../io/image.js';
import { resample } from './resample.js';
import { huClipScale } from './huClipScale.js';
import { labelLungMask, thresholdLungMask, type ThresholdLungMaskOptions } from './lung-mask.js';

export interface DrasclrPreprocessOptions {
  /** target isotropic spacing in mm (default 1, the paper's) */
  spacing?: number;
  /** HU window mapped to [-1, 1] (default [-1024, 240], the paper's) */
  huMin?: number;
  huMax?: number;
  /** label values that are lung in a provided label map (default: every non-zero label) */
  lungLabels?: readonly number[];
  /** options of the threshold default (scans without a label map) */
  threshold?: ThresholdLungMaskOptions;
}

export type LungMaskSource = 'label' | 'threshold';

export interface PreprocessedScan {
  /** float32 in [-1, 1] on the isotropic grid */
  image: Image<Float32Array>;
  /** uint8 0/1 lung mask on the same grid */
  lung: Image<Uint8Array>;
  lungSource: LungMaskSource;
  lungVoxels: number;
}

/** A scan whose lung mask is empty: the run skips it with this message. */
export class NoLungError extends Error {
  constructor(
    readonly source: string,
    how: string,
  ) {
    super(`${source}: no lung voxels (${how})`);
    this.name = 'NoLungError';
  }
}

function describeLabels(l: readonly number[] | undefined): string {
  return l ? `label values ${l.join(', ')}` : 'non-zero labels';
}

/** The lung mask of a scan (1 mm grid): from `label` (resampled nearest) or by thresholding `huResampled`. */
export function lungMaskOf(
  huResampled: Image,
  label: Image | undefined,
  options: DrasclrPreprocessOptions = {},
): { lung: Image<Uint8Array>; source: LungMaskSource; voxels: number } {
  const spacing = options.spacing ?? 1;
  let mask: Uint8Array;
  let voxels: number;
  let source: LungMaskSource;
  if (label) {
    if (label.shape.length !== 3)
      throw new RangeError(
        `${label.source ?? 'label'}: expected a 3D label map, got shape [${label.shape.join(', ')}]`,
      );
    const lab = resample(label, { spacing, interpolation: 'nearest' });
    if (lab.shape.join(',') !== huResampled.shape.join(','))
      throw new RangeError(
        `${label.source ?? 'label'}: the label map's grid (shape [${label.shape.join(', ')}], spacing ` +
          `[${label.spacing.join(', ')}]) does not match the image's`,
      );
    ({ mask, voxels } = labelLungMask(lab, options.lungLabels));
    source = 'label';
    if (voxels === 0)
      throw new NoLungError(
        label.source ?? huResampled.source ?? 'scan',
        `label map has no ${describeLabels(options.lungLabels)}`,
      );
  } else {
    ({ mask, voxels } = thresholdLungMask(huResampled, options.threshold));
    source = 'threshold';
    if (voxels === 0)
      throw new NoLungError(
        huResampled.source ?? 'scan',
        `no air-like region inside the body below ${options.threshold?.airThreshold ?? -400} HU`,
      );
  }
  const lung: Image<Uint8Array> = { ...huResampled, data: mask, shape: [...huResampled.shape] };
  return { lung, source, voxels };
}

/** Resampling + HU clip/scale + lung mask of one scan (`image` in HU). */
export function preprocessScan(
  image: Image,
  label: Image | undefined,
  options: DrasclrPreprocessOptions = {},
): PreprocessedScan {
  if (image.shape.length !== 3)
    throw new RangeError(`${image.source ?? 'image'}: expected a 3D CT volume, got shape [${image.shape.join(', ')}]`);
  if (label && label.shape.join(',') !== image.shape.join(','))
    throw new RangeError(
      `${label.source ?? 'label'}: label shape [${label.shape.join(', ')}] differs from the image's [${image.shape.join(', ')}]`,
    );
  const spacing = options.spacing ?? 1;
  const hu = resample(image, { spacing });
  const { lung, source, voxels } = lungMaskOf(hu, label, options);
  const scaled = huClipScale(hu, { min: options.huMin ?? -1024, max: options.huMax ?? 240 }) as Image<Float32Array>;
  return { image: scaled, lung, lungSource: source, lungVoxels: voxels };
}
