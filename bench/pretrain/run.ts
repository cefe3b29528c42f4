/**
 * PCL pre-training benchmark (not a test): images/s of whole pre-training steps, data pipeline and augmentation
 * included, in medcl and in PyTorch (Debian python3-torch, bench/pretrain/pytorch_pcl.py), at 128² and 256²; same
 * threads, interleaved rounds, medians. Writes bench/results/pretrain.json; the last line printed is the summary.
 *
 * Workload (both sides): PCL (Zeng et al., MICCAI 2021; docs/methods.md §2.5), batch 32 slices drawn across volumes,
 * two views each (64 images through the encoder), U-Net encoder 16-32-64-128-256 (conv-BN-LeakyReLU(0.01) ×2 per stage,
 * 2×2 max-pool), GAP, MLP 256→256→128, L2 normalisation, SupCon with the position relation (t = 0.1, tau 0.1), SGD lr
 * 0.1 momentum 0.9 weight decay 1e-5.
 * - medcl: the real method — getSliceMethod('pcl').create on a SliceDataset (preset ct-pcl) built from CT phantoms written
 *   to a temp dir at start; each step is what src/train/pretrain.ts does per batch (sampler batch, step seed,
 *   run.step = imageBatch + pclAugment views + projector + positionRelation + supConLoss; backward; SGD step).
 * - PyTorch: the same loop written in torch on the same slices (handed over as a raw float32 file): random slices
 *   across volumes from one in-memory tensor, the same augmentation draws with affine_grid + grid_sample, the
 *   position relation and SupCon in torch, torch.optim.SGD.
 * Neither side runs the learning-rate schedule, logging or checkpoints (per-step costs outside the step itself).
 *
 *     npm run bench:pretrain
 *     BENCH_ROUNDS=1 BENCH_STEPS=1 node .build/bench/pretrain/run.js     # quick check
 *     BENCH_BATCH=16 ...                                               # smaller batch (default 32, the paper's)
 */
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getNumThreads, manualSeed, onDevice, optim, resolveDevice, tidy } from '../../src/engine/index.js';
import { writePhantoms } from '../../src/phantoms/write.js';
import { loadManifest } from '../../src/io/manifest.js';
import { buildSliceDataset, type SliceDataset } from '../../src/data/slice-dataset.js';
import { getSliceMethod } from '../../src/methods/registry.js';
import { resolvePretrainConfig } from '../../src/methods/resolve-config.js';
import type { PretrainConfig } from '../../src/methods/config.js';
import { ModuleBundle, stepSeed } from '../../src/train/run-state.js';
import { SamplerCursor } from '../../src/samplers/sampler.js';
import { Rng } from '../../src/util/rng.js';
import { PythonSide, machine, median, round, timeSteps, writeResult } from '../lib.js';

const WIDTHS = [16, 32, 64, 128, 256];
const SIZES = [128, 256] as const;
const BATCH = Number(process.env['BENCH_BATCH'] ?? 32);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 4);
const STEPS_PER_ROUND = Number(process.env['BENCH_STEPS'] ?? 3);
const WARMUP = 2;
/** BENCH_DEVICE: 'cpu' (default) or 'cuda[:N]' for medcl and the PyTorch child alike (bench/gpu/run.sh) */
const DEVICE = resolveDevice(process.env['BENCH_DEVICE'], { field: 'BENCH_DEVICE' });
/** CT phantoms: 6 volumes of 32 slices, 256² in-plane (the 128² data set is resized from them) */
const SUBJECTS = 6;
const PHANTOM_SHAPE: [number, number, number] = [32, 256, 256];

interface MedclSide {
  cfg: PretrainConfig;
  step(): number;
}

