/** Runtime settings: intra-op threads, devices, the libtorch build. */
import { N } from './native.js';
import { checkInt } from './check-args.js';

/** Intra-op threads libtorch uses for one op. */
export function setNumThreads(n: number): void {
  N.setNumThreads(checkInt('setNumThreads', 'threads', n, 1));
}

export function getNumThreads(): number {
  return N.getNumThreads() as number;
}

/** The machine's cores (what medcl uses by default; MEDCL_THREADS overrides). */
export { defaultThreads } from './native.js';

export function cudaDeviceCount(): number {
  return N.cudaDeviceCount() as number;
}

export function cudaIsAvailable(): boolean {
  return cudaDeviceCount() > 0;
}

/** "cuda" when a GPU is usable, else "cpu". */
export function defaultDevice(): string {
  return cudaIsAvailable() ? 'cuda' : 'cpu';
}

/** Waits for queued GPU work on `device` (no-op on CPU); use before reading a timer. */
export function synchronize(device = 'cpu'): void {
  N.synchronize(device);
}

export function torchVersion(): string {
  return N.version() as string;
}

export function buildConfig(): string {
  return N.buildConfig() as string;
}

/** Live (undisposed) native tensors: for leak checks. */
export function liveTensors(): number {
  return N.liveTensors() as number;
}

/**
 * Bytes of tensor memory reported to V8 now (for garbage-collection pressure): those of the live tensors that no
 * scope frees (src/engine/scope.ts). For tests.
 */
export function reportedExternalBytes(): number {
  return N.reportedExternalBytes() as number;
}

/**
 * The memory format medcl uses for 2D/3D convolution networks on a device: channels-last on CPUs where libtorch
 * has oneDNN (its convolutions and batch norm run faster on NHWC there: +12% on the U-Net encoder training step
 * measured in PyTorch itself on this machine), the default contiguous layout elsewhere. MEDCL_MEMORY_FORMAT overrides.
 */
export function preferredMemoryFormat(
  device = 'cpu',
  spatialDims: 2 | 3 = 2,
): 'contiguous' | 'channelsLast' | 'channelsLast3d' {
  const env = process.env['MEDCL_MEMORY_FORMAT'];
  const cl = spatialDims === 2 ? 'channelsLast' : 'channelsLast3d';
  if (env === 'contiguous') return 'contiguous';
  if (env === 'channelsLast') return cl;
  return device.startsWith('cpu') && (N.hasMKLDNN() as boolean) ? cl : 'contiguous';
}
