/**
 * Segmentation of one image by a saved network (src/models/saved.ts): the preprocessing of the network's preset
 * (src/data/preset-preprocess.ts), the network slice by slice for volumes (argmax over the class logits), and the
 * label map brought back to the input's grid by nearest neighbour (src/preprocess/nearestToGrid.ts). Regions of the
 * input that the preprocessed image did not cover (cropped away by ct-pcl's pad/crop) are labelled 0 (background).
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

/** Labels of `image` (2D, or a volume segmented slice by slice) by `model`, described by `meta`. */
export function predictImage(
  model: SegmentationNetwork,
  meta: Pick<SegmentationModelMeta, 'preset' | 'size' | 'spacing' | 'numClasses'>,
  image: Image,
  options: PredictImageOptions = {},
): ImagePrediction {
  const what = image.source ?? 'image';
  const batchSize = options.batchSize ?? 8;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`predict: batchSize must be a positive integer, got ${batchSize}`);
  if (meta.numClasses > 256) throw new RangeError(`predict: ${meta.numClasses} classes do not fit uint8 labels`);
  const pre = preprocessForPreset(image, meta);
  const size = meta.size;
  const n = size * size;
  const slices = pre.shape.length === 3 ? pre.shape[0]! : 1;
  const out = new Uint8Array(slices * n);
  model.eval();
  for (let z0 = 0; z0 < slices; z0 += batchSize) {
    const b = Math.min(batchSize, slices - z0);
    const chunk = new Float32Array(b * n);
    for (let i = 0; i < b * n; i++) chunk[i] = pre.data[z0 * n + i]!;
    const labels = noGrad(() =>
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
    out.set(labels, z0 * n);
  }
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
