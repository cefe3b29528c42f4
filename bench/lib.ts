/** Shared benchmark plumbing: the PyTorch child process, medians, machine description, JSON results. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { torchVersion, getNumThreads } from '../src/engine/index.js';
import { envSetByMedcl } from '../src/engine/native.js';

/** Seconds (wall clock) one call of `fn` takes. */
export function timed(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return (performance.now() - t0) / 1000;
}

/** Seconds each of `n` calls of `step` takes: one timing per training step. */
export function timeSteps(n: number, step: () => void): number[] {
  return Array.from({ length: n }, () => timed(step));
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function machine(): Record<string, unknown> {
  let cpuFlags: string[] = [];
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const flags = /^flags\s*:\s*(.*)$/m.exec(info)?.[1]?.split(' ') ?? [];
    cpuFlags = flags.filter((f) => /^(avx2|avx512f|avx512_bf16|amx_bf16|amx_tile|fma)$/.test(f));
  } catch {
    // not Linux
  }
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.release()}`,
    node: process.version,
    libtorch: torchVersion(),
    threads: getNumThreads(),
    cpuFlags,
  };
}

/** A persistent python3 child running a reference script that answers one JSON line per command. */
/** native/addon.cc's mallopt settings as glibc environment variables (M_MMAP_THRESHOLD, M_TRIM_THRESHOLD, M_TOP_PAD) */
export const MEDCL_MALLOC_ENV = {
  MALLOC_MMAP_THRESHOLD_: String(256 << 20),
  MALLOC_TRIM_THRESHOLD_: String(1 << 30),
  MALLOC_TOP_PAD_: String(64 << 20),
};

export class PythonSide {
  private proc: ChildProcessWithoutNullStreams;
  private lines: Interface;
  private pending: ((line: string) => void)[] = [];
  private stderr = '';
  /** why the child is gone (set when it exits or cannot start); later asks fail with it instead of waiting forever */
  private gone: string | null = null;

  /**
   * `opts.medclOpenMp`: keep the OpenMP wait policy medcl set for itself (a second reference; default: drop it).
   * `opts.medclMalloc`: give glibc's allocator the settings medcl's addon makes at load (native/addon.cc: large
   * buffers from the heap, not mmap'ed and page-faulted again every step), through glibc's MALLOC_* variables.
   */
  constructor(
    script: string,
    python = process.env['MEDCL_PYTHON'] ?? '/usr/bin/python3',
    opts: { medclOpenMp?: boolean; medclMalloc?: boolean } = {},
  ) {
    // PyTorch runs with its own defaults: drop the OpenMP settings medcl made for itself at load
    const env = { ...process.env };
    if (!opts.medclOpenMp) for (const k of envSetByMedcl) delete env[k];
    if (opts.medclMalloc) Object.assign(env, MEDCL_MALLOC_ENV);
    this.proc = spawn(python, [script], { stdio: ['pipe', 'pipe', 'pipe'], env });
    this.proc.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.lines = createInterface({ input: this.proc.stdout });
    this.lines.on('line', (l) => this.pending.shift()?.(l));
    const fail = (why: string) => {
      // a child that dies before it is asked (python3-torch missing: `import torch` fails at once) must not leave
      // the bench waiting on a promise that nothing resolves, which ends node silently with status 0
      const hint = /No module named '(torch|numpy)'/.test(this.stderr)
        ? ' (the PyTorch reference needs Debian python3-torch: sudo apt-get install -y python3-torch)'
        : '';
      this.gone ??= `the PyTorch reference ${python} ${script} ${why}${hint}: ${this.stderr.slice(-2000)}`;
      for (const p of this.pending.splice(0)) p(JSON.stringify({ error: this.gone }));
    };
    this.proc.on('error', (e) => fail(`could not run (${e.message})`));
    // 'close', not 'exit': it comes after the child's stdio has drained, so `stderr` holds all of the child's error
    this.proc.on('close', (code, signal) => fail(`exited with ${code ?? signal}`));
    // writes to a child that has exited fail with EPIPE; the exit handler reports why
    this.proc.stdin.on('error', () => undefined);
  }

  ask<T>(command: string): Promise<T> {
    if (this.gone) return Promise.reject(new Error(this.gone));
    return new Promise((resolve, reject) => {
      this.pending.push((line) => {
        const r = JSON.parse(line) as T & { error?: string };
        if (r.error) reject(new Error(r.error));
        else resolve(r);
      });
      this.proc.stdin.write(command + '\n');
    });
  }

  close(): void {
    if (this.gone) return;
    this.proc.stdin.write('quit\n');
    this.proc.stdin.end();
  }
}

/**
 * A bench's body with a temporary folder (prefix `tmpPrefix`) and a PyTorch side running `script`; both are cleaned
 * up however the body ends.
 */
export async function withPythonSide<T>(
  tmpPrefix: string,
  script: string,
  opts: { medclOpenMp?: boolean; medclMalloc?: boolean },
  body: (py: PythonSide, tmp: string) => Promise<T>,
): Promise<T> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), tmpPrefix));
  const py = new PythonSide(script, undefined, opts);
  try {
    return await body(py, tmp);
  } finally {
    py.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Runs a bench's main: an error is printed and the process exits with status 1. */
export function runBench(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}

export function writeResult(name: string, result: unknown): string {
  const dir = path.resolve('bench/results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  return file;
}

export function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
