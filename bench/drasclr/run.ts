/**
 * DrasCLR pre-training benchmark (issue 14, not a test): patches/s of whole DrasCLR pre-training steps — Loc-CondConv
 * encoder (13 layers, 8 experts), momentum key encoder, full per-landmark queues, L_l + L_n, backward, SGD, EMA,
 * enqueue — in medcl and in the same loop written in PyTorch (Debian python3-torch, bench/drasclr/pytorch_drasclr.py),
 * same threads, interleaved rounds (order rotated every round), medians. Writes bench/results/drasclr.json
 * (drasclr-smoke.json when any size option differs from the defaults); the last line printed is
 *   `drasclr vs pytorch: fp32 <r>x, best <r>x`
 * fp32: medcl fp32 / PyTorch fp32 (contiguous, its defaults). best: medcl's best configuration DrasCLR supports (fp32:
 * its config refuses bf16-mixed, docs/drasclr.md) / PyTorch's best CPU configuration (bf16 autocast, inputs and mixed
 * kernels channels_last_3d). `--medcl-bf16` adds medcl under bf16 autocast as a speed-only row (not a supported mode).
 *
 * First, the equivalence check: PyTorch loads medcl's initial weights and full queues (a safetensors file) and both
 * sides run the same two steps without augmentation (the same patches, landmark, neighbours, scans): the parameter
 * counts must be equal and the losses (L, L_l, L_n of both steps; the second after SGD, EMA and enqueue) agree
 * within rtol 1e-3, or the benchmark stops.
 *
 * Data: synthetic patches (uniform in [-1, 1]), B scans of distinct patients × L landmarks on a grid; the queues start
 * full of random unit keys (the steady state: every query has K negatives minus its own patient's).
 *
 *     npm run bench:drasclr                                       # B 128, 32³, K 4096 (the paper's)
 *     node .build/bench/drasclr/run.js --batch 8 --rounds 1 --steps 1     # smoke (< 1 min)
 * Options: --batch B --patch d --queue K --landmarks L --rounds R --steps S (per round and variant) --warmup W
 *          --no-best (skip PyTorch's best configuration) --medcl-bf16
 */
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { getNumThreads } from '../../src/engine/index.js';
import type { LandmarkPatchDataset } from '../../src/data/landmark-patches.js';
import { DRASCLR_LAYERS } from '../../src/models/drasclr-encoder.js';
import type { LandmarkBatch } from '../../src/samplers/landmark-batches.js';
import { PythonSide, machine, runBench, withPythonSide, median, round, timeSteps, writeResult } from '../lib.js';
import {
  drasclrConfig,
  medclLearner,
  parameterCount,
  syntheticPatches,
  writeCheckFile,
  writeRawPatches,
  type DrasclrWorkload,
} from './workload.js';
import { parseBenchArgs, DEFAULTS, type BenchArgs } from './args.js';
import { compareCheck, type CheckResult, type CheckRow } from './check.js';

interface Variant {
  name: string;
  side: 'medcl' | 'pytorch';
  times: number[];
  losses: (number | null)[];
  run(steps: number): Promise<void>;
}

function medclVariant(name: string, learner: ReturnType<typeof medclLearner>): Variant {
  const v: Variant = {
    name,
    side: 'medcl',
    times: [],
    losses: [],
    async run(steps) {
      v.times.push(...timeSteps(steps, () => v.losses.push(finiteOrNull(learner.step().loss))));
    },
  };
  return v;
}

