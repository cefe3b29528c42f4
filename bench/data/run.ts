/**
 * Data-pipeline benchmark (not a test): is the augmentation and the batch loading fast enough to stay out of the
 * training step's way? Writes bench/results/data.json; the last line printed is the summary.
 *
 * (a) Augmentation throughput: the CL-TCI pre-training pipeline (src/transforms/presets.ts clTciAugment, stage
 *     'pretrain' with the flip, exactly what contrastiveViews applies for augment 'cltci') on batches of 16
 *     1×128×128 images, in images/s, against the images/s of the engine benchmark's encoder training step at the
 *     same size (UNetEncoder 16..256 ReLU + MLPHead 256→256→128, batch 16, MSE, SGD momentum).
 *     Target: augmentation ≥ 10× the step rate.
 * (b) Loading overhead: a contrastive training step (two views of 16 images, z = normalize(g(f(x))), SupCon with
 *     the SimCLR relation, SGD momentum) whose batch is built each step from a SliceDataset (phantom X-rays written
 *     to a temp dir at start; sampler order → imageBatch → contrastiveViews 'cltci' → cat), against the identical
 *     step on a pre-made (32, 1, 128, 128) tensor. Target: step time ratio ≤ 1.1×.
 *
 * (c), (d) Heavy loading (bench/data/heavy.ts): 256² CT slices decoded from NIfTI.gz for every batch, and DrasCLR's
 *     32³ patches read from the disk-backed patch store for every batch; the step rate with the loader's worker
 *     threads loading ahead vs on pre-made tensors vs loading on the main thread. Target: prefetch ≤ 1.1× premade.
 *
 * (e) DrasCLR's data preparation (bench/data/prepare.ts): 6 lung CT scans prepared on the main thread vs in 2 loader
 *     worker threads at a time, each from an empty cache; the results are checked identical.
 *
 * All parts interleave their sides round by round (rotating which goes first) and compare medians.
 *
 *     npm run bench:data
 *     BENCH_ROUNDS=2 BENCH_STEPS=2 node .build/bench/data/run.js     # quick check
 *     BENCH_LOADER_WORKERS=3 ...                                        # loader threads (default: defaultLoaderWorkers)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cat, F, getNumThreads, manualSeed, optim, randn, tidy, type Tensor } from '../../src/engine/index.js';
import { EncoderHead, WIDTHS } from '../workloads.js';
import { clTciAugment } from '../../src/transforms/presets.js';
import { contrastiveViews } from '../../src/transforms/augment.js';
import { writePhantoms } from '../../src/phantoms/write.js';
import { loadManifest } from '../../src/io/manifest.js';
import { buildSliceDataset, type SliceDataset } from '../../src/data/slice-dataset.js';
import { expandToViews, identityRelation } from '../../src/relations/index.js';
import { supConLoss } from '../../src/losses/supcon.js';
import { metaOf } from '../../src/methods/common.js';
import { Rng } from '../../src/util/rng.js';
import { machine, median, round, timed, writeResult, runBench } from '../lib.js';
import { defaultLoaderWorkers } from '../../src/data/loader-pool.js';
import { DEPTH, heavyPatches, heavySlices } from './heavy.js';
import { benchPreparation } from './prepare.js';

const SIZE = 128;
const BATCH = 16;
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 4);
const STEPS_PER_ROUND = Number(process.env['BENCH_STEPS'] ?? 4);
const WARMUP = 2;
const LOADER_WORKERS = Number(process.env['BENCH_LOADER_WORKERS'] ?? defaultLoaderWorkers());
/** augmentation batches per round: they are ~10× shorter than a step, so time more of them */
const AUG_PER_ROUND = STEPS_PER_ROUND * 4;

/** The engine benchmark's encoder workload: UNetEncoder (ReLU) + GAP + MLP 256→256→128. */

/** Interleaved rounds of named sides (rotating which goes first); returns each side's per-call seconds. */
function interleave(sides: Record<string, { calls: number; run: () => void }>): Record<string, number[]> {
  const names = Object.keys(sides);
  const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (const n of names) for (let i = 0; i < WARMUP; i++) sides[n]!.run();
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < names.length; k++) {
      const n = names[(r + k) % names.length]!;
      for (let i = 0; i < sides[n]!.calls; i++) times[n]!.push(timed(sides[n]!.run));
    }
  }
  return times;
}

async function phantomDataset(dir: string): Promise<SliceDataset> {
  const written = await writePhantoms({
    out: dir,
    seed: 0,
    kinds: ['xray'],
    xray: { patients: 12, size: SIZE, minImages: 2, maxImages: 5 },
  });
  const manifest = await loadManifest(written.manifests.xray!);
  return buildSliceDataset(manifest, { preset: 'xray', size: SIZE });
}

