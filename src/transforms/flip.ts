/**
 * Random flip with probability p, decided per sample, optionally swapping left/right class ids in the label.
 *
 * CL-TCI (Zeng et al. 2021; docs/methods.md §2.3): left and right lung must not be swapped by a horizontal flip:
 * either flip the image AND swap the two labels, or do not flip. `swapLabels: [[1, 2]]` (a manifest's `leftRightPairs`)
 * does the former; leaving the flip out of the pipeline (or p = 0) does the latter. Without `swapLabels` the label is
 * flipped as is.
 *
 * Class-id labels ((N, ...) or (N, 1, ...)) have their values swapped; one-hot labels (N, K, ...) with K > 1 have
 * their channels swapped.
 */
import { tensor, tidy, where, type Tensor } from '../engine/index.js';
import type { Rng } from '../util/rng.js';
import { checkBatch, checkProbability, drawPerSample, type Batch, type Transform } from './batch.js';
import { selectionMask } from './warp.js';

/** 'x' = columns (W, horizontal, left/right), 'y' = rows (H), 'z' = slices (D, 3D only) */
export type FlipAxis = 'x' | 'y' | 'z';

export interface FlipOptions {
  /** the axis to flip (default 'x', horizontal) */
  axis?: FlipAxis;
  /** pairs of class ids exchanged in flipped samples' labels, e.g. [[1, 2]] (default none) */
  swapLabels?: readonly (readonly [number, number])[];
}

export interface RandomFlipOptions extends FlipOptions {
  /** probability that a sample is flipped (default 0.5) */
  p?: number;
}

const NAME = 'RandomFlip';

export class RandomFlip implements Transform {
  readonly name = NAME;
  private readonly o: RandomFlipOptions;

  constructor(options: RandomFlipOptions = {}) {
    checkProbability(NAME, 'p', options.p ?? 0.5);
    checkFlipOptions(options);
    this.o = { ...options };
  }

  apply(batch: Batch, rng: Rng): Batch {
    const { n } = checkBatch(NAME, batch);
    const { applied } = drawPerSample(rng, n, this.o.p ?? 0.5, () => null);
    return flipBatch(batch, applied, this.o);
  }
}

/** Flips the samples whose flag is true (and swaps their label pairs); the others are copied. Returns new tensors. */
export function flipBatch(batch: Batch, flags: readonly boolean[], o: FlipOptions = {}): Batch {
  const info = checkBatch(NAME, batch);
  checkFlipOptions(o);
  if (flags.length !== info.n) throw new Error(`${NAME}: expected ${info.n} flags, got ${flags.length}`);
  const axis = o.axis ?? 'x';
  if (axis === 'z' && info.dims !== 3) throw new Error(`${NAME}: axis 'z' needs a 3D (N, C, D, H, W) image`);
  const offset = { x: 1, y: 2, z: 3 }[axis];
  const pairs = o.swapLabels ?? [];
  return tidy(() => {
    const { image, label } = batch;
    if (!flags.some((f) => f)) return { image: image.clone(), ...(label ? { label: label.clone() } : {}) };
    const mask = selectionMask(flags, image);
    // flipped where flagged, the original elsewhere
    const choose = (flipped: Tensor, original: Tensor): Tensor =>
      mask ? where(mask.reshape(...perSample(original)), flipped, original) : flipped;
    const img = choose(image.flip(image.ndim - offset), image);
    if (label === undefined) return { image: img };
    const swapped = pairs.length === 0 ? label : swapClasses(label, pairs, info.labelHasChannel);
    return { image: img, label: choose(swapped.flip(label.ndim - offset), label) };
  });
}

function perSample(t: Tensor): number[] {
  return [t.shape[0]!, ...Array<number>(t.ndim - 1).fill(1)];
}

/** exchanges the class ids of each pair (values of id labels, channels of one-hot labels) */
function swapClasses(label: Tensor, pairs: readonly (readonly [number, number])[], hasChannel: boolean): Tensor {
  const k = hasChannel ? label.shape[1]! : 1;
  if (k > 1) {
    const perm = Array.from({ length: k }, (_, i) => i);
    for (const [a, b] of pairs) {
      if (a >= k || b >= k)
        throw new Error(
          `${NAME}: swapLabels: pair [${a}, ${b}] is out of range for a one-hot label with ${k} channels`,
        );
      perm[a] = b;
      perm[b] = a;
    }
    const index = tensor(perm, { dtype: 'int64', device: label.device });
    return label.indexSelect(1, index);
  }
  let out = label;
  for (const [a, b] of pairs) out = where(label.eq(a), b, where(label.eq(b), a, out));
  return out;
}

function checkFlipOptions(o: FlipOptions): void {
  if (o.axis !== undefined && o.axis !== 'x' && o.axis !== 'y' && o.axis !== 'z')
    throw new Error(`${NAME}: axis: expected 'x', 'y' or 'z', got ${String(o.axis)}`);
  const seen = new Set<number>();
  for (const pair of o.swapLabels ?? []) {
    if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((v) => Number.isInteger(v) && v >= 0))
      throw new Error(`${NAME}: swapLabels: expected pairs of class ids >= 0, got ${JSON.stringify(pair)}`);
    const [a, b] = pair;
    if (a === b || seen.has(a) || seen.has(b))
      throw new Error(
        `${NAME}: swapLabels: class ids must be distinct across pairs, got ${JSON.stringify(o.swapLabels)}`,
      );
    seen.add(a);
    seen.add(b);
  }
}
