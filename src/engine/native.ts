/**
 * Loads the N-API addon (build/Release/medcl_native.node). The addon is a thin binding over libtorch: every
 * function converts its arguments, calls one ATen op and returns an opaque tensor handle.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import os from 'node:os';

/** An opaque handle to a libtorch tensor owned by the addon. */
export type Handle = object & { readonly __tensorHandle?: never };
/** An opaque handle to a libtorch random generator. */
export type GeneratorHandle = object & { readonly __generatorHandle?: never };

// The addon's functions are untyped at this boundary; the typed face is Tensor and the engine modules.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type NativeAddon = Record<string, (...args: any[]) => any>;

function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'binding.gyp'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('medcl: cannot locate the package root (binding.gyp) from ' + import.meta.url);
    dir = parent;
  }
}

/** Environment variables medcl set for libtorch at load (child processes that are not medcl may want them removed). */
export const envSetByMedcl: string[] = [];

function load(): NativeAddon {
  // libtorch's OpenMP threads busy-wait between parallel regions by default. When another process holds a core
  // (a second test file, a data worker, anything on a shared 2-core machine) that spinning starves the thread doing
  // the work: a U-Net step measured 4.4 s instead of 0.38 s with OMP_WAIT_POLICY=PASSIVE. Passive alone costs ~30% on
  // a quiet machine (threads sleep at once); a short spin first (GOMP_SPINCOUNT=10000) keeps that speed. libgomp reads
  // both when libtorch is loaded, i.e. below; values set by the user win.
  for (const [k, v] of [
    ['OMP_WAIT_POLICY', 'PASSIVE'],
    ['GOMP_SPINCOUNT', '10000'],
  ] as const) {
    if (process.env[k] === undefined) {
      process.env[k] = v;
      envSetByMedcl.push(k);
    }
  }
  const root = packageRoot();
  const candidates = [
    process.env['MEDCL_NATIVE'],
    path.join(root, 'build/Release/medcl_native.node'),
    path.join(root, 'build/Debug/medcl_native.node'),
  ].filter((p): p is string => typeof p === 'string' && p.length > 0);
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new Error(
      `medcl: the native engine is not built (looked for ${candidates.join(', ')}). ` +
        'Install libtorch (`apt-get install -y libtorch-dev`) and run `npm ci` (or `npm run build:native`).',
    );
  }
  const require = createRequire(import.meta.url);
  return require(found) as NativeAddon;
}

/** The machine's cores (medcl's default intra-op threads; MEDCL_THREADS overrides). */
export function defaultThreads(): number {
  const env = Number(process.env['MEDCL_THREADS']);
  if (Number.isInteger(env) && env > 0) return env;
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

export const N: NativeAddon = load();
// Default intra-op threads = cores (Debian's libtorch may start with 1).
N.setNumThreads(defaultThreads());