function torchVariant(name: string, mode: 'fp32' | 'best', py: PythonSide): Variant {
  const v: Variant = {
    name,
    side: 'pytorch',
    times: [],
    losses: [],
    async run(steps) {
      const r = await py.ask<{ times: number[]; losses: (number | null)[] }>(`run ${mode} ${steps}`);
      v.times.push(...r.times);
      v.losses.push(...r.losses);
    },
  };
  return v;
}

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** the equivalence check: the same two un-augmented steps from the same weights and queues on both sides */
async function check(w: DrasclrWorkload, py: PythonSide, ds: LandmarkPatchDataset, dir: string) {
  const learner = medclLearner(ds, drasclrConfig(w), { augment: false, precision: 'fp32' });
  const file = path.join(dir, 'check.safetensors');
  writeCheckFile(file, learner.run);
  // the second step at the first one's landmark: its queue then holds the first step's keys (enqueue checked too)
  const [b0, b1] = learner.run.sampler.epoch(0) as [LandmarkBatch, LandmarkBatch];
  const batches = [b0, { ...b1, landmark: b0.landmark, neighbours: b0.neighbours }];
  const medcl = batches.map((b) => learner.step(b));
  const steps = batches.map((b) => ({ landmark: b.landmark, neighbours: b.neighbours, scans: b.items }));
  const torch = await py.ask<{ params: number; steps: CheckRow[] }>(`check ${JSON.stringify({ file, steps })}`);
  return compareCheck(parameterCount(learner.run), medcl, torch);
}

function summary(v: Variant, patchesPerStep: number): Record<string, unknown> {
  const m = median(v.times);
  return {
    side: v.side,
    patchesPerSec: round(patchesPerStep / m, 2),
    medianStepSec: round(m, 4),
    steps: v.times.map((t) => round(t, 4)),
    losses: v.losses.map((l) => (l === null ? null : round(l, 4))),
    finite: v.losses.every((l) => l !== null),
  };
}

/** what the PyTorch side needs to build the same run on the same patches */
function setupMessage(w: DrasclrWorkload, ds: LandmarkPatchDataset, dataFile: string): Record<string, unknown> {
  const cfg = drasclrConfig(w);
  return {
    threads: getNumThreads(),
    seed: 0,
    scans: ds.length,
    ...w,
    dim: cfg.projectionDim,
    experts: cfg.experts,
    layers: DRASCLR_LAYERS,
    tau: cfg.tau,
    ema: cfg.ema,
    lr: cfg.lr,
    momentum: cfg.momentum,
    weightDecay: cfg.weightDecay,
    dataFile,
    locations: ds.landmarks.map((l) => l.location),
    worlds: ds.landmarks.map((l) => l.world),
    patients: ds.patientIds,
  };
}

/** warm-up steps (not kept), then interleaved rounds with the order rotated every round */
async function timeVariants(variants: Variant[], args: BenchArgs): Promise<void> {
  for (const v of variants) {
    await v.run(args.warmup);
    v.times.length = 0;
    v.losses.length = 0;
  }
  for (let r = 0; r < args.rounds; r++)
    for (let k = 0; k < variants.length; k++) await variants[(r + k) % variants.length]!.run(args.steps);
}

function variantsOf(args: BenchArgs, ds: LandmarkPatchDataset, py: PythonSide): Variant[] {
  const cfg = drasclrConfig(args.workload);
  const variants: Variant[] = [
    medclVariant('medcl fp32', medclLearner(ds, cfg, { augment: true, precision: 'fp32' })),
    torchVariant('pytorch fp32', 'fp32', py),
  ];
  if (args.best) variants.push(torchVariant(TORCH_BEST, 'best', py));
  if (args.medclBf16)
    variants.push(medclVariant(MEDCL_BF16, medclLearner(ds, cfg, { augment: true, precision: 'bf16-mixed' })));
  return variants;
}

const TORCH_BEST = 'pytorch best (bf16 autocast, channels_last_3d)';
const MEDCL_BF16 = 'medcl bf16-mixed (speed only)';

