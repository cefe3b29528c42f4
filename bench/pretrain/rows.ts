/**
 * The PCL pre-training benchmark's rows (bench/pretrain/run.ts times them): the medcl side, stepped as
 * src/train/pretrain-step.ts steps a run, in fp32 or bf16-mixed; the PyTorch runs of bench/pretrain/pytorch_pcl.py
 * (fp32, bf16 autocast, bf16 autocast + channels-last); the slices handed to PyTorch; the loss checks.
 */
import { writeFileSync } from 'node:fs';
import { loadManifest, type Manifest } from '../../src/io/manifest.js';
import { writePhantoms } from '../../src/phantoms/write.js';
import { manualSeed, onDevice, optim, tidy } from '../../src/engine/index.js';
import {
  autocastScope,
  withResolvedPrecision,
  type Precision,
  type WithPrecision,
} from '../../src/engine/precision.js';
import type { SliceDataset } from '../../src/data/slice-dataset.js';
import { getSliceMethod } from '../../src/methods/registry.js';
import { resolvePretrainConfig } from '../../src/methods/resolve-config.js';
import type { PretrainConfig } from '../../src/methods/config.js';
import { ModuleBundle, stepSeed } from '../../src/train/run-state.js';
import { SamplerCursor } from '../../src/samplers/sampler.js';
import { Rng } from '../../src/util/rng.js';
import { median, round, timeSteps, type PythonSide } from '../lib.js';

export interface MedclSide {
  cfg: WithPrecision<PretrainConfig>;
  step(): number;
}

export interface MedclOptions {
  widths: number[];
  batch: number;
  device: string;
  /** the config's precision setting, resolved as src/train/pretrain.ts resolves it */
  precision: Precision;
}

/** The PCL method on `ds`, stepped as src/train/pretrain-step.ts steps it (minus schedule, logging, checkpoints). */
export function medclSide(
  ds: SliceDataset,
  manifestPath: string,
  out: string,
  size: number,
  o: MedclOptions,
): MedclSide {
  const input = resolvePretrainConfig({
    method: 'pcl',
    data: manifestPath,
    out,
    preset: 'ct-pcl',
    size,
    batchSize: o.batch,
    encoder: { widths: o.widths, norm: 'batch', slope: 0.01, dropout: 0 },
    projectionDim: 128,
    seed: 0,
    device: o.device,
    precision: o.precision,
  });
  const cfg = withResolvedPrecision(input, o.device);
  const device = o.device;
  manualSeed(cfg.seed);
  // as src/train/pretrain.ts: built on the device, each step inside the device's scope
  const run = onDevice(device, () => getSliceMethod('pcl').create({ dataset: ds, config: cfg }));
  const trained = new ModuleBundle(run.modules).to({ device });
  trained.train();
  const opt = new optim.SGD(trained.parameters(), { lr: cfg.lr, momentum: cfg.momentum, weightDecay: cfg.weightDecay });
  const cursor = new SamplerCursor(run.sampler);
  return {
    cfg,
    step(): number {
      const batch = cursor.next();
      const seed = stepSeed(cfg.seed, batch.epoch, batch.index);
      manualSeed(seed);
      const rng = new Rng(seed);
      const value = tidy(() => {
        // as trainStep: the method's whole step (batch, views, forward, loss) in the run's precision, backward outside
        const out = onDevice(device, () => autocastScope(cfg.precision, () => run.step(batch, rng), device));
        const v = out.loss.item();
        opt.zeroGrad();
        out.loss.backward();
        return v;
      });
      opt.step();
      if (run.afterStep) onDevice(device, () => run.afterStep!());
      return value;
    },
  };
}

