/**
 * The hardware query: what the machine medcl computes on offers, as the engine sees it — libtorch's CUDA devices and
 * oneDNN (from the addon), the CPU's vector and matrix features (/proc/cpuinfo on Linux) and the GPUs' compute
 * capabilities (nvidia-smi, asked only when libtorch sees a GPU). Read once per process and kept.
 *
 * `nativeBf16(device)` is the one place that decides whether bfloat16 runs natively (issue 7):
 * - a CUDA GPU of compute capability ≥ 8.0 (Ampere and later: bf16 tensor cores), or
 * - a CPU with AMX (`amx_bf16`: Sapphire Rapids and later) or AVX512-BF16 (`avx512_bf16`: Cooper Lake and later).
 *   oneDNN runs bf16 convolutions and matmuls on those units; without them it emulates bf16 with float32
 *   arithmetic plus conversions, which is slower than plain float32.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { spawnSync } from 'node:child_process';
import { N } from './native.js';

/** CPU feature flags medcl's speed depends on; reported as present or absent */
export const CPU_FEATURES = ['avx2', 'fma', 'avx512f', 'avx512_vnni', 'avx512_bf16', 'amx_tile', 'amx_bf16'] as const;
export type CpuFeature = (typeof CPU_FEATURES)[number];

export interface CpuInfo {
  model: string | null;
  /** logical cores Node sees */
  cores: number;
  /** null off Linux (no /proc/cpuinfo): unknown, not absent */
  features: Record<CpuFeature, boolean> | null;
}

export interface Hardware {
  cpu: CpuInfo;
  /** libtorch's CUDA devices and their compute capabilities ("8.0" → 8), empty when nvidia-smi cannot tell */
  cuda: { devices: number; computeCapabilities: number[] };
  /** libtorch has oneDNN (MKLDNN) */
  mkldnn: boolean;
}

/** The CPU model and feature flags in the text of /proc/cpuinfo (its first processor). */
export function parseCpuinfo(text: string): { model: string | null; features: Record<CpuFeature, boolean> } {
  const model = /^model name\s*:\s*(.*)$/m.exec(text)?.[1]?.trim() ?? null;
  const flags = new Set((/^flags\s*:\s*(.*)$/m.exec(text)?.[1] ?? '').split(/\s+/).filter((f) => f !== ''));
  const features = Object.fromEntries(CPU_FEATURES.map((f) => [f, flags.has(f)])) as Record<CpuFeature, boolean>;
  return { model, features };
}

/**
 * The compute capabilities ("8.0", "9.0", ...) in the output of `nvidia-smi --query-gpu=compute_cap --format=csv,noheader`,
 * one per GPU; lines that are not a capability are ignored.
 */
export function parseComputeCapabilities(nvidiaSmiOutput: string): number[] {
  return nvidiaSmiOutput
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^\d+\.\d+$/.test(l))
    .map(Number);
}

function cpuInfo(cpuinfoPath: string): CpuInfo {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  let text: string;
  try {
    text = readFileSync(cpuinfoPath, 'utf8');
  } catch {
    return { model: os.cpus()[0]?.model ?? null, cores, features: null };
  }
  const p = parseCpuinfo(text);
  return { model: p.model ?? os.cpus()[0]?.model ?? null, cores, features: p.features };
}

function computeCapabilities(devices: number): number[] {
  if (devices === 0) return [];
  const r = spawnSync('nvidia-smi', ['--query-gpu=compute_cap', '--format=csv,noheader'], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  return r.status === 0 && typeof r.stdout === 'string' ? parseComputeCapabilities(r.stdout) : [];
}

const known = new Map<string, Hardware>();

/** This machine's hardware (`cpuinfoPath`: another CPU description, for tests); each source is read once. */
export function hardware(cpuinfoPath = '/proc/cpuinfo'): Hardware {
  let hw = known.get(cpuinfoPath);
  if (hw === undefined) {
    const devices = N.cudaDeviceCount() as number;
    hw = {
      cpu: cpuInfo(cpuinfoPath),
      cuda: { devices, computeCapabilities: computeCapabilities(devices) },
      mkldnn: N.hasMKLDNN() as boolean,
    };
    known.set(cpuinfoPath, hw);
  }
  return hw;
}

/** Whether `device` ('cpu', 'cuda[:i]') computes bfloat16 natively on `hw`, and why. */
export function nativeBf16(device = 'cpu', hw: Hardware = hardware()): { native: boolean; reason: string } {
  if (device.startsWith('cuda')) {
    const cap = hw.cuda.computeCapabilities[0];
    return hw.cuda.devices > 0 && cap !== undefined && cap >= 8
      ? { native: true, reason: 'CUDA GPU with compute capability >= 8.0' }
      : { native: false, reason: 'no CUDA GPU with native bf16 (compute capability >= 8.0)' };
  }
  const f = hw.cpu.features;
  return f !== null && (f.amx_bf16 || f.avx512_bf16)
    ? { native: true, reason: 'CPU has AMX-BF16 or AVX512-BF16' }
    : { native: false, reason: 'CPU has neither AMX-BF16 nor AVX512-BF16' };
}
