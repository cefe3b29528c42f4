/**
 * bench:data parts (c) and (d), loading that is heavy (docs/data-loading.md): the step rate when every batch is
 * loaded from disk (c: 256² CT slices decoded from NIfTI.gz and preprocessed, no volume kept beyond the window;
 * d: DrasCLR's 32³ patches from the disk-backed patch store), three sides interleaved round by round:
 * - `prefetch`: the loader's worker threads load the batches `DEPTH` steps ahead (PrefetchWindow, as the loop);
 * - `premade`: the identical step on pre-made tensors (no loading at all);
 * - `sync`: the same loading on the main thread, inside the step (loaderWorkers 0).
 * Each round runs `DEPTH` untimed steps first, so that the prefetch side does not start a round with batches its
 * workers loaded while the other sides ran.
 */
import path from 'node:path';
import { cat, F, optim, tensor, tidy, type Tensor } from '../../src/engine/index.js';
import { writePhantoms } from '../../src/phantoms/write.js';
import { loadManifest } from '../../src/io/manifest.js';
import { buildSliceDataset, type SliceDataset } from '../../src/data/slice-dataset.js';
import { LandmarkPatchDataset, type ScanPatches } from '../../src/data/landmark-patches.js';
import { PatchStore } from '../../src/data/patch-store.js';
import { LoaderPool } from '../../src/data/loader-pool.js';
import type { BatchLoader } from '../../src/data/batch-loader.js';
import { PrefetchWindow } from '../../src/train/prefetch-window.js';
import { contrastiveViews } from '../../src/transforms/augment.js';
import { DrasclrEncoder } from '../../src/models/drasclr-encoder.js';
import { Rng } from '../../src/util/rng.js';
import { expandToViews, identityRelation } from '../../src/relations/index.js';
import { supConLoss } from '../../src/losses/supcon.js';
import { metaOf } from '../../src/methods/common.js';
import { EncoderHead } from '../workloads.js';
import { median, round } from '../lib.js';

export const DEPTH = 3;

export interface HeavyOptions {
  dir: string;
  rounds: number;
  steps: number;
  workers: number;
}

/** one side: `next()` runs one step (awaiting its data as the loop does) */
interface Side {
  next(): Promise<void>;
  close?(): void;
}

async function timedAsync(fn: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

/** Interleaved rounds of the sides (rotating which goes first); per-step seconds of each. */
async function interleave(sides: Record<string, Side>, o: HeavyOptions): Promise<Record<string, number[]>> {
  const names = Object.keys(sides);
  const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < o.rounds; r++) {
    for (let k = 0; k < names.length; k++) {
      const n = names[(r + k) % names.length]!;
      for (let i = 0; i < DEPTH; i++) await sides[n]!.next();
      for (let i = 0; i < o.steps; i++) times[n]!.push(await timedAsync(() => sides[n]!.next()));
    }
  }
  for (const s of Object.values(sides)) s.close?.();
  return times;
}

/** a side whose batches come from `batches` through `loader` (prefetched `DEPTH` ahead, or not at all) */
function loadedSide<B>(batches: Iterator<B>, loader: BatchLoader<B>, prefetch: boolean, step: (b: B) => void): Side {
  if (prefetch) {
    // the window and the side walk the same sequence: batch i is the same object for both
    const list: B[] = [];
    const at = (i: number): B => {
      while (list.length <= i) list.push(batches.next().value as B);
      return list[i]!;
    };
    let pulled = 0;
    let stepped = 0;
    const w = new PrefetchWindow(loader, DEPTH, { next: () => ({ done: false, value: at(pulled++) }) });
    return {
      async next() {
        const b = at(stepped++);
        await w.ready(b);
        step(b);
        w.done(b);
      },
      close: () => w.close(),
    };
  }
  return {
    async next() {
      const b = batches.next().value as B;
      await loader.ready(b);
      step(b);
      loader.release(b);
    },
  };
}

