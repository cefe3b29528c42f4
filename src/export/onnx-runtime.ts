/**
 * An exported segmentation model run by ONNX Runtime (onnxruntime-node, CPU execution provider): batches of
 * preprocessed slices (N, C, size, size) in, logits or label maps (argmax over the classes) out. The preprocessing
 * and class names come from the model's metadata (metadata.ts). onnxruntime-node (a 45 MB native library) is loaded
 * on first use only, so importing medcl does not load it.
 *
 * ```ts
 * const seg = await OnnxSegmenter.create('model.onnx');           // or the bytes of exportOnnx
 * const labels = await seg.labels(slices, 8);                      // Uint8Array (8, size, size)
 * ```
 */
import { readFileSync } from 'node:fs';
import type { InferenceSession } from 'onnxruntime-node';
import { getNumThreads } from '../engine/index.js';
import { ONNX_INPUT_NAME, ONNX_LOGITS_NAME, parseOnnxMetadata, type OnnxSegmentationMetadata } from './metadata.js';
import { readOnnxModelInfo } from './reader.js';

export interface OnnxSessionOptions {
  /** intra-op threads (default: medcl's, getNumThreads()) */
  threads?: number;
  /** let idle intra-op threads spin (ONNX Runtime's default; default here: false, see createOnnxSession) */
  spinning?: boolean;
}

/**
 * An ONNX Runtime session on the CPU: full graph optimisation, sequential execution, medcl's thread count. Idle
 * threads sleep instead of spinning unless asked, as medcl's own OpenMP threads do (src/engine/native.ts): on a
 * shared machine spinning threads starve the working ones (a U-Net batch measured 2.3-2.9 s passive vs 2.9-3.6 s
 * spinning at load average 17 on 2 cores).
 */
export async function createOnnxSession(
  model: Uint8Array,
  options: OnnxSessionOptions = {},
): Promise<InferenceSession> {
  const ort = await import('onnxruntime-node');
  return ort.InferenceSession.create(model, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    intraOpNumThreads: options.threads ?? getNumThreads(),
    interOpNumThreads: 1,
    extra: { session: { intra_op: { allow_spinning: options.spinning ? '1' : '0' } } },
  });
}

/** Runs a one-input model on a float32 tensor; returns its first output. */
export async function runOnnx(
  session: InferenceSession,
  data: Float32Array,
  dims: readonly number[],
): Promise<{ data: Float32Array; dims: number[] }> {
  const ort = await import('onnxruntime-node');
  const input = new ort.Tensor('float32', data, dims);
  const results = await session.run({ [session.inputNames[0] ?? ONNX_INPUT_NAME]: input });
  const out = results[session.outputNames[0]!]!;
  const values = out.data as Float32Array;
  const res = { data: values.slice(), dims: [...out.dims] };
  input.dispose();
  out.dispose();
  return res;
}

/**
 * Per pixel, the class with the largest logit (the first on ties, as torch.argmax); `logits` (N, C, H, W) in C
 * order. A non-finite logit is an error (a broken network should not yield a plausible mask).
 */
export function argmaxClasses(logits: Float32Array, n: number, classes: number, pixels: number): Uint8Array {
  if (classes > 256) throw new RangeError(`argmax: ${classes} classes do not fit uint8 labels`);
  const out = new Uint8Array(n * pixels);
  for (let b = 0; b < n; b++) {
    const base = b * classes * pixels;
    for (let p = 0; p < pixels; p++) {
      let best = logits[base + p]!;
      let arg = 0;
      for (let c = 1; c < classes; c++) {
        const v = logits[base + c * pixels + p]!;
        if (v > best) {
          best = v;
          arg = c;
        }
      }
      out[b * pixels + p] = arg;
    }
  }
  return out;
}

function allFinite(a: Float32Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) return false;
  return true;
}

export class OnnxSegmenter {
  private constructor(
    readonly session: InferenceSession,
    readonly metadata: OnnxSegmentationMetadata,
    /** the file or 'model' (in error messages) */
    readonly source: string,
  ) {}

  /** A segmenter for an exported model (its file or bytes); the metadata must describe its preprocessing. */
  static async create(model: string | Uint8Array, options: OnnxSessionOptions = {}): Promise<OnnxSegmenter> {
    const source = typeof model === 'string' ? model : 'model';
    let bytes: Uint8Array;
    try {
      bytes = typeof model === 'string' ? readFileSync(model) : model;
    } catch (e) {
      throw new Error(`${source}: cannot read the ONNX model: ${(e as Error).message}`);
    }
    const info = readOnnxModelInfo(bytes, source);
    const metadata = parseOnnxMetadata(info.metadata, source);
    if (info.outputs[0]?.name !== ONNX_LOGITS_NAME) {
      throw new Error(`${source}: expected the output "${ONNX_LOGITS_NAME}", got "${info.outputs[0]?.name}"`);
    }
    return new OnnxSegmenter(await createOnnxSession(bytes, options), metadata, source);
  }

  /** logits (n, classes, size, size) of `n` preprocessed slices (n, channels, size, size) in C order */
  async logits(slices: Float32Array, n: number): Promise<Float32Array> {
    const { size, inChannels, numClasses } = this.metadata;
    if (slices.length !== n * inChannels * size * size) {
      throw new RangeError(
        `${this.source}: ${slices.length} values are not ${n} slices of ${inChannels}×${size}×${size}`,
      );
    }
    const out = await runOnnx(this.session, slices, [n, inChannels, size, size]);
    const want = [n, numClasses, size, size];
    if (out.dims.join(',') !== want.join(',')) {
      throw new Error(
        `${this.source}: the network gave logits [${out.dims.join(', ')}], expected [${want.join(', ')}]`,
      );
    }
    return out.data;
  }

  /** label maps (n, size, size): the argmax of the logits */
  async labels(slices: Float32Array, n: number): Promise<Uint8Array> {
    const logits = await this.logits(slices, n);
    if (!allFinite(logits)) throw new Error(`${this.source}: the network gave non-finite logits`);
    const { size, numClasses } = this.metadata;
    return argmaxClasses(logits, n, numClasses, size * size);
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