/** the data set's slices, volume after volume, as one raw float32 file for the PyTorch side */
export function writeRaw(ds: SliceDataset, file: string): number[] {
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

/** CT phantoms: 6 volumes of 32 slices, 256² in-plane (the 128² data set is resized from them) */
const SUBJECTS = 6;
const PHANTOM_SHAPE: [number, number, number] = [32, 256, 256];
export const BENCH_DATA = `CT phantoms: ${SUBJECTS} volumes ${PHANTOM_SHAPE.join('x')}, preset ct-pcl resized to each size`;

/** the benchmark's CT phantoms, written to `dir` (seed 0) and loaded */
export async function benchData(dir: string): Promise<{ manifest: Manifest; manifestPath: string }> {
  const written = await writePhantoms({
    out: dir,
    seed: 0,
    kinds: ['ct'],
    ct: { subjects: SUBJECTS, shape: PHANTOM_SHAPE },
  });
  const manifestPath = written.manifests.ct!;
  return { manifest: await loadManifest(manifestPath), manifestPath };
}

/**
 * pytorch_pcl.py's setup for `ds` at `o.size` (without key and mode): medcl's resolved config's numbers and the
 * slices, written to `o.dataFile` for the child to load.
 */
export function torchSetup(
  ds: SliceDataset,
  cfg: MedclSide['cfg'],
  o: { size: number; dataFile: string; threads: number; device: string },
): Record<string, unknown> {
  return {
    threads: o.threads,
    seed: 0,
    widths: cfg.encoder.widths,
    slope: cfg.encoder.slope,
    projectionDim: cfg.projectionDim,
    batch: cfg.batchSize,
    tau: cfg.tau,
    threshold: cfg.positionThreshold,
    lr: cfg.lr,
    momentum: cfg.momentum,
    weightDecay: cfg.weightDecay,
    size: o.size,
    dataFile: o.dataFile,
    slicesPerVolume: writeRaw(ds, o.dataFile),
    device: o.device,
  };
}

/** One row of the table: a side in a precision (a configuration), its step times and losses in order. */
export interface Row {
  /** the row's key in the JSON: medcl, pytorch (fp32, the rows the file always had), medclBf16, pytorchBf16, pytorchBest */
  label: string;
  run(n: number): Promise<{ times: number[]; losses: (number | null)[] }>;
  times: number[];
  losses: (number | null)[];
}

/** pytorch_pcl.py's modes: fp32, bf16 autocast, bf16 autocast + channels-last */
export type TorchMode = 'fp32' | 'bf16' | 'bf16cl';

/** A medcl row: `n` timed steps of `side` per call; with the side's resolved config. */
export function medclRow(label: string, side: MedclSide): { row: Row; cfg: MedclSide['cfg'] } {
  const row: Row = {
    label,
    async run(n) {
      const losses: number[] = [];
      const times = timeSteps(n, () => losses.push(side.step()));
      return { times, losses };
    },
    times: [],
    losses: [],
  };
  return { row, cfg: side.cfg };
}

/**
 * A PyTorch row: sets up `mode` for this size in the child `py` (its own model, seeded as every mode is) and runs
 * `n` timed steps per call. `setup` is the size's setup JSON without key and mode.
 */
export async function torchRow(
  label: string,
  py: PythonSide,
  size: number,
  mode: TorchMode,
  setup: Record<string, unknown>,
): Promise<{ row: Row; info: unknown }> {
  const key = `${size}_${mode}`;
  const info = await py.ask(`setup ${JSON.stringify({ ...setup, key, mode })}`);
  const row: Row = {
    label,
    run: (n) => py.ask<{ times: number[]; losses: (number | null)[] }>(`run ${key} ${n}`),
    times: [],
    losses: [],
  };
  return { row, info };
}

export function stats(times: number[], images: number): Record<string, unknown> {
  return {
    imagesPerSec: round(images / median(times), 2),
    medianStepSec: round(median(times), 4),
    steps: times.map((t) => round(t, 4)),
  };
}

export function finite(losses: (number | null)[], who: string): void {
  if (losses.some((l) => l === null || !Number.isFinite(l)))
    throw new Error(`bench pretrain: ${who} produced a non-finite loss: ${JSON.stringify(losses)}`);
}

/**
 * The first step's loss in bf16 against fp32 on the same side. The two sides' trajectories are not compared (they
 * draw different batches and augmentations: medcl's Rng and sampler, torch's generator), but on one side the fp32 and
 * bf16 runs start from the same weights (same seed) and take the same first batch with the same draws, so their
 * first losses differ by bf16 rounding alone: conv and linear inputs rounded to 8 significant bits through 10 conv
 * layers, cosine similarities then divided by tau = 0.1 inside the log-sum-exp (medcl's bf16 run also samples its
 * augmentation from an affine grid made in bf16: its whole step runs under autocast). Measured at 64², 128², 256²:
 * at most 0.09% (medcl) and 0.04% (PyTorch); the tolerance is 10x that. What it catches is gross: a loss that is
 * not finite or on another scale, a bf16 run on other weights or data. It cannot catch subtle errors, since at
 * initialisation SupCon sits near log(2N - 1) whatever the batch (medcl's and PyTorch's first losses, on different
 * batches, differ by 1%). Later steps drift apart by design (SGD at lr 0.1 amplifies the rounding: 4% after one
 * step at 64²) and are only checked for being finite.
 */
export const BF16_FIRST_LOSS_RTOL = 0.01;

export function checkFirstLoss(bf16: Row, fp32: Row | undefined, who: string): void {
  const a = bf16.losses[0];
  const b = fp32?.losses[0];
  if (a === null || a === undefined || b === null || b === undefined) return;
  const rel = Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);
  if (rel > BF16_FIRST_LOSS_RTOL)
    throw new Error(
      `bench pretrain: ${who} bf16's first loss ${a} is ${(rel * 100).toFixed(2)}% off fp32's ${b} ` +
        `(same weights and batch; tolerance ${BF16_FIRST_LOSS_RTOL * 100}%)`,
    );
}