function summary(times: Record<string, number[]>, images: number): Record<string, unknown> {
  const med = (n: string) => median(times[n]!);
  const out: Record<string, unknown> = {};
  for (const [n, t] of Object.entries(times))
    out[n] = { imagesPerSec: round(images / med(n), 2), medianSec: round(med(n), 4), times: t.map((x) => round(x, 4)) };
  out['prefetchOverPremade'] = round(med('prefetch') / med('premade'), 3);
  out['syncOverPremade'] = round(med('sync') / med('premade'), 3);
  return out;
}

function* randomBatches(n: number, batch: number, seed: number): Generator<number[]> {
  const rng = new Rng(seed);
  for (;;) {
    const order = rng.permutation(n);
    for (let i = 0; i + batch <= n; i += batch) yield order.slice(i, i + batch);
  }
}

/** (c) 256² CT slices decoded from NIfTI.gz: the contrastive step of part (b) at 256². */
export async function heavySlices(o: HeavyOptions & { batch: number }): Promise<Record<string, unknown>> {
  const SIZE = 256;
  const shape: [number, number, number] = [48, SIZE, SIZE];
  const written = await writePhantoms({
    out: path.join(o.dir, 'ct256'),
    seed: 0,
    kinds: ['ct'],
    ct: { subjects: 12, shape },
  });
  const manifest = await loadManifest(written.manifests.ct!);
  const base = { preset: 'ct-pcl' as const, size: SIZE };
  // cap 0: nothing stays beyond the window, every batch is decoded again (a data set far larger than memory)
  const prefetchDs = await buildSliceDataset(manifest, { ...base, loaderWorkers: o.workers, stream: { capMiB: 0 } });
  const syncDs = await buildSliceDataset(manifest, { ...base, loaderWorkers: 0, stream: { capMiB: 0 } });
  const model = new EncoderHead();
  model.train();
  const opt = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
  // the SimCLR relation (the other view of the same slice): the same 2N×2N mask for every batch of N
  const positives = expandToViews(
    identityRelation(
      metaOf(
        syncDs,
        Array.from({ length: o.batch }, (_, i) => i),
      ),
    ),
  );
  let stepNo = 0;
  const step = (x: () => Tensor) =>
    tidy(() => {
      const [v1, v2] = contrastiveViews(x(), new Rng(100 + stepNo++), 'cltci');
      const z = F.normalize(model.forward(cat([v1!, v2!], 0)), { dim: 1 });
      const { loss } = supConLoss(z, positives, { tau: 0.1 });
      opt.zeroGrad();
      loss.backward();
      opt.step();
      loss.item();
    });
  const premadeX = tensor(new Float32Array(o.batch * SIZE * SIZE).fill(0.5), { shape: [o.batch, 1, SIZE, SIZE] });
  const sideOf = (ds: SliceDataset, prefetch: boolean, seed: number): Side =>
    loadedSide(
      randomBatches(ds.length, o.batch, seed),
      ds.batchLoader((b: number[]) => b)!,
      prefetch,
      (b) => step(() => ds.imageBatch(b)),
    );
  try {
    const times = await interleave(
      {
        prefetch: sideOf(prefetchDs, true, 1),
        premade: { next: async () => step(() => premadeX.clone()) },
        sync: sideOf(syncDs, false, 1),
      },
      o,
    );
    return {
      data: `${manifest.items.length} CT volumes ${shape.join('x')} (NIfTI.gz, phantoms), preset ct-pcl ${SIZE}², ${prefetchDs.length} slices`,
      loading: 'every batch decoded from NIfTI.gz and preprocessed (resident cap 0: only the window is held)',
      batch: o.batch,
      ...summary(times, 2 * o.batch),
    };
  } finally {
    premadeX.dispose();
    await prefetchDs.close();
    await syncDs.close();
  }
}

