/**
 * Segmentation of one image by a saved network (src/models/saved.ts): the preprocessing of the network's preset
 * (src/data/preset-preprocess.ts), the network slice by slice for volumes (argmax over the class logits), and the
 * label map brought back to the input's grid by nearest neighbour (src/preprocess/nearestToGrid.ts). Regions of the
 * input that the preprocessed image did not cover (cropped away by ct-pcl's pad/crop) are labelled 0 (background).
 * `predictImage` runs a libtorch network; `predictImageWith` any engine that labels a batch of slices (ONNX Runtime:
 * predict-engine.ts).
 *
 * ```ts
 * const { model, meta } = loadSegmentationModel('runs/ft');
 * const { labels } = predictImage(model, meta, await readImage('scan.nii.gz'));
 * await writeImage('labels.nii.gz', labels);   // same geometry as the scan
 * ```
 */
import { noGrad, tensor, tidy, type Tensor } from '../engine/index.js';
import type { Image } from '../io/image.js';
import { preprocessForPreset } from '../data/preset-preprocess.js';
import { nearestToGrid } from '../preprocess/nearestToGrid.js';
import type { SegmentationModelMeta } from '../models/saved.js';

/** a segmentation network: (N, C, H, W) images -> (N, classes, H, W) logits */
export interface SegmentationNetwork {
  forward(x: Tensor): Tensor;
  eval(): unknown;
}

export interface PredictImageOptions {
  /** slices per forward pass (default 8) */
  batchSize?: number;
}

export interface ImagePrediction {
  /** uint8 label map on the input's grid (shape, spacing, origin, direction of the input) */
  labels: Image<Uint8Array>;
  /** the network's input: the preprocessed image */
  preprocessed: Image;
  /** the label map on the preprocessed grid */
  preprocessedLabels: Image<Uint8Array>;
}

/** the inputs of a prediction: the preprocessed image, its slice count and the batch size */
interface Prepared {
  pre: Image;
  slices: number;
  batchSize: number;
  what: string;
}

type PredictMeta = Pick<SegmentationModelMeta, 'preset' | 'size' | 'spacing' | 'numClasses'>;

function prepare(meta: PredictMeta, image: Image, options: PredictImageOptions): Prepared {
  const batchSize = options.batchSize ?? 8;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`predict: batchSize must be a positive integer, got ${batchSize}`);
  if (meta.numClasses > 256) throw new RangeError(`predict: ${meta.numClasses} classes do not fit uint8 labels`);
  const pre = preprocessForPreset(image, meta);
  return { pre, slices: pre.shape.length === 3 ? pre.shape[0]! : 1, batchSize, what: image.source ?? 'image' };
}

/** consecutive batches of slices: the first slice's index, the count, the (count, 1, size, size) values */
function* batches(p: Prepared, size: number): Generator<{ z0: number; b: number; chunk: Float32Array }> {
  const n = size * size;
  for (let z0 = 0; z0 < p.slices; z0 += p.batchSize) {
    const b = Math.min(p.batchSize, p.slices - z0);
    const chunk = new Float32Array(b * n);
    for (let i = 0; i < b * n; i++) chunk[i] = p.pre.data[z0 * n + i]!;
    yield { z0, b, chunk };
  }
}

/** the label maps on the preprocessed grid, brought back to the input's grid */
function finish(out: Uint8Array, pre: Image, image: Image): ImagePrediction {
  const preprocessedLabels: Image<Uint8Array> = {
    data: out,
    shape: pre.shape.slice(),
    spacing: pre.spacing.slice(),
    origin: pre.origin.slice(),
    direction: pre.direction.slice(),
  };
  // input voxels that overlap the preprocessed extent take the nearest prediction, the others (cropped away) 0
  const labels = nearestToGrid(preprocessedLabels, image, { fill: 0 }) as Image<Uint8Array>;
  return { labels, preprocessed: pre, preprocessedLabels };
}

/** argmax labels (b, H, W) of a libtorch network on one batch, its logits checked */
function torchLabels(
  model: SegmentationNetwork,
  meta: PredictMeta,
  chunk: Float32Array,
  b: number,
  z0: number,
  what: string,
): Uint8Array {
  const size = meta.size;
  return noGrad(() =>
    tidy(() => {
      const logits = model.forward(tensor(chunk, { shape: [b, 1, size, size] }));
      const want = [b, meta.numClasses, size, size];
      if (logits.shape.join(',') !== want.join(',')) {
        throw new Error(
          `predict: ${what}: the network gave logits [${logits.shape.join(', ')}], expected [${want.join(', ')}]`,
        );
      }
      if (!logits.isfinite().all().item()) {
        throw new Error(`predict: ${what}: the network gave non-finite logits (slices ${z0}..${z0 + b - 1})`);
      }
      return logits.argmax(1).to({ dtype: 'uint8' }).data() as Uint8Array;
    }),
  );
}

/** Labels of `image` (2D, or a volume segmented slice by slice) by `model` (libtorch), described by `meta`. */
export function predictImage(
  model: SegmentationNetwork,
  meta: PredictMeta,
  image: Image,
  options: PredictImageOptions = {},
): ImagePrediction {
  const p = prepare(meta, image, options);
  const out = new Uint8Array(p.slices * meta.size * meta.size);
  model.eval();
  for (const { z0, b, chunk } of batches(p, meta.size)) {
    out.set(torchLabels(model, meta, chunk, b, z0, p.what), z0 * meta.size * meta.size);
  }
  return finish(out, p.pre, image);
}

/**
 * Label maps (b, size, size) of `b` preprocessed slices (b, 1, size, size), C order: any inference engine (e.g.
 * src/export/onnx-runtime.ts's OnnxSegmenter.labels).
 */
export type SliceLabeler = (slices: Float32Array, b: number) => Promise<Uint8Array>;

/** predictImage with another engine: the same preprocessing, batches and mapping back, `labeler` for the network. */
export async function predictImageWith(
  labeler: SliceLabeler,
  meta: PredictMeta,
  image: Image,
  options: PredictImageOptions = {},
): Promise<ImagePrediction> {
  const p = prepare(meta, image, options);
  const n = meta.size * meta.size;
  const out = new Uint8Array(p.slices * n);
  for (const { z0, b, chunk } of batches(p, meta.size)) {
    let labels: Uint8Array;
    try {
      labels = await labeler(chunk, b);
    } catch (e) {
      throw new Error(`predict: ${p.what} (slices ${z0}..${z0 + b - 1}): ${(e as Error).message}`);
    }
    if (labels.length !== b * n) throw new Error(`predict: ${p.what}: ${labels.length} labels for ${b} slices of ${n}`);
    out.set(labels, z0 * n);
  }
  return finish(out, p.pre, image);
}
