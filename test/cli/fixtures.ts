/**
 * The CLI tests' shared pieces: small phantom data sets (written once per test file into a temp folder), a program
 * with the sub-commands under test, and stdout capture.
 */
import { mkdtemp } from 'node:fs/promises';
import { Command } from 'commander';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writePhantoms } from '../../src/phantoms/write.js';

export interface SmallData {
  dir: string;
  xray: string;
  ct: string;
}

/** 3 X-ray patients (32x32, 1..3 images each) and 2 CT volumes of 10x24x20 voxels, with manifests. */
export async function smallPhantoms(prefix: string, seed = 1): Promise<SmallData> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const r = await writePhantoms({
    out: dir,
    seed,
    kinds: ['xray', 'ct'],
    xray: { patients: 3, size: 32, minImages: 1, maxImages: 3 },
    ct: { subjects: 2, shape: [10, 24, 20] },
  });
  return { dir, xray: r.manifests.xray!, ct: r.manifests.ct! };
}

/**
 * Runs `fn` with the text written to process.stdout captured; returns it. Binary chunks (the test runner's own
 * messages to its parent) pass through.
 */
export async function captureStdout(fn: () => Promise<unknown>): Promise<string> {
  const write = process.stdout.write;
  const printed: string[] = [];
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    if (typeof chunk === 'string') {
      printed.push(chunk);
      return true;
    }
    return (write as (...a: unknown[]) => boolean).call(process.stdout, chunk, ...rest);
  }) as typeof process.stdout.write;
  try {
    await fn();
  } finally {
    process.stdout.write = write;
  }
  return printed.join('');
}

/** A `medcl` program with only `registers`' sub-commands; it throws instead of exiting and prints no usage text. */
export function program(...registers: ((p: Command) => void)[]): Command {
  const p = new Command();
  p.exitOverride();
  p.configureOutput({ writeErr: () => {}, writeOut: () => {} });
  for (const register of registers) register(p);
  return p;
}
