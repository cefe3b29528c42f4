/**
 * The preprocessing of one image by a slice-data-set preset (src/data/slice-dataset.ts documents the presets), for
 * inference: the same steps and numbers as training, applied to every slice (ct-polycl's central-slice selection
 * is a training-set choice and is not applied here). The result keeps its geometry (spacing, origin, direction
 * follow every step), so predictions on it can be mapped back to the input grid (preprocess/nearestToGrid.ts).
 *
 * - `xray`: pad to square with 0, resize to `size`², 1st/99th percentile clip scaled to [0, 1] (CL-TCI §IV-A).
 * - `ct-pcl`: clip to the volume's [1st, 99th] percentile and scale to [0, 1]; resize slices to `size`², or with
 *   `spacing` resample in-plane and pad/crop to `size`² with the normalised background (PCL §3.1).
 * - `ct-polycl`: window level 40 / width 400 HU to [0, 1], slices resized to `size`² (PolyCL §3.1).
 */
import type { Image } from '../io/image.js';
// each step from its own module, not the preprocess index (which also holds the node-only cache): this file is
// pure and the browser viewer (web/viewer/) bundles it, so that it preprocesses exactly as `medcl predict`
import { ctWindow } from '../preprocess/ctWindow.js';
import { padCrop } from '../preprocess/padCrop.js';
import { padToSquare } from '../preprocess/padToSquare.js';
import { percentileNormalize } from '../preprocess/percentileNormalize.js';
import { resample } from '../preprocess/resample.js';
import { resize2d } from '../preprocess/resize2d.js';
import { CLTCI, PCL_PERCENTILES, POLYCL } from '../preprocess/presets.js';

/** the preprocessing presets (src/data/slice-dataset.ts documents them) */
export type SlicePreset = 'xray' | 'ct-pcl' | 'ct-polycl';

export interface PresetPreprocessOptions {
  preset: SlicePreset;
  /** output height = width */
  size: number;
  /** ct-pcl: in-plane spacing (mm) to resample to before padding/cropping to `size` */
  spacing?: number;
}

/** The preprocessed image: [size, size] for xray, [depth, size, size] (every slice) for the CT presets. */
export function preprocessForPreset(image: Image, options: PresetPreprocessOptions): Image {
  const { preset, size } = options;
  const what = image.source ?? 'image';
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`preprocess: size must be a positive integer`);
  if (preset === 'xray') {
    if (image.shape.length !== 2)
      throw new Error(`preprocess: ${what}: preset xray expects a 2D image, got shape ${image.shape.join('x')}`);
    const sq = padToSquare(image, { value: CLTCI.padValue });
    return percentileNormalize(resize2d(sq, { shape: [size, size] }), PCL_PERCENTILES).image;
  }
  if (image.shape.length !== 3)
    throw new Error(`preprocess: ${what}: preset ${preset} expects a 3D volume, got shape ${image.shape.join('x')}`);
  if (preset === 'ct-pcl') {
    const { image: norm, background } = percentileNormalize(image, PCL_PERCENTILES);
    if (options.spacing === undefined) return resize2d(norm, { shape: [size, size] });
    const rs = resample(norm, { spacing: [null, options.spacing, options.spacing] });
    return padCrop(rs, { shape: [rs.shape[0]!, size, size], value: background });
  }
  if (preset === 'ct-polycl') return resize2d(ctWindow(image, POLYCL), { shape: [size, size] });
  throw new Error(`preprocess: unknown preset ${JSON.stringify(preset)} (expected xray, ct-pcl or ct-polycl)`);
}