/** The PCL method on `ds`, stepped as src/train/pretrain.ts steps it (minus schedule, logging, checkpoints). */
function medclSide(ds: SliceDataset, manifestPath: string, out: string, size: number): MedclSide {
  const cfg = resolvePretrainConfig({
    method: 'pcl',
    data: manifestPath,
    out,
    preset: 'ct-pcl',
    size,
    batchSize: BATCH,
    encoder: { widths: WIDTHS, norm: 'batch', slope: 0.01, dropout: 0 },
    projectionDim: 128,
    seed: 0,
    device: DEVICE,
  });
  manualSeed(cfg.seed);
  // as src/train/pretrain-loop.ts: built on the device, each step inside the device's scope
  const run = onDevice(DEVICE, () => getSliceMethod('pcl').create({ dataset: ds, config: cfg }));
  const trained = new ModuleBundle(run.modules).to({ device: DEVICE });
  trained.train();
  const opt = new optim.SGD(trained.parameters(), {
    lr: cfg.lr,
    momentum: cfg.momentum,
    weightDecay: cfg.weightDecay,
  });
  const cursor = new SamplerCursor(run.sampler);
  return {
    cfg,
    step(): number {
      const batch = cursor.next();
      const seed = stepSeed(cfg.seed, batch.epoch, batch.index);
      manualSeed(seed);
      const rng = new Rng(seed);
      const value = tidy(() => {
        const o = onDevice(DEVICE, () => run.step(batch, rng));
        const v = o.loss.item();
        opt.zeroGrad();
        o.loss.backward();
        return v;
      });
      opt.step();
      run.afterStep?.();
      return value;
    },
  };
}

/** the data set's slices, volume after volume, as one raw float32 file for the PyTorch side */
function writeRaw(ds: SliceDataset, file: string): number[] {
  const n = ds.size * ds.size;
  const all = new Float32Array(ds.length * n);
  ds.images.forEach((img, i) => all.set(img, i * n));
  writeFileSync(file, new Uint8Array(all.buffer, all.byteOffset, all.byteLength));
  // samples are stored volume by volume, slice 0 first (buildSliceDataset): check, since the file relies on it
  let k = 0;
  ds.volumes.forEach((v, vi) => {
    for (let z = 0; z < v.slices; z++, k++) {
      const s = ds.samples[k]!;
      if (s.volume !== vi || s.sliceIndex !== z)
        throw new Error(`bench pretrain: sample ${k} is not slice ${z} of volume ${vi}: the raw file would misalign`);
    }
  });
  return ds.volumes.map((v) => v.slices);
}

function stats(times: number[], images: number): Record<string, unknown> {
  return {
    imagesPerSec: round(images / median(times), 2),
    medianStepSec: round(median(times), 4),
    steps: times.map((t) => round(t, 4)),
  };
}

function finite(losses: (number | null)[], who: string): void {
  if (losses.some((l) => l === null || !Number.isFinite(l)))
    throw new Error(`bench pretrain: ${who} produced a non-finite loss: ${JSON.stringify(losses)}`);
}

