/**
 * The contract every augmentation follows (MONAI style: image and label transformed together).
 *
 * - `image`: float tensor (N, C, H, W) or (N, C, D, H, W).
 * - `label` (optional): class ids (N, H, W) / (N, D, H, W), or (N, 1, ...) ids, or (N, K, ...) one-hot /
 *   per-class maps (K > 1). Any dtype; it keeps its dtype and shape. Its spatial size must equal the image's.
 *
 * A transform draws its per-sample parameters from the `Rng` it is given, in a fixed order, so a whole pipeline is
 * reproducible from one seed. It returns NEW tensors (never the input's), so the caller may dispose the input batch;
 * the input is left unchanged.
 */
import type { Tensor } from '../engine/index.js';
import type { Rng } from '../util/rng.js';

export interface Batch {
  image: Tensor;
  label?: Tensor;
}

export interface Transform {
  /** a short name for logs and errors */
  readonly name: string;
  apply(batch: Batch, rng: Rng): Batch;
}

/** inclusive lower, exclusive upper bound of a uniform draw */
export type Range = readonly [number, number];

/** The shape facts transforms need, after checking the batch. */
export interface BatchInfo {
  n: number;
  /** spatial sizes in tensor order: [H, W] or [D, H, W] */
  spatial: number[];
  /** 2 or 3 */
  dims: 2 | 3;
  /** the label has a channel dim (N, K, ...spatial) */
  labelHasChannel: boolean;
}

/** Validates the batch layout; the error names the transform and the field. */
export function checkBatch(where: string, batch: Batch): BatchInfo {
  const { image, label } = batch;
  if (image === undefined || image === null) throw new Error(`${where}: batch.image is missing`);
  if (image.ndim !== 4 && image.ndim !== 5)
    throw new Error(
      `${where}: batch.image: expected (N, C, H, W) or (N, C, D, H, W), got shape [${image.shape.join(', ')}]`,
    );
  if (!isFloat(image.dtype))
    throw new Error(`${where}: batch.image: expected a floating dtype, got ${image.dtype} (convert with .float())`);
  const n = image.shape[0]!;
  const spatial = image.shape.slice(2);
  let labelHasChannel = false;
  if (label !== undefined) {
    if (label.ndim === image.ndim) labelHasChannel = true;
    else if (label.ndim !== image.ndim - 1)
      throw new Error(
        `${where}: batch.label: expected (N, ...spatial) or (N, K, ...spatial) for image [${image.shape.join(', ')}], ` +
          `got [${label.shape.join(', ')}]`,
      );
    const ls = label.shape.slice(labelHasChannel ? 2 : 1);
    if (label.shape[0] !== n || ls.some((s, i) => s !== spatial[i]))
      throw new Error(
        `${where}: batch.label: shape [${label.shape.join(', ')}] does not match image [${image.shape.join(', ')}]`,
      );
    if (label.device !== image.device)
      throw new Error(`${where}: batch.label is on ${label.device}, batch.image on ${image.device}`);
  }
  return { n, spatial, dims: spatial.length as 2 | 3, labelHasChannel };
}

function isFloat(dtype: string): boolean {
  return dtype === 'float32' || dtype === 'float64' || dtype === 'float16' || dtype === 'bfloat16';
}

/** Throws unless 0 <= p <= 1. */
export function checkProbability(where: string, field: string, p: number): void {
  if (!(Number.isFinite(p) && p >= 0 && p <= 1)) throw new Error(`${where}: ${field}: expected 0 <= p <= 1, got ${p}`);
}

/** Throws unless `r` is a finite [low, high] with low <= high (and low >= min when given). */
export function checkRange(where: string, field: string, r: Range, min?: { value: number; open: boolean }): void {
  if (!Array.isArray(r) || r.length !== 2 || !r.every((v) => Number.isFinite(v)) || r[0] > r[1])
    throw new Error(`${where}: ${field}: expected a finite [low, high] with low <= high, got ${JSON.stringify(r)}`);
  if (min !== undefined && (min.open ? !(r[0] > min.value) : !(r[0] >= min.value)))
    throw new Error(`${where}: ${field}: low must be ${min.open ? '>' : '>='} ${min.value}, got ${JSON.stringify(r)}`);
}

/**
 * Per-sample decisions and values in the fixed order every transform uses: for each sample, first whether it is
 * transformed (`rng.next() < p`), then its value(s) — drawn even for skipped samples so that the stream does not
 * depend on the outcomes.
 */
export function drawPerSample<T>(rng: Rng, n: number, p: number, draw: () => T): { applied: boolean[]; values: T[] } {
  const applied: boolean[] = [];
  const values: T[] = [];
  for (let i = 0; i < n; i++) {
    applied.push(rng.next() < p);
    values.push(draw());
  }
  return { applied, values };
}
