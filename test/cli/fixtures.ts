/**
 * The CLI tests' shared pieces: small phantom data sets (written once per test file into a temp folder), a program
 * with the sub-commands under test, and stdout capture.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { Command } from 'commander';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
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

/**
 * A copy of the X-ray manifest (labels dropped) whose second image is a file that cannot be decoded:
 * `bad` is that file, `broken` the manifest (beside the original, so its relative paths still resolve).
 */
export function corruptXrayManifest(data: SmallData): { bad: string; broken: string } {
  const bad = join(data.dir, 'corrupt.png');
  writeFileSync(bad, Buffer.alloc(300, 7));
  const raw = JSON.parse(readFileSync(data.xray, 'utf8')) as { items: Record<string, unknown>[] };
  const broken = join(dirname(data.xray), 'broken.json');
  const items = raw.items.map(({ label: _l, ...it }, i) => (i === 1 ? { ...it, image: bad } : it));
  writeFileSync(broken, JSON.stringify({ ...raw, items }));
  return { bad, broken };
}
