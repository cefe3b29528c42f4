/**
 * What this installation runs on (`medcl info`): medcl's and Node's versions, the libtorch build the addon loaded,
 * intra-op threads, the CPU's vector/matrix features (from /proc/cpuinfo on Linux), CUDA devices, oneDNN (MKLDNN),
 * and the precision 'auto' would pick: the engine's hardware query (src/engine/hardware.ts). For bug reports and for
 * checking that a machine is set up as expected.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildConfig, defaultThreads, getNumThreads, torchVersion } from './runtime.js';
import { hardware, nativeBf16, type CpuInfo } from './hardware.js';

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

export function systemInfo(cpuinfoPath = '/proc/cpuinfo'): SystemInfo {
  const hw = hardware(cpuinfoPath);
  const auto = nativeBf16('cpu', hw);
  return {
    medcl: medclVersion(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    libtorch: torchVersion(),
    threads: { intraOp: getNumThreads(), default: defaultThreads(), fromEnv: process.env['MEDCL_THREADS'] ?? null },
    cpu: hw.cpu,
    cuda: { devices: hw.cuda.devices },
    mkldnn: hw.mkldnn,
    autoPrecision: { precision: auto.native ? 'bf16-mixed' : 'fp32', reason: auto.reason },
    buildConfig: buildConfig(),
  };
}