async function main(): Promise<void> {
  if (!(ROUNDS >= 1 && STEPS_PER_ROUND >= 1 && BATCH >= 2))
    throw new Error('BENCH_ROUNDS, BENCH_STEPS must be integers >= 1 and BENCH_BATCH >= 2');
  const threads = getNumThreads();
  const here = path.dirname(fileURLToPath(import.meta.url));
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'medcl-bench-pretrain-'));
  const py = new PythonSide(path.resolve(here, '../../../bench/pretrain/pytorch_pcl.py'));
  try {
    const written = await writePhantoms({
      out: tmp,
      seed: 0,
      kinds: ['ct'],
      ct: { subjects: SUBJECTS, shape: PHANTOM_SHAPE },
    });
    const manifestPath = written.manifests.ct!;
    const manifest = await loadManifest(manifestPath);

    const results: Record<string, unknown> = {};
    const ratios: Record<number, number> = {};
    let pytorchInfo: unknown = null;
    for (const size of SIZES) {
      const ds = await buildSliceDataset(manifest, { preset: 'ct-pcl', size });
      const side = medclSide(ds, manifestPath, path.join(tmp, `out${size}`), size);
      const dataFile = path.join(tmp, `slices${size}.f32`);
      const slicesPerVolume = writeRaw(ds, dataFile);
      const cfg = side.cfg;
      const key = String(size);
      pytorchInfo = await py.ask(
        `setup ${JSON.stringify({
          key,
          threads,
          seed: 0,
          widths: WIDTHS,
          slope: cfg.encoder.slope,
          projectionDim: cfg.projectionDim,
          batch: cfg.batchSize,
          tau: cfg.tau,
          threshold: cfg.positionThreshold,
          lr: cfg.lr,
          momentum: cfg.momentum,
          weightDecay: cfg.weightDecay,
          size,
          dataFile,
          slicesPerVolume,
          device: DEVICE,
        })}`,
      );
      rmSync(dataFile, { force: true }); // loaded by the child; the 256² file is tens of MB

      const medclLosses: number[] = [];
      const torchLosses: (number | null)[] = [];
      timeSteps(WARMUP, () => medclLosses.push(side.step()));
      torchLosses.push(...(await py.ask<{ losses: (number | null)[] }>(`run ${key} ${WARMUP}`)).losses);
      const medcl: number[] = [];
      const torch: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        // rotate which side goes first, so drift on a shared machine hits both alike
        const sides = [
          async () => medcl.push(...timeSteps(STEPS_PER_ROUND, () => medclLosses.push(side.step()))),
          async () => {
            const res = await py.ask<{ times: number[]; losses: (number | null)[] }>(`run ${key} ${STEPS_PER_ROUND}`);
            torch.push(...res.times);
            torchLosses.push(...res.losses);
          },
        ];
        for (let k = 0; k < sides.length; k++) await sides[(r + k) % sides.length]!();
      }
      finite(medclLosses, 'medcl');
      finite(torchLosses, 'PyTorch');
      const images = 2 * cfg.batchSize;
      const ips = images / median(medcl);
      const ipsTorch = images / median(torch);
      ratios[size] = ips / ipsTorch;
      results[`${size}px`] = {
        size,
        slices: ds.length,
        volumes: ds.volumes.length,
        imagesPerStep: images,
        medcl: { ...stats(medcl, images), losses: medclLosses.map((l) => round(l, 4)) },
        pytorch: { ...stats(torch, images), losses: torchLosses.map((l) => (l === null ? null : round(l, 4))) },
        ratio: round(ratios[size]!, 3),
      };
      console.log(
        `${size}px: medcl ${ips.toFixed(1)} img/s, pytorch ${ipsTorch.toFixed(1)} img/s, ratio ${ratios[size]!.toFixed(2)}x`,
      );
    }

    const file = writeResult(DEVICE === 'cpu' ? 'pretrain' : 'gpu-pretrain', {
      benchmark: 'pretrain',
      date: new Date().toISOString(),
      machine: machine(),
      device: DEVICE,
      pytorch: pytorchInfo,
      config: {
        method: 'pcl',
        widths: WIDTHS,
        sizes: SIZES,
        batch: BATCH,
        views: 2,
        rounds: ROUNDS,
        stepsPerRound: STEPS_PER_ROUND,
        warmup: WARMUP,
        data: `CT phantoms: ${SUBJECTS} volumes ${PHANTOM_SHAPE.join('x')}, preset ct-pcl resized to each size`,
        optimizer: 'SGD lr 0.1 momentum 0.9 weight decay 1e-5 (PCL / CL-TCI), no schedule',
        augment:
          'pclAugment: flips x/y p 0.5, affine p 0.67 (rot ±180°, scale 0.7-1.3, shift ±10%), brightness ±0.1 p 0.5, contrast 0.9-1.1 p 0.5',
      },
      results,
      notes: [
        'images/s = 2 views × batch / median step time; a step = batch assembly + two augmented views + forward + SupCon (position relation) + backward + SGD',
        'medcl runs the registered PCL method (getSliceMethod("pcl").create) on a SliceDataset, stepped as src/train/pretrain.ts does; PyTorch runs the same loop written in torch on the same slices',
        'PyTorch runs with its defaults (contiguous NCHW); medcl lays activations out channels-last where oneDNN prefers it (see the engine benchmark)',
        'interleaved rounds (side order rotated each round) after warm-up steps; medians',
      ],
    });
    console.log(`wrote ${file}`);
    console.log(`pretrain vs pytorch: 128px ${ratios[128]!.toFixed(2)}x, 256px ${ratios[256]!.toFixed(2)}x`);
  } finally {
    py.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