function resultOf(args: BenchArgs, variants: Variant[], equivalence: CheckResult, pytorch: unknown) {
  const w = args.workload;
  const cfg = drasclrConfig(w);
  const patchesPerStep = w.batch * (2 + w.neighbours);
  const rate = (name: string): number | null => {
    const v = variants.find((x) => x.name === name);
    return v ? patchesPerStep / median(v.times) : null;
  };
  const ratio = (a: string, b: string): number | null => {
    const [x, y] = [rate(a), rate(b)];
    return x === null || y === null ? null : round(x / y, 3);
  };
  return {
    benchmark: 'drasclr',
    smoke: Object.entries(DEFAULTS.workload).some(([k, v]) => w[k as keyof DrasclrWorkload] !== v),
    date: new Date().toISOString(),
    machine: machine(),
    pytorch,
    config: {
      ...w,
      experts: cfg.experts,
      layers: DRASCLR_LAYERS,
      tau: cfg.tau,
      ema: cfg.ema,
      bankDtype: cfg.bankDtype,
      optimizer: `SGD lr ${cfg.lr} momentum ${cfg.momentum} weight decay ${cfg.weightDecay}, no schedule`,
      augment: 'drasClrAugment: affine (rot ±10°, shift ±0.375, scale 0.9-1.1, border), noise p 0.25, gamma p 0.25',
      rounds: args.rounds,
      stepsPerRound: args.steps,
      warmup: args.warmup,
      patchesPerStep,
    },
    equivalence: { ok: equivalence.ok, rows: equivalence.rows },
    results: Object.fromEntries(variants.map((v) => [v.name, summary(v, patchesPerStep)])),
    ratios: {
      fp32: ratio('medcl fp32', 'pytorch fp32'),
      best: ratio('medcl fp32', TORCH_BEST),
      medclBf16VsTorchBest: ratio(MEDCL_BF16, TORCH_BEST),
      medclBf16VsTorchFp32: ratio(MEDCL_BF16, 'pytorch fp32'),
    },
    notes: [
      'patches/s = B × (2 + ℓ) / median step time: the two views at the landmark and one augmented patch per neighbour',
      "best: medcl's best supported configuration, fp32 (DrasCLR refuses bf16-mixed: libtorch 1.13 bf16 conv3d backward), vs PyTorch bf16 autocast with channels_last_3d inputs and mixed kernels",
      'interleaved rounds (the order rotates each round) after warm-up steps; medians',
    ],
  };
}

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2));
  const here = path.dirname(fileURLToPath(import.meta.url));
  const script = path.resolve(here, '../../../bench/drasclr/pytorch_drasclr.py');
  await withPythonSide('medcl-bench-drasclr-', script, {}, async (py, tmp) => {
    const { ds, raw } = syntheticPatches(args.workload);
    const dataFile = path.join(tmp, 'patches.f32');
    writeRawPatches(dataFile, raw);
    const pytorch = await py.ask(`setup ${JSON.stringify(setupMessage(args.workload, ds, dataFile))}`);
    const equivalence = await check(args.workload, py, ds, tmp);
    console.log(equivalence.lines.join('\n'));
    if (!equivalence.ok) throw new Error('bench drasclr: medcl and PyTorch do not compute the same step (see above)');

    const variants = variantsOf(args, ds, py);
    await timeVariants(variants, args);
    const result = resultOf(args, variants, equivalence, pytorch);
    for (const [name, r] of Object.entries(result.results))
      console.log(`${name}: ${String(r['patchesPerSec'])} patches/s (median ${String(r['medianStepSec'])} s/step)`);
    if (variants.slice(0, 2).some((v) => v.losses.some((l) => l === null)))
      throw new Error('bench drasclr: a float32 side produced a non-finite loss');
    const file = writeResult(result.smoke ? 'drasclr-smoke' : 'drasclr', result);
    console.log(`wrote ${file}`);
    const { fp32, best, medclBf16VsTorchBest } = result.ratios;
    if (medclBf16VsTorchBest !== null)
      console.log(`medcl bf16-mixed (speed only) vs pytorch best: ${medclBf16VsTorchBest}x`);
    console.log(`drasclr vs pytorch: fp32 ${fp32}x, best ${best === null ? 'n/a' : `${best}x`}`);
  });
}

runBench(main);