/** the JSON's notes: the fp32 rows' (as the file always had them), then the bf16 rows' */
export const NOTES = [
  'images/s = 2 views × batch / median step time; a step = batch assembly + two augmented views + forward + SupCon (position relation) + backward + SGD',
  'medcl runs the registered PCL method (getSliceMethod("pcl").create) on a SliceDataset, stepped as src/train/pretrain.ts does; PyTorch runs the same loop written in torch on the same slices',
  'PyTorch runs with its defaults (contiguous NCHW); medcl lays activations out channels-last where oneDNN prefers it (see the engine benchmark)',
  'interleaved rounds (row order rotated each round) after warm-up steps; medians',
];
export const BF16_NOTES = [
  "medclBf16: the config's precision 'bf16-mixed', applied as src/train/pretrain-step.ts does: the method's whole step (batch, augmentation, forward, loss) under bf16 autocast, backward and SGD outside; float32 master weights and SGD state; losses and the embeddings' normalisation in float32 (src/losses/float32.ts)",
  'pytorchBf16: the forward under torch.autocast(cpu, bfloat16), PyTorch defaults otherwise (contiguous NCHW); the augmentation before it in float32; normalisation and SupCon in float32 with autocast off (as medcl)',
  "pytorchBest: PyTorch's best CPU configuration, bf16 autocast + model and views channels-last, in a second python process whose glibc allocator has medcl's settings (MALLOC_MMAP_THRESHOLD_ 256 MiB, MALLOC_TRIM_THRESHOLD_ 1 GiB, MALLOC_TOP_PAD_ 64 MiB)",
  'medclBf16VsPytorchBest = medclBf16 / the faster of pytorchBf16 and pytorchBest',
  `losses: all finite; on each side the bf16 run's first loss within ${BF16_FIRST_LOSS_RTOL * 100}% of the fp32 run's (same weights, batch and draws); the sides' trajectories differ by design (different random draws)`,
];
