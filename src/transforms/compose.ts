/**
 * Pipelines: `Compose` runs transforms in order on an {image, label?} batch, all drawing from one `Rng`, so a whole
 * pipeline is reproducible from one seed; `twoViews` makes the two augmented views of a batch that contrastive
 * methods need.
 *
 * ```ts
 * const pipeline = new Compose([new RandomAffine({ rotate: 10 }), new RandomGamma({ gamma: [1, 1.4] })]);
 * const rng = new Rng(seed);
 * const views = tidy(() => twoViews({ image }, pipeline, rng)); // image (2N, C, H, W), view v of sample i at v*N + i
 * ```
 */
import { cat, stack, tidy } from '../engine/index.js';
import type { Rng } from '../util/rng.js';
import { checkBatch, type Batch, type Transform } from './batch.js';

export class Compose implements Transform {
  readonly name: string;
  readonly transforms: readonly Transform[];

  constructor(transforms: readonly Transform[]) {
    transforms.forEach((t, i) => {
      if (t === null || typeof t !== 'object' || typeof t.apply !== 'function')
        throw new Error(`Compose: transforms[${i}] is not a transform (no apply method)`);
    });
    this.transforms = [...transforms];
    this.name = `Compose(${this.transforms.map((t) => t.name).join(', ')})`;
  }

  /** applies every transform in order; intermediate tensors are disposed, the input is left alive */
  apply(batch: Batch, rng: Rng): Batch {
    checkBatch('Compose', batch);
    if (this.transforms.length === 0) return copy(batch);
    return tidy(() => {
      let b = batch;
      for (const t of this.transforms) b = t.apply(b, rng);
      return b;
    });
  }
}

/**
 * How the 2N views are ordered (the same names as relations/expand.ts):
 * 'stacked' (default, torch.cat([v1, v2])): view v of sample i is row v*N + i;
 * 'interleaved' (the papers' x̃_{2i-1}, x̃_{2i}): row 2i + v.
 */
export type ViewLayout = 'stacked' | 'interleaved';

export interface TwoViewsOptions {
  layout?: ViewLayout;
}

/**
 * Two independent augmentations of every sample, as one batch of 2N. `pipeline` is one transform used for both
 * views, or a pair [first, second] for asymmetric augmentation. Both draw from `rng` (first view, then second).
 */
export function twoViews(
  batch: Batch,
  pipeline: Transform | readonly [Transform, Transform],
  rng: Rng,
  options: TwoViewsOptions = {},
): Batch {
  const layout = options.layout ?? 'stacked';
  if (layout !== 'stacked' && layout !== 'interleaved')
    throw new Error(`twoViews: layout: expected 'stacked' or 'interleaved', got ${String(layout)}`);
  const [t1, t2]: readonly [Transform, Transform] = isPair(pipeline) ? pipeline : [pipeline, pipeline];
  if (!t1 || !t2 || typeof t1.apply !== 'function' || typeof t2.apply !== 'function')
    throw new Error('twoViews: pipeline: expected a transform or a pair [first, second] of transforms');
  checkBatch('twoViews', batch);
  return tidy(() => {
    const a = t1.apply(batch, rng);
    const b = t2.apply(batch, rng);
    const join =
      layout === 'stacked'
        ? (x: Batch['image'], y: Batch['image']) => cat([x, y], 0)
        : // (N, 2, ...) -> (2N, ...): row 2i + v
          (x: Batch['image'], y: Batch['image']) => stack([x, y], 1).flatten(0, 1);
    const image = join(a.image, b.image);
    if (a.label === undefined || b.label === undefined) return { image };
    return { image, label: join(a.label, b.label) };
  });
}

function isPair(p: Transform | readonly [Transform, Transform]): p is readonly [Transform, Transform] {
  return Array.isArray(p);
}

function copy(batch: Batch): Batch {
  return { image: batch.image.clone(), ...(batch.label ? { label: batch.label.clone() } : {}) };
}
