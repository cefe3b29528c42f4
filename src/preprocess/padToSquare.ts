/**
 * Pad to square (CL-TCI §IV-A: "we first square all images by padding 0 to the shorter axis and then scale them to
 * 256×256"). Works on the last two axes: a 2D image, or every slice of a volume.
 *
 * The shorter axis gets `floor((side - n) / 2)` voxels before and the rest after (the odd voxel goes at the end,
 * the same rule as `padCrop`), so the image is centred; the origin moves so that pixels keep their world position.
 */
import type { Image } from '../io/image.js';
import { checkImage } from './common.js';
import { padCrop } from './padCrop.js';
import { CLTCI } from './presets.js';

export interface PadToSquareOptions {
  /** value of the added pixels; default 0 (CL-TCI pads with 0) */
  value?: number;
}

export function padToSquare(image: Image, options: PadToSquareOptions = {}): Image {
  checkImage('padToSquare', image);
  const nd = image.shape.length;
  const side = Math.max(image.shape[nd - 2]!, image.shape[nd - 1]!);
  const shape = image.shape.map((n, k) => (k >= nd - 2 ? side : n));
  try {
    return padCrop(image, { shape, value: options.value ?? CLTCI.padValue });
  } catch (err) {
    if (err instanceof RangeError) throw new RangeError(err.message.replace(/^padCrop:/, 'padToSquare:'));
    throw err;
  }
}