function stats(times: number[], images: number): Record<string, unknown> {
  return {
    imagesPerSec: round(images / median(times), 2),
    medianSec: round(median(times), 5),
    times: times.map((t) => round(t, 5)),
  };
}

async function main(): Promise<void> {
  if (!(ROUNDS >= 1 && STEPS_PER_ROUND >= 1)) throw new Error('BENCH_ROUNDS and BENCH_STEPS must be integers >= 1');
  manualSeed(0);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'medcl-bench-data-'));
  try {
    const ds = await phantomDataset(tmp);
    if (ds.length < BATCH) throw new Error(`bench data: the phantom set has ${ds.length} images, need ${BATCH}`);
    console.log(`data set: ${ds.length} phantom X-rays ${SIZE}x${SIZE} (preset xray), threads ${getNumThreads()}`);

    // ---- (a) augmentation vs encoder step ----
    const pipeline = clTciAugment({ stage: 'pretrain', flip: true });
    const firstIds = Array.from({ length: BATCH }, (_, i) => i);
    const augInput = ds.imageBatch(firstIds);
    const augRng = new Rng(1);
    const enc = new EncoderHead();
    enc.train();
    const encOpt = new optim.SGD(enc.parameters(), { lr: 0.01, momentum: 0.9 });
    const encX = randn([BATCH, 1, SIZE, SIZE]);
    const encY = randn([BATCH, 128]);
    const a = interleave({
      augment: {
        calls: AUG_PER_ROUND,
        run: () => tidy(() => void pipeline.apply({ image: augInput }, augRng)),
      },
      step: {
        calls: STEPS_PER_ROUND,
        run: () =>
          tidy(() => {
            const loss = F.mseLoss(enc.forward(encX), encY);
            encOpt.zeroGrad();
            loss.backward();
            encOpt.step();
            loss.item();
          }),
      },
    });
    const augIps = BATCH / median(a['augment']!);
    const stepIps = BATCH / median(a['step']!);
    const augRatio = augIps / stepIps;
    console.log(
      `(a) augment ${augIps.toFixed(1)} img/s, encoder step ${stepIps.toFixed(1)} img/s: ${augRatio.toFixed(2)}x`,
    );

    // ---- (b) contrastive step: batches built from the SliceDataset vs a pre-made tensor ----
    const model = new EncoderHead();
    model.train();
    const opt = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
    // the SimCLR relation (the other view of the same image): the same 2N×2N mask for every batch of N
    const positives = expandToViews(identityRelation(metaOf(ds, firstIds)));
    const contrastiveStep = (views: Tensor): void => {
      const z = F.normalize(model.forward(views), { dim: 1 });
      const { loss } = supConLoss(z, positives, { tau: 0.1 });
      opt.zeroGrad();
      loss.backward();
      opt.step();
      loss.item();
    };
    const premade = tidy(() => {
      const [v1, v2] = contrastiveViews(ds.imageBatch(firstIds), new Rng(2), 'cltci');
      return cat([v1!, v2!], 0);
    });
    // a shuffled pass over the data set, reshuffled when exhausted (what a sampler does)
    const orderRng = new Rng(3);
    let order: number[] = [];
    const nextIds = (): number[] => {
      if (order.length < BATCH) order = orderRng.permutation(ds.length);
      return order.splice(0, BATCH);
    };
    let stepNo = 0;
    const b = interleave({
      loaded: {
        calls: STEPS_PER_ROUND,
        run: () =>
          tidy(() => {
            const rng = new Rng(1000 + stepNo++);
            const [v1, v2] = contrastiveViews(ds.imageBatch(nextIds()), rng, 'cltci');
            contrastiveStep(cat([v1!, v2!], 0));
          }),
      },
      premade: { calls: STEPS_PER_ROUND, run: () => tidy(() => contrastiveStep(premade)) },
    });
    const overhead = median(b['loaded']!) / median(b['premade']!);
    console.log(
      `(b) step from SliceDataset ${median(b['loaded']!).toFixed(4)} s, on a pre-made tensor ` +
        `${median(b['premade']!).toFixed(4)} s: ${overhead.toFixed(2)}x`,
    );
    // a separate measurement of what the loaded step adds: building one batch (imageBatch + 2 views + cat)
    const build: number[] = [];
    for (let i = 0; i < ROUNDS * STEPS_PER_ROUND; i++)
      build.push(
        timed(() =>
          tidy(() => {
            const [v1, v2] = contrastiveViews(ds.imageBatch(nextIds()), new Rng(5000 + i), 'cltci');
            void cat([v1!, v2!], 0);
          }),
        ),
      );

    const heavy = { dir: tmp, rounds: ROUNDS, steps: STEPS_PER_ROUND, workers: LOADER_WORKERS };
    const slices = await heavySlices({ ...heavy, batch: BATCH });
    console.log(`(c) 256² CT from NIfTI.gz: ${JSON.stringify(pick(slices))}`);
    const patches = await heavyPatches({ ...heavy, batch: 8 });
    console.log(`(d) 32³ patches from the store: ${JSON.stringify(pick(patches))}`);
    const preparation = await benchPreparation({ dir: path.join(tmp, 'prepare'), rounds: 2, scans: 6, workers: 2 });
    console.log(`(e) DrasCLR preparation: ${JSON.stringify(preparation)}`);
    if (preparation['identical'] !== true) throw new Error('bench:data (e): the two preparations differ');

    const file = writeResult('data', {
      benchmark: 'data',
      date: new Date().toISOString(),
      machine: machine(),
      config: {
        size: SIZE,
        batch: BATCH,
        widths: WIDTHS,
        rounds: ROUNDS,
        stepsPerRound: STEPS_PER_ROUND,
        augmentBatchesPerRound: AUG_PER_ROUND,
        warmup: WARMUP,
        dataset: { images: ds.length, source: 'phantom X-rays (writePhantoms xray, 12 patients), preset xray' },
        loaderWorkers: LOADER_WORKERS,
        prefetchDepth: DEPTH,
      },
      results: {
        augment: {
          pipeline: 'clTciAugment({ stage: "pretrain", flip: true }): contrast, brightness, gamma, affine, flip',
          augment: stats(a['augment']!, BATCH),
          encoderStep: stats(a['step']!, BATCH),
          ratio: round(augRatio, 3),
        },
        loading: {
          loadedStep: stats(b['loaded']!, 2 * BATCH),
          premadeStep: stats(b['premade']!, 2 * BATCH),
          batchBuildAlone: stats(build, 2 * BATCH),
          ratio: round(overhead, 3),
        },
        heavySlices: slices,
        heavyPatches: patches,
        preparation,
      },
      target:
        'augment >= 10x the encoder step rate; loading overhead <= 1.1x; heavy loading with prefetch <= 1.1x premade',
      notes: [
        '(a) ratio = augmentation images/s / encoder training step images/s, medians of interleaved rounds',
        '(b) ratio = median step time with the batch built from the SliceDataset (imageBatch + contrastiveViews "cltci" + cat, 2 views of 16) / median step time on a pre-made 32-image tensor; the step itself (forward, SupCon loss with a fixed SimCLR mask, backward, SGD) is identical',
        'batchBuildAlone: the batch construction timed on its own (not interleaved)',
        `(c), (d): median step seconds of each side (prefetch: ${LOADER_WORKERS} loader worker threads, ${DEPTH} batches ahead; sync: the same loads awaited on the main thread before each step; premade: no loading); each round runs ${DEPTH} untimed steps first; ratios = median / premade median`,
        '(e) DrasCLR preparation of 6 lung CT phantoms (48×80×80) with an empty cache: seconds on the main thread (loaderWorkers 0) vs 2 loader worker threads preparing 2 scans at a time, alternating, 2 rounds; speedup = median main / median workers; the results are checked identical',
        'the machine is shared with other jobs and has 2 cores: the loader threads compete with libtorch for them; the ratios are as measured',
      ],
    });
    console.log(`wrote ${file}`);
    console.log(
      `data: augment ${augRatio.toFixed(2)}x step, loading overhead ${overhead.toFixed(2)}x, heavy slices prefetch ` +
        `${String(slices['prefetchOverPremade'])}x (sync ${String(slices['syncOverPremade'])}x), patches prefetch ` +
        `${String(patches['prefetchOverPremade'])}x (sync ${String(patches['syncOverPremade'])}x) of premade, ` +
        `DrasCLR preparation in workers ${String(preparation['speedup'])}x the main thread`,
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** the medians and ratios of a heavy-loading result */
function pick(r: Record<string, unknown>): Record<string, unknown> {
  const sec = (n: string) => (r[n] as { medianSec: number }).medianSec;
  return {
    prefetch: sec('prefetch'),
    premade: sec('premade'),
    sync: sec('sync'),
    prefetchOverPremade: r['prefetchOverPremade'],
    syncOverPremade: r['syncOverPremade'],
  };
}

runBench(main);
