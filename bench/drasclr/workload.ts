/**
 * The DrasCLR benchmark's medcl side: a synthetic in-memory landmark patch data set (S scans of distinct patients ×
 * L landmarks of d³ patches, uniform in [-1, 1]), the registered DrasCLR run on it with full queues, stepped as
 * src/train/pretrain-loop.ts steps it (step seed, forward in the precision, backward, SGD, afterStep = EMA + enqueue;
 * no schedule, logging or checkpoints), and the file of weights and banks the equivalence check hands to PyTorch.
 */
import { writeFileSync } from 'node:fs';
import {
  F,
  manualSeed,
  noGrad,
  optim,
  randint,
  randn,
  saveSafetensors,
  stack,
  tidy,
  type Tensor,
} from '../../src/engine/index.js';
import { LandmarkPatchDataset, type ScanPatches } from '../../src/data/landmark-patches.js';
import type { AtlasLandmark } from '../../src/preprocess/landmarks.js';
import { createDrasclrRun, type DrasclrRun } from '../../src/methods/drasclr.js';
import { parseDrasclrConfig, type DrasclrConfig } from '../../src/methods/drasclr-config.js';
import { DRASCLR_LAYERS } from '../../src/models/drasclr-encoder.js';
import { autocastScope, type Precision } from '../../src/engine/precision.js';
import type { LandmarkBatch } from '../../src/samplers/landmark-batches.js';
import { SamplerCursor } from '../../src/samplers/sampler.js';
import { Compose } from '../../src/transforms/compose.js';
import { stepSeed } from '../../src/train/run-state.js';
import { Rng } from '../../src/util/rng.js';

export interface DrasclrWorkload {
  /** patients per batch B (paper: 128) */
  batch: number;
  /** d (paper: 32) */
  patch: number;
  /** K, keys per landmark queue (paper: 4096) */
  queue: number;
  /** L landmarks of the synthetic data set */
  landmarks: number;
  /** ℓ (paper: 2) */
  neighbours: number;
}

/** The synthetic data set: landmarks on a 2 × 2 × n grid (p spread over [-1, 1]), one patient per scan. */
export function syntheticPatches(w: DrasclrWorkload, seed = 0): { ds: LandmarkPatchDataset; raw: Float32Array } {
  const scans = w.batch;
  const vol = w.patch ** 3;
  const L = w.landmarks;
  const landmarks: AtlasLandmark[] = Array.from({ length: L }, (_, i) => {
    const grid: [number, number, number] = [i % 2, (i >> 1) % 2, i >> 2];
    const depth = Math.max(1, Math.ceil(L / 4) - 1);
    return {
      index: i,
      voxel: grid.map((g) => g * 26) as [number, number, number],
      world: grid.map((g) => g * 26) as [number, number, number],
      lungFraction: 1,
      location: [grid[0] * 2 - 1, grid[1] * 2 - 1, (grid[2] / depth) * 2 - 1],
    };
  });
  // [scan][landmark][d³], the layout the PyTorch side reads
  const raw = new Float32Array(scans * L * vol);
  const rng = new Rng(seed);
  for (let i = 0; i < raw.length; i++) raw[i] = rng.uniform(-1, 1);
  const patches: ScanPatches[] = Array.from({ length: scans }, (_, s) => ({
    id: `s${s}`,
    patient: `p${s}`,
    item: s,
    dice: 1,
    slots: Int32Array.from({ length: L }, (_, l) => l),
    patches: raw.subarray(s * L * vol, (s + 1) * L * vol),
  }));
  return { ds: new LandmarkPatchDataset(landmarks, w.patch, patches), raw };
}

export function drasclrConfig(w: DrasclrWorkload, seed = 0): DrasclrConfig {
  return parseDrasclrConfig({
    data: 'unused',
    out: 'unused',
    batchSize: w.batch,
    queueSize: w.queue,
    patchSize: w.patch,
    step: Math.min(26, w.patch),
    neighbours: w.neighbours,
    seed,
  });
}

/** Fills every landmark's queue with K random unit keys of patients drawn at random: the steady state of training. */
function fillBanks(run: DrasclrRun, patients: number): void {
  noGrad(() => {
    for (let l = 0; l < run.banks.landmarks; l++)
      tidy(() => {
        const keys = F.normalize(randn([run.banks.size, run.banks.dim]), { dim: 1 });
        const ids = randint(0, patients, [run.banks.size], { dtype: 'int32' });
        run.banks.enqueue(l, keys, ids);
      });
  });
}

export interface MedclLearner {
  run: DrasclrRun;
  cfg: DrasclrConfig;
  /** one training step on `batch` (default: the sampler's next); returns the loss and its two terms */
  step(batch?: LandmarkBatch): { loss: number; local: number; neighbour: number | null };
}

/**
 * The registered DrasCLR run on `ds` (augment: false = identity, for the equivalence check), queues full, stepped
 * as the pre-training loop steps it in `precision` (bf16-mixed: speed only; DrasCLR's config refuses it).
 */
export function medclLearner(
  ds: LandmarkPatchDataset,
  cfg: DrasclrConfig,
  o: { augment: boolean; precision: Precision },
): MedclLearner {
  manualSeed(cfg.seed);
  const run = createDrasclrRun(ds, cfg, o.augment ? {} : { augment: new Compose([]) });
  run.encoder.train();
  run.momentum.train();
  fillBanks(run, ds.length);
  const opt = new optim.SGD(run.encoder.parameters(), {
    lr: cfg.lr,
    momentum: cfg.momentum,
    weightDecay: cfg.weightDecay,
  });
  const cursor = new SamplerCursor(run.sampler);
  return {
    run,
    cfg,
    step(given) {
      const batch = given ?? (cursor.next() as LandmarkBatch);
      const seed = stepSeed(cfg.seed, batch.epoch, batch.index);
      manualSeed(seed);
      const rng = new Rng(seed);
      const r = tidy(() => {
        const out = autocastScope(o.precision, () => run.step(batch, rng));
        const loss = out.loss.item();
        opt.zeroGrad();
        out.loss.backward();
        return { loss, local: out.log.local, neighbour: out.log.neighbour };
      });
      opt.step();
      run.afterStep();
      return r;
    },
  };
}

/** The query encoder's weights and buffers ("encoder.*") and the banks ("banks.keys/ids/valid"), for PyTorch. */
export function writeCheckFile(file: string, run: DrasclrRun): void {
  tidy(() => {
    const tensors = new Map<string, Tensor>();
    for (const [name, t] of run.encoder.stateDict()) tensors.set(`encoder.${name}`, t);
    const per = (f: (l: number) => Tensor): Tensor =>
      stack(
        Array.from({ length: run.banks.landmarks }, (_, l) => f(l)),
        0,
      );
    tensors.set(
      'banks.keys',
      per((l) => run.banks.keys(l, 'float16')),
    );
    tensors.set(
      'banks.ids',
      per((l) => run.banks.patientIds(l)),
    );
    tensors.set(
      'banks.valid',
      per((l) => run.banks.valid(l)),
    );
    saveSafetensors(file, tensors, { layers: JSON.stringify(DRASCLR_LAYERS) });
  });
}

/** The raw patches as one float32 file ([scan][landmark][d³]) for the PyTorch side. */
export function writeRawPatches(file: string, raw: Float32Array): void {
  writeFileSync(file, new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength));
}

/** Number of elements of the trainable parameters (the architecture check). */
export function parameterCount(run: DrasclrRun): number {
  return run.encoder.parameters().reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0);
}
