/**
 * bench:data part (e): DrasCLR's data preparation (read, lung mask, registration of the lung mask to the atlas's,
 * patch cropping; src/data/landmark-prepare.ts) of `scans` lung CT phantoms, on the main thread (loaderWorkers 0)
 * against the loader's worker threads (`workers` scans at a time), each run with an empty cache; the sides alternate
 * round by round and the medians are compared. The two results are checked identical first (patches and report).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { writePhantoms } from '../../src/phantoms/write.js';
import { loadManifest, type Manifest } from '../../src/io/manifest.js';
import { parseDrasclrConfig, type DrasclrConfig } from '../../src/methods/drasclr-config.js';
import { prepareLandmarkPatches, type PreparedData } from '../../src/data/landmark-prepare.js';
import { LoaderPool } from '../../src/data/loader-pool.js';
import { median, round } from '../lib.js';

/** the scans' shape [z, y, x]: registration dominates, so it is kept moderate for a 2-core run */
const SHAPE: [number, number, number] = [48, 80, 80];

export interface PrepareBenchOptions {
  dir: string;
  rounds: number;
  scans: number;
  workers: number;
}

async function prepareOnce(manifest: Manifest, cfg: DrasclrConfig, dir: string, pool?: LoaderPool) {
  const cacheDir = mkdtempSync(path.join(dir, 'cache-'));
  try {
    const t0 = performance.now();
    const prepared = await prepareLandmarkPatches(manifest, cfg, { cacheDir, ...(pool ? { pool } : {}) });
    return { seconds: (performance.now() - t0) / 1000, prepared };
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

function samePreparation(a: PreparedData, b: PreparedData): boolean {
  return (
    a.dataset.scans.length === b.dataset.scans.length &&
    a.dataset.scans.every((s, i) =>
      Buffer.from(s.patches.buffer).equals(Buffer.from(b.dataset.scans[i]!.patches.buffer)),
    ) &&
    JSON.stringify({ ...a.report, seconds: 0 }) === JSON.stringify({ ...b.report, seconds: 0 })
  );
}

export async function benchPreparation(o: PrepareBenchOptions): Promise<Record<string, unknown>> {
  await writePhantoms({ out: o.dir, seed: 5, kinds: ['lungct'], lungct: { subjects: o.scans, shape: SHAPE } });
  const manifestPath = path.join(o.dir, 'lungct', 'manifest.json');
  const manifest = await loadManifest(manifestPath);
  const cfg = parseDrasclrConfig({ data: manifestPath, out: o.dir });
  const pool = new LoaderPool(o.workers);
  try {
    const times: Record<'main' | 'workers', number[]> = { main: [], workers: [] };
    let same = true;
    for (let r = 0; r < o.rounds; r++) {
      const order: ('main' | 'workers')[] = r % 2 === 0 ? ['main', 'workers'] : ['workers', 'main'];
      const got: Partial<Record<'main' | 'workers', PreparedData>> = {};
      for (const side of order) {
        const run = await prepareOnce(manifest, cfg, o.dir, side === 'workers' ? pool : undefined);
        times[side].push(run.seconds);
        got[side] = run.prepared;
      }
      same &&= samePreparation(got.main!, got.workers!);
    }
    const m = median(times.main);
    const w = median(times.workers);
    return {
      scans: o.scans,
      shape: SHAPE,
      workers: o.workers,
      identical: same,
      mainSeconds: times.main.map((t) => round(t, 2)),
      workerSeconds: times.workers.map((t) => round(t, 2)),
      speedup: round(m / w, 2),
    };
  } finally {
    await pool.close();
  }
}
