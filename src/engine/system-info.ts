/**
 * What this installation runs on (`medcl info`): medcl's and Node's versions, the libtorch build the addon loaded,
 * intra-op threads, the CPU's vector/matrix features (from /proc/cpuinfo on Linux), CUDA devices, oneDNN (MKLDNN),
 * and the precision 'auto' would pick. For bug reports and for checking that a machine is set up as expected.
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildConfig, cudaDeviceCount, defaultThreads, getNumThreads, torchVersion } from './index.js';
import { N } from './native.js';
import { choosePrecision } from './precision-default.js';

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

export interface SystemInfo {
  medcl: string;
  node: string;
  platform: string;
  libtorch: string;
  threads: { intraOp: number; default: number; fromEnv: string | null };
  cpu: CpuInfo;
  cuda: { devices: number };
  mkldnn: boolean;
  /** what `precision: 'auto'` resolves to on the CPU here, and why */
  autoPrecision: { precision: string; reason: string };
  /** libtorch's build configuration (compiler, BLAS, CUDA/oneDNN versions) */
  buildConfig: string;
}

/** the folder of medcl's package.json above this file (the repository or the installed package), or null */
export function medclPackageRoot(): string | null {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown };
      if (pkg.name === 'medcl') return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** medcl's version, from the package.json above this file (dist/src/util or src/util) */
export function medclVersion(): string {
  const root = medclPackageRoot();
  if (root === null) return 'unknown';
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}

/** The CPU model and feature flags in the text of /proc/cpuinfo (its first processor). */
export function parseCpuinfo(text: string): { model: string | null; features: Record<CpuFeature, boolean> } {
  const model = /^model name\s*:\s*(.*)$/m.exec(text)?.[1]?.trim() ?? null;
  const flags = new Set((/^flags\s*:\s*(.*)$/m.exec(text)?.[1] ?? '').split(/\s+/).filter((f) => f !== ''));
  const features = Object.fromEntries(CPU_FEATURES.map((f) => [f, flags.has(f)])) as Record<CpuFeature, boolean>;
  return { model, features };
}

function cpuInfo(cpuinfoPath: string): CpuInfo {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  let text: string | null = null;
  try {
    text = readFileSync(cpuinfoPath, 'utf8');
  } catch {
    text = null;
  }
  if (text === null) return { model: os.cpus()[0]?.model ?? null, cores, features: null };
  const p = parseCpuinfo(text);
  return { model: p.model ?? os.cpus()[0]?.model ?? null, cores, features: p.features };
}

export function systemInfo(cpuinfoPath = '/proc/cpuinfo'): SystemInfo {
  const auto = choosePrecision({ device: 'cpu', cpuinfoPath, env: {} });
  return {
    medcl: medclVersion(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    libtorch: torchVersion(),
    threads: { intraOp: getNumThreads(), default: defaultThreads(), fromEnv: process.env['MEDCL_THREADS'] ?? null },
    cpu: cpuInfo(cpuinfoPath),
    cuda: { devices: cudaDeviceCount() },
    mkldnn: N.hasMKLDNN() as boolean,
    autoPrecision: { precision: auto.precision, reason: auto.reason },
    buildConfig: buildConfig(),
  };
}
