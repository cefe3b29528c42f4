/**
 * Shared helpers of the export tests: run a module in libtorch (eval, no grad) and its exported ONNX model in
 * onnxruntime-node on the same input, the largest absolute difference, and the module's float64 forward (the
 * referee when two float32 implementations differ: which of them is off, and by how much).
 */
import { nn, noGrad, tensor, tidy } from '../../src/engine/index.js';
import { exportOnnx, type ExportOnnxOptions } from '../../src/export/export-model.js';
import { createOnnxSession, runOnnx } from '../../src/export/onnx-runtime.js';

export interface Output {
  data: Float32Array;
  dims: number[];
}

export function torchForward(m: nn.Module, x: Float32Array, dims: number[]): Output {
  m.eval();
  return noGrad(() =>
    tidy(() => {
      const y = (m as unknown as { forward(t: unknown): ReturnType<typeof tensor> }).forward(
        tensor(x, { shape: dims }),
      );
      return { data: y.toFloat32Array(), dims: [...y.shape] };
    }),
  );
}

export async function onnxForward(bytes: Uint8Array, x: Float32Array, dims: number[]): Promise<Output> {
  const session = await createOnnxSession(bytes, { threads: 1 });
  try {
    return await runOnnx(session, x, dims);
  } finally {
    await session.release();
  }
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`lengths ${a.length} and ${b.length} differ`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

export function maxAbs(a: Float32Array): number {
  let m = 0;
  for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
}

/** libtorch and ONNX Runtime outputs of `m` on `x`, with the exported bytes */
export async function bothForwards(
  m: nn.Module,
  x: Float32Array,
  dims: number[],
  options: ExportOnnxOptions = {},
): Promise<{ torch: Output; onnx: Output; bytes: Uint8Array; err: number }> {
  const { bytes } = exportOnnx(m, options);
  const torch = torchForward(m, x, dims);
  const onnx = await onnxForward(bytes, x, dims);
  if (torch.dims.join(',') !== onnx.dims.join(',')) {
    throw new Error(`shapes differ: libtorch [${torch.dims.join(', ')}], onnx [${onnx.dims.join(', ')}]`);
  }
  return { torch, onnx, bytes, err: maxAbsDiff(torch.data, onnx.data) };
}

/**
 * Sets every BatchNorm's running statistics to the batch statistics of `x` (batch ≥ 2) flowing through the
 * network, as a trained network's are (its features stay near unit scale): one train-mode forward with momentum 1.
 */
export function calibrateBatchNorms(m: nn.Module, x: Float32Array, dims: number[]): void {
  const bns = m.namedModules().flatMap(([, b]) => (b instanceof nn.BatchNorm2d ? [b] : []));
  const saved = bns.map((b) => b.momentum);
  // momentum is read-only for users; the test sets it to 1 for the one calibration pass
  for (const b of bns) (b as { momentum: number }).momentum = 1;
  m.train();
  noGrad(() => tidy(() => void (m as unknown as { forward(t: unknown): unknown }).forward(tensor(x, { shape: dims }))));
  bns.forEach((b, i) => ((b as { momentum: number }).momentum = saved[i]!));
  m.eval();
}

/** The module's forward in float64 on each input (converts the module to float64 in place: call it last). */
export function float64Forwards(m: nn.Module, inputs: { x: Float32Array; dims: number[] }[]): Float32Array[] {
  m.to({ dtype: 'float64' }).eval();
  return inputs.map(({ x, dims }) =>
    noGrad(() =>
      tidy(() => {
        const t = tensor(Float64Array.from(x), { shape: dims, dtype: 'float64' });
        return (m as unknown as { forward(t: unknown): ReturnType<typeof tensor> }).forward(t).toFloat32Array();
      }),
    ),
  );
}
