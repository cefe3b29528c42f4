/**
 * Resampling an image + label batch on one sampling grid (shared by the affine and elastic transforms): the image
 * bilinearly (trilinear in 3D), the label with NEAREST so that it keeps its values exactly.
 *
 * Coordinate convention (PyTorch's `grid_sample`): the grid holds, for every output pixel, the input location in
 * normalised coordinates (x, y[, z]) = (column, row[, slice]) in [-1, 1]. With `alignCorners: false` (default) -1
 * and 1 are the outer EDGES of the first and last pixels (pixel i of a size-W axis has its centre at
 * (2i + 1)/W - 1); with `alignCorners: true` they are the CENTRES of the first and last pixels (i ↦ 2i/(W-1) - 1).
 */
import { F, tidy, tensor, where, type Tensor } from '../engine/index.js';
import type { Batch } from './batch.js';

export type PaddingMode = 'zeros' | 'border' | 'reflection';

export interface WarpOptions {
  /** what the image takes outside the input (default 'zeros', i.e. `paddingValue`) */
  padding?: PaddingMode;
  /** with padding 'zeros': the value outside the input (default 0; e.g. the normalised background value) */
  paddingValue?: number;
  /** what the label takes outside the input (default: the image's mode; 'zeros' gives class 0, background) */
  labelPadding?: PaddingMode;
  alignCorners?: boolean;
  /** per-sample: false keeps that sample exactly as it was (default: all true) */
  applied?: readonly boolean[];
}

export const PADDING_MODES: readonly PaddingMode[] = ['zeros', 'border', 'reflection'];

/**
 * Samples `batch` at `grid` ((N, H, W, 2) or (N, D, H, W, 3), normalised coordinates): one gridSample call for the
 * image and one for the label, whatever the batch size. Returns new tensors.
 */
export function warpBatch(batch: Batch, grid: Tensor, o: WarpOptions = {}): Batch {
  const padding = o.padding ?? 'zeros';
  const labelPadding = o.labelPadding ?? padding;
  const alignCorners = o.alignCorners ?? false;
  const fill = o.paddingValue ?? 0;
  return tidy(() => {
    const { image, label } = batch;
    const keepMask = selectionMask(o.applied, image);
    const g = grid.dtype === image.dtype ? grid : grid.to({ dtype: image.dtype });
    // zeros padding with a fill value v: sample (x - v) and add v back, so outside reads v
    const src = padding === 'zeros' && fill !== 0 ? image.sub(fill) : image;
    let img = F.gridSample(src, g, { mode: 'bilinear', paddingMode: padding, alignCorners });
    if (padding === 'zeros' && fill !== 0) img = img.add(fill);
    if (keepMask) img = where(keepMask, img, image);
    if (label === undefined) return { image: img };
    const withChannel = label.ndim === image.ndim ? label : label.unsqueeze(1);
    // nearest sampling copies values, so float32 holds integer class ids exactly (up to 2^24)
    const lf = withChannel.dtype === 'float32' || withChannel.dtype === 'float64' ? withChannel : withChannel.float();
    const lg = g.dtype === lf.dtype ? g : g.to({ dtype: lf.dtype });
    let lab = F.gridSample(lf, lg, { mode: 'nearest', paddingMode: labelPadding, alignCorners });
    if (lab.dtype !== label.dtype) lab = lab.to({ dtype: label.dtype });
    if (label.ndim !== image.ndim) lab = lab.squeeze(1);
    if (keepMask) lab = where(keepMask.reshape(...broadcastShape(label)), lab, label);
    return { image: img, label: lab };
  });
}

/** (N, 1, 1, ...) bool mask of the samples to transform, or undefined when all are */
export function selectionMask(applied: readonly boolean[] | undefined, like: Tensor): Tensor | undefined {
  if (applied === undefined || applied.every((a) => a)) return undefined;
  const n = like.shape[0]!;
  if (applied.length !== n) throw new Error(`applied: expected ${n} flags, got ${applied.length}`);
  const shape = [n, ...Array<number>(like.ndim - 1).fill(1)];
  return tensor(
    Uint8Array.from(applied, (a) => (a ? 1 : 0)),
    { shape, dtype: 'bool', device: like.device },
  );
}

function broadcastShape(t: Tensor): number[] {
  return [t.shape[0]!, ...Array<number>(t.ndim - 1).fill(1)];
}

/** the identity sampling grid for `size` ([N, C, H, W] or [N, C, D, H, W]) */
export function identityGrid(
  size: readonly number[],
  o: { dtype?: 'float32' | 'float64'; device?: string; alignCorners?: boolean } = {},
): Tensor {
  const d = size.length - 2;
  const n = size[0]!;
  const row: number[] = [];
  for (let i = 0; i < n; i++) for (let r = 0; r < d; r++) for (let c = 0; c <= d; c++) row.push(r === c ? 1 : 0);
  return tidy(() => {
    const theta = tensor(row, { shape: [n, d, d + 1], dtype: o.dtype ?? 'float32', device: o.device ?? 'cpu' });
    return F.affineGrid(theta, size, o.alignCorners ?? false);
  });
}
