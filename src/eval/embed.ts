/**
 * Image embeddings for retrieval and t-SNE: the encoder's last feature map, global-average-pooled over space and
 * L2-normalised, e_i = GAP(f(x_i)) / ||GAP(f(x_i))||, for every sample of a slice data set (encoder in eval mode,
 * no gradients). The projection head is left out on purpose: it is trained for the contrastive loss and discards
 * information the encoder keeps (SimCLR §4.2); CL-TCI's t-SNE figure uses encoder features too.
 */
import { F, moduleDevice, noGrad, onDevice, tidy, type Tensor } from '../engine/index.js';
import type { SliceDataset } from '../data/slice-dataset.js';

/** an encoder: (N, 1, H, W) -> (N, C, h, w) */
export interface FeatureEncoder {
  forward(x: Tensor): Tensor;
  eval(): unknown;
  /** an nn.Module's: the images are made on the device of its first parameter */
  parameters?(): Tensor[];
}

export interface Embeddings {
  /** n × dim, row-major, each row of unit L2 norm */
  data: Float32Array;
  n: number;
  dim: number;
  /** the data-set sample id of each row */
  ids: number[];
}

export interface EmbedOptions {
  /** samples per forward pass (default 32) */
  batchSize?: number;
  /** called after each batch */
  onBatch?: (done: number, total: number) => void;
}

/** Embeds the samples `ids` (default: all) of `ds`. Throws, naming the sample, on a zero or non-finite feature. */
export function embedSamples(
  encoder: FeatureEncoder,
  ds: SliceDataset,
  ids: readonly number[] = ds.samples.map((s) => s.id),
  options: EmbedOptions = {},
): Embeddings {
  const batchSize = options.batchSize ?? 32;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`embed: batchSize must be a positive integer, got ${batchSize}`);
  if (ids.length === 0) throw new Error('embed: no samples');
  encoder.eval();
  const device = moduleDevice(encoder); // the images go where the encoder is
  let dim = 0;
  let data = new Float32Array(0);
  for (let i = 0; i < ids.length; i += batchSize) {
    const chunk = ids.slice(i, i + batchSize);
    const { pooled, norms } = onDevice(device, () =>
      noGrad(() =>
        tidy(() => {
          const f = encoder.forward(ds.imageBatch(chunk));
          if (f.ndim < 3) throw new Error(`embed: the encoder gave [${f.shape.join(', ')}], expected (N, C, h, w)`);
          const g = f.mean(f.shape.slice(2).map((_, k) => k + 2));
          return {
            pooled: F.normalize(g, { dim: 1 }).toFloat32Array(),
            norms: g.norm(2, 1).toFloat64Array(),
          };
        }),
      ),
    );
    if (i === 0) {
      dim = pooled.length / chunk.length;
      data = new Float32Array(ids.length * dim);
    }
    chunk.forEach((id, b) => {
      const v = norms[b]!;
      if (!Number.isFinite(v) || v === 0)
        throw new Error(`embed: ${ds.describe(id)}: the pooled encoder feature has norm ${v}; cannot normalise`);
    });
    data.set(pooled, i * dim);
    options.onBatch?.(Math.min(i + batchSize, ids.length), ids.length);
  }
  return { data, n: ids.length, dim, ids: [...ids] };
}