/** random d³ patches of `scans` scans at every one of `landmarks` landmarks */
function randomScans(scans: number, landmarks: number, d: number): ScanPatches[] {
  const rng = new Rng(7);
  return Array.from({ length: scans }, (_, s) => {
    const patches = new Float32Array(landmarks * d ** 3);
    for (let i = 0; i < patches.length; i++) patches[i] = rng.uniform(-1, 1);
    const slots = Int32Array.from({ length: landmarks }, (_, l) => l);
    return { id: `s${s}`, patient: `p${s}`, item: s, dice: 1, slots, patches };
  });
}

/** (d) DrasCLR's 32³ patches from the disk-backed store: a Loc-CondConv encoder step at a landmark and 2 neighbours. */
export async function heavyPatches(o: HeavyOptions & { batch: number }): Promise<Record<string, unknown>> {
  const D = 32;
  const SCANS = 24;
  const L = 24;
  const landmarks = Array.from({ length: L }, (_, i) => ({
    index: i,
    voxel: [i, 0, 0] as [number, number, number],
    world: [i, 0, 0] as [number, number, number],
    lungFraction: 1,
    location: [i / L, 0.5, 0.5] as [number, number, number],
  }));
  const stores = [true, false].map(
    (ahead) => new PatchStore(path.join(o.dir, `patches-${ahead}.f32`), D, ahead ? new LoaderPool(o.workers) : null),
  );
  const scans = randomScans(SCANS, L, D);
  const [aheadDs, syncDs] = stores.map(
    (st) =>
      new LandmarkPatchDataset(
        landmarks,
        D,
        scans.map((s) => st.add(s)),
        false,
        st,
      ),
  );
  const encoder = new DrasclrEncoder({ experts: 8 });
  encoder.train();
  const opt = new optim.SGD(encoder.parameters(), { lr: 0.01, momentum: 0.9 });
  type B = { landmark: number; scans: number[] };
  const groups = (b: B) => [b.landmark, (b.landmark + 1) % L, (b.landmark + 2) % L];
  const step = (x: (l: number) => Tensor, b: B) =>
    tidy(() => {
      const losses = groups(b).map((l) => encoder.forward(x(l), landmarks[l]!.location).pow(2).mean());
      const loss = losses.reduce((a, c) => a.add(c));
      opt.zeroGrad();
      loss.backward();
      opt.step();
      loss.item();
    });
  function* batches(seed: number): Generator<B> {
    const rng = new Rng(seed);
    const it = randomBatches(SCANS, o.batch, seed);
    for (;;) yield { landmark: rng.int(0, L), scans: it.next().value as number[] };
  }
  const pairs = (b: B) => groups(b).flatMap((l) => b.scans.map((s) => [s, l] as [number, number]));
  const premade = tensor(new Float32Array(o.batch * D ** 3).fill(0.1), { shape: [o.batch, 1, D, D, D] });
  const sideOf = (ds: LandmarkPatchDataset, ahead: boolean): Side =>
    loadedSide(batches(2), ds.batchLoader(pairs)!, ahead, (b) => step((l) => ds.batch(b.scans, l), b));
  try {
    const times = await interleave(
      {
        prefetch: sideOf(aheadDs!, true),
        premade: { next: async () => step(() => premade.clone(), { landmark: 0, scans: [] }) },
        sync: sideOf(syncDs!, false),
      },
      o,
    );
    return {
      data: `${SCANS} scans × ${L} landmarks of ${D}³ float32 patches in a ${round(stores[0]!.fileBytes / 2 ** 20, 1)} MiB store file`,
      loading:
        'every batch read from the store file (resident cap 0); the file fits the page cache: reads are mostly memory copies',
      batch: `${o.batch} scans × 3 landmarks (the batch landmark and 2 neighbours) = ${3 * o.batch} patches`,
      encoder: 'DrasclrEncoder (DRASCLR_LAYERS, Loc-CondConv, 8 experts), loss mean(f²) per landmark, SGD',
      ...summary(times, 3 * o.batch),
    };
  } finally {
    premade.dispose();
    for (const st of stores) await st.close();
  }
}
