/**
 * Nearest-neighbour transfer of an image (typically a label map) onto another grid of the same orientation, by
 * world position: every output voxel takes the value of the input voxel whose centre is nearest to its own centre,
 * axis by axis. This undoes the grid changes of the preprocessing steps (padToSquare, padCrop, resize2d, resample:
 * each keeps origin, spacing and direction consistent), e.g. to bring a prediction made on a preprocessed image
 * back to the original scan's grid.
 *
 * Per array axis k with input spacing s, output spacing t and d = the output origin minus the input origin projected
 * on the axis's direction (mm), output index i sits at input index x = (i·t + d) / s and takes input index
 * floor(x + 0.5) (ties up, as resize2d's 'nearest'), clamped to the grid. With `fill`, output voxels that do not
 * overlap the input's extent take `fill` instead: regions the input never covered (e.g. cropped away) are not
 * invented by edge replication. "Overlap" along an axis: -0.5 - margin < x < n - 0.5 + margin with the default
 * margin of half an output voxel, 0.5·t/s input voxels (a voxel that only touches the extent is outside).
 * Keeps the input's array type; never creates a value that is not in the input (or `fill`).
 */
import type { Image } from '../io/image.js';
import { numel } from '../io/image.js';
import { checkImage, ctorOf, fail, representable } from './common.js';

/** where the output grid lies: the geometry fields of an Image */
export type Grid = Pick<Image, 'shape' | 'spacing' | 'origin' | 'direction'>;

export interface NearestToGridOptions {
  /** value of output voxels outside the input's extent (default: none, the nearest border voxel is used) */
  fill?: number;
  /**
   * how far beyond the input's extent (in input voxels) an output voxel centre may lie and still take the nearest
   * value; default half an output voxel per axis (0.5 · output spacing / input spacing): every output voxel that
   * overlaps the input's extent
   */
  margin?: number;
}

export function nearestToGrid(image: Image, grid: Grid, options: NearestToGridOptions = {}): Image {
  const step = 'nearestToGrid';
  checkImage(step, image);
  const nd = image.shape.length;
  if (!Array.isArray(grid.shape) || grid.shape.length !== nd) {
    fail(step, image, `the grid must have ${nd} axes as the image, got shape ${JSON.stringify(grid.shape)}`);
  }
  if (grid.shape.some((m) => !Number.isInteger(m) || m < 1)) {
    fail(step, image, `the grid's shape [${grid.shape.join(', ')}] has an invalid size`);
  }
  checkImage(`${step} (grid)`, { ...grid, data: new Uint8Array(numel(grid.shape)) });
  for (let i = 0; i < nd * nd; i++) {
    if (Math.abs(image.direction[i]! - grid.direction[i]!) > 1e-6) {
      fail(
        step,
        image,
        `directions differ (${image.direction.join(',')} vs ${grid.direction.join(',')}); rotation is not supported`,
      );
    }
  }
  if (options.margin !== undefined && !(options.margin >= 0))
    fail(step, image, `margin must be >= 0, got ${options.margin}`);
  const fill = options.fill;
  const Ctor = ctorOf(image.data);
  if (fill !== undefined && !representable(Ctor, fill)) {
    fail(step, image, `fill ${fill} cannot be stored in a ${Ctor.name} image`);
  }

  // per axis: output index -> input index, or -1 for "outside"
  const tables = grid.shape.map((m, k) => {
    const n = image.shape[k]!;
    const s = image.spacing[k]!;
    const t = grid.spacing[k]!;
    const col = nd - 1 - k;
    let d = 0;
    for (let w = 0; w < nd; w++) d += (grid.origin[w]! - image.origin[w]!) * image.direction[w * nd + col]!;
    const margin = options.margin ?? (0.5 * t) / s;
    const table = new Int32Array(m);
    for (let i = 0; i < m; i++) {
      const x = (i * t + d) / s;
      if (fill !== undefined && !(x > -0.5 - margin + 1e-7 && x < n - 0.5 + margin - 1e-7)) table[i] = -1;
      else table[i] = Math.min(n - 1, Math.max(0, Math.floor(x + 0.5 + 1e-7)));
    }
    return table;
  });

  const strides = new Array<number>(nd).fill(1);
  for (let k = nd - 2; k >= 0; k--) strides[k] = strides[k + 1]! * image.shape[k + 1]!;
  const out = new Ctor(numel(grid.shape));
  const src = image.data;
  const idx = new Array<number>(nd).fill(0);
  const total = out.length;
  for (let o = 0; o < total; o++) {
    let off = 0;
    let outside = false;
    for (let k = 0; k < nd; k++) {
      const j = tables[k]![idx[k]!]!;
      if (j < 0) outside = true;
      off += j * strides[k]!;
    }
    out[o] = outside ? fill! : src[off]!;
    for (let k = nd - 1; k >= 0; k--) {
      if (++idx[k]! < grid.shape[k]!) break;
      idx[k] = 0;
    }
  }
  const result: Image = {
    data: out,
    shape: grid.shape.slice(),
    spacing: grid.spacing.slice(),
    origin: grid.origin.slice(),
    direction: grid.direction.slice(),
  };
  if (image.source !== undefined) result.source = image.source;
  return result;
}
