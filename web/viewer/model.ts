/**
 * The user's segmenter in the browser: the .onnx bytes are checked first (medcl's preprocessing metadata, one
 * (N, C, H, W) input: src/data/onnx-segmenter.ts, read without ONNX Runtime), then an ONNX Runtime Web session is
 * made on the fastest back end the page has: WebGPU when the browser gives an adapter, else WebAssembly (SIMD;
 * multi-threaded when the page is cross-origin isolated, as `medcl view` serves it). In the plain-files copy
 * (opened from the disk) ONNX Runtime's .wasm comes as base64 from ort-wasm.js and runs on one thread.
 */
import * as ort from 'onnxruntime-web';
import { readOnnxSummary } from '../../src/io/onnx-metadata.js';
import { onnxSegmenter, type OnnxSegmenter } from '../../src/data/onnx-segmenter.js';

export interface LoadedModel {
  name: string;
  segmenter: OnnxSegmenter;
  session: ort.InferenceSession;
  /** 'webgpu' or 'wasm (N threads)' */
  backend: string;
  ort: typeof ort;
}

/** Checks that the bytes are a medcl segmenter the viewer can run; throws naming `name`. */
export function describeModel(bytes: Uint8Array, name: string): OnnxSegmenter {
  const seg = onnxSegmenter(readOnnxSummary(bytes, name), name);
  if (seg.preset === 'xray')
    throw new Error(
      `${name}: an X-ray model (preset xray, 2D images); the viewer segments CT volumes - use \`medcl predict\` for X-rays`,
    );
  if (seg.inChannels !== 1)
    throw new Error(
      `${name}: the network takes ${seg.inChannels} channels per pixel; the viewer feeds 1 (greyscale scans)`,
    );
  return seg;
}

async function hasWebGpu(): Promise<boolean> {
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  if (!gpu) return false;
  try {
    return (await gpu.requestAdapter()) !== null;
  } catch {
    return false;
  }
}

/**
 * The plain-files copy: the WebAssembly binary that ort-wasm.js (a classic script, no fetch) left as base64 in
 * globalThis.medclOrtWasm, decoded once and handed to ONNX Runtime; null in the served page.
 */
function embeddedWasm(): Uint8Array | null {
  const g = globalThis as { medclOrtWasm?: string };
  if (typeof g.medclOrtWasm !== 'string') return null;
  const text = atob(g.medclOrtWasm);
  delete g.medclOrtWasm;
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** the wasm threads: all cores up to 8 when SharedArrayBuffer is allowed (cross-origin isolation), else 1 */
function wasmThreads(): number {
  return globalThis.crossOriginIsolated ? Math.max(1, Math.min(8, navigator.hardwareConcurrency || 1)) : 1;
}

export async function loadModel(bytes: Uint8Array, name: string, preferWasm = false): Promise<LoadedModel> {
  const segmenter = describeModel(bytes, name);
  const wasmBinary = embeddedWasm();
  if (wasmBinary) ort.env.wasm.wasmBinary = wasmBinary;
  // the plain-files copy: one thread (file:// pages are never cross-origin isolated), WebAssembly only
  const plainFiles = ort.env.wasm.wasmBinary !== undefined;
  ort.env.wasm.numThreads = plainFiles ? 1 : wasmThreads();
  const options: ort.InferenceSession.SessionOptions = { graphOptimizationLevel: 'all' };
  if (!preferWasm && !plainFiles && (await hasWebGpu())) {
    try {
      const session = await ort.InferenceSession.create(bytes, { ...options, executionProviders: ['webgpu'] });
      return { name, segmenter, session, backend: 'webgpu', ort };
    } catch (err) {
      console.warn(`medcl view: WebGPU session failed, using WebAssembly: ${String(err)}`);
    }
  }
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, { ...options, executionProviders: ['wasm'] });
  } catch (err) {
    throw new Error(`${name}: ONNX Runtime cannot load the model: ${err instanceof Error ? err.message : String(err)}`);
  }
  const threads = ort.env.wasm.numThreads ?? 1;
  return { name, segmenter, session, backend: `wasm (${threads} thread${threads === 1 ? '' : 's'})`, ort };
}
