/**
 * Segmentation of a volume in the browser, the steps of `medcl predict` (src/eval/predict.ts) with ONNX Runtime in
 * place of libtorch: the preset's preprocessing (the SAME code, src/data/preset-preprocess.ts), the network slice
 * by slice in batches (argmax over the class logits, first maximum on ties as torch.argmax), and the label map
 * brought back to the input's grid by nearest neighbour (src/preprocess/nearestToGrid.ts), regions that the
 * preprocessing cropped away labelled 0. Between batches it yields to the page, so the progress bar moves and
 * the tab stays responsive; `signal` cancels.
 */
import type * as ort from 'onnxruntime-web';
import type { Image } from '../../src/io/image.js';
import type { OnnxSegmenter } from '../../src/data/onnx-segmenter.js';
import { preprocessForPreset } from '../../src/data/preset-preprocess.js';
import { nearestToGrid } from '../../src/preprocess/nearestToGrid.js';

export interface SegmentProgress {
  done: number;
  total: number;
  phase: 'preprocess' | 'infer' | 'resample';
}

export interface SegmentOptions {
  /** slices per run (the model's fixed batch size wins) */
  batchSize: number;
  onProgress?: (p: SegmentProgress) => void;
  signal?: AbortSignal;
}

/** one macrotask: lets the page paint the progress bar */
const yieldToPage = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

/** argmax over the class axis of (b, classes, n) logits into `out` at `offset`; throws on non-finite logits */
export function argmaxClasses(
  logits: Float32Array,
  b: number,
  classes: number,
  n: number,
  out: Uint8Array,
  offset: number,
): void {
  for (let s = 0; s < b; s++) {
    const base = s * classes * n;
    for (let i = 0; i < n; i++) {
      let best = logits[base + i]!;
      let arg = 0;
      if (!Number.isFinite(best)) throw new Error(`the network gave non-finite logits (slice ${s}, pixel ${i})`);
      for (let c = 1; c < classes; c++) {
        const v = logits[base + c * n + i]!;
        if (!Number.isFinite(v)) throw new Error(`the network gave non-finite logits (slice ${s}, pixel ${i})`);
        if (v > best) {
          best = v;
          arg = c;
        }
      }
      out[offset + s * n + i] = arg;
    }
  }
}

/** Labels of the canonical volume `image` by `session`; the result lies on `image`'s grid. */
export async function segmentVolume(
  ortApi: typeof ort,
  session: ort.InferenceSession,
  model: OnnxSegmenter,
  image: Image,
  options: SegmentOptions,
): Promise<Image<Uint8Array>> {
  const { onProgress, signal } = options;
  onProgress?.({ done: 0, total: 1, phase: 'preprocess' });
  await yieldToPage();
  const pre = preprocessForPreset(image, model);
  const size = model.size;
  const n = size * size;
  const slices = pre.shape.length === 3 ? pre.shape[0]! : 1;
  const out = new Uint8Array(slices * n);
  const batch = Math.max(1, options.batchSize);
  for (let z0 = 0; z0 < slices; z0 += batch) {
    if (signal?.aborted) throw new DOMException('segmentation cancelled', 'AbortError');
    onProgress?.({ done: z0, total: slices, phase: 'infer' });
    await yieldToPage();
    const b = Math.min(batch, slices - z0);
    const chunk = new Float32Array(pre.data.subarray(z0 * n, (z0 + b) * n));
    const input = new ortApi.Tensor('float32', chunk, [b, 1, size, size]);
    const result = await session.run({ [model.inputName]: input });
    const logits = result[model.outputName]!;
    const want = [b, model.numClasses, size, size];
    if (logits.dims.join(',') !== want.join(','))
      throw new Error(`the network gave logits [${logits.dims.join(', ')}], expected [${want.join(', ')}]`);
    argmaxClasses(logits.data as Float32Array, b, model.numClasses, n, out, z0 * n);
    input.dispose();
    logits.dispose();
  }
  onProgress?.({ done: slices, total: slices, phase: 'resample' });
  await yieldToPage();
  // the labels on the preprocessed grid, brought to the input's (voxels cropped away by the preprocessing: 0)
  return nearestToGrid({ ...pre, data: out }, image, { fill: 0 }) as Image<Uint8Array>;
}
