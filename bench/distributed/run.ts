/**
 * Distributed benchmark (not a test): images/s of data-parallel training on one machine, medcl against PyTorch
 * (Debian python3-torch, DDP over gloo) on the same workload (bench/distributed/workload.ts, pytorch_ddp.py), in one
 * run: 2 processes x 1 thread (DDP, global batch split in two) vs 1 process x 2 threads (the whole batch), for both.
 * Each round starts every configuration afresh (launcher as `medcl --nproc-per-node`), in a rotating order; the
 * medians over rounds are reported, with the scaling efficiency (2x1 over 1x2) and the loss trajectories' largest
 * difference (the four runs train the same model from the same initial weights). Writes bench/results/distributed.json.
 *
 *     npm run bench:distributed
 *     BENCH_ROUNDS=1 BENCH_STEPS=2 node .build/bench/distributed/run.js      # quick check
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch } from '../../src/train/distributed/launch.js';
import { envSetByMedcl } from '../../src/engine/native.js';
import { machine, median, round, writeResult } from '../lib.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const STEPS = Number(process.env['BENCH_STEPS'] ?? 8);
const BATCH = Number(process.env['BENCH_BATCH'] ?? 32);
const here = path.dirname(fileURLToPath(import.meta.url));
const script = path.resolve(here, '../../../bench/distributed/pytorch_ddp.py');

interface Config {
  name: string;
  engine: 'medcl' | 'pytorch';
  procs: number;
  threads: number;
}

const CONFIGS: Config[] = [
  { name: 'medcl 1x2', engine: 'medcl', procs: 1, threads: 2 },
  { name: 'medcl 2x1', engine: 'medcl', procs: 2, threads: 1 },
  { name: 'pytorch 1x2', engine: 'pytorch', procs: 1, threads: 2 },
  { name: 'pytorch 2x1', engine: 'pytorch', procs: 2, threads: 1 },
];

async function runOnce(c: Config): Promise<{ imagesPerSec: number; losses: number[] }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    MEDCL_THREADS: String(c.threads),
    BENCH_STEPS: String(STEPS),
    BENCH_BATCH: String(BATCH),
  };
  // PyTorch runs with its own OpenMP defaults
  if (c.engine === 'pytorch') for (const k of envSetByMedcl) delete env[k];
  const exits = await launch({
    nprocPerNode: c.procs,
    command: c.engine === 'medcl' ? process.execPath : (process.env['MEDCL_PYTHON'] ?? '/usr/bin/python3'),
    args: c.engine === 'medcl' ? [path.join(here, 'medcl-worker.js')] : [script],
    env,
    stdio: 'pipe',
  });
  const r0 = exits[0]!;
  const line = r0.output.split('\n').find((l) => l.startsWith('{'));
  if (r0.code !== 0 || !line) throw new Error(`${c.name} failed:\n${exits.map((e) => e.output).join('\n')}`);
  return JSON.parse(line) as { imagesPerSec: number; losses: number[] };
}

function maxRel(a: number[], b: number[]): number {
  return Math.max(...a.map((x, i) => Math.abs(x - b[i]!) / Math.abs(b[i]!)));
}

async function main(): Promise<void> {
  const loadAtStart = os.loadavg().map((x) => round(x, 2));
  const rates = new Map<string, number[]>(CONFIGS.map((c) => [c.name, []]));
  const losses = new Map<string, number[]>();
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < CONFIGS.length; i++) {
      const c = CONFIGS[(i + r) % CONFIGS.length]!;
      const o = await runOnce(c);
      rates.get(c.name)!.push(o.imagesPerSec);
      losses.set(c.name, o.losses);
      process.stderr.write(`round ${r + 1}/${ROUNDS} ${c.name}: ${o.imagesPerSec.toFixed(1)} images/s\n`);
    }
  }
  const med = Object.fromEntries([...rates].map(([k, v]) => [k, round(median(v), 1)]));
  const ref = losses.get('medcl 1x2')!;
  const lossDiff = Object.fromEntries([...losses].map(([k, v]) => [k, maxRel(v, ref)]));
  const result = {
    benchmark: 'distributed',
    date: new Date().toISOString(),
    machine: machine(),
    workload: {
      encoder: 'conv-BN-ReLU 1-16-32-64-128 (max-pool after 3 stages), GAP, MLP 128-128-64, L2 norm',
      images: '64x64, two views (image + left-right flip)',
      globalBatch: BATCH,
      imagesPerStep: 2 * BATCH,
      loss: 'NT-Xent tau 0.1 over the gathered global batch (all_gather with gradient)',
      optimizer: 'SGD lr 0.05 momentum 0.9; gradients averaged over ranks (DDP / DataParallel)',
      backend: 'gloo over loopback',
    },
    rounds: ROUNDS,
    timedStepsPerRun: STEPS,
    imagesPerSec: Object.fromEntries([...rates].map(([k, v]) => [k, v.map((x) => round(x, 1))])),
    medianImagesPerSec: med,
    scalingEfficiency: {
      medcl: round(med['medcl 2x1']! / med['medcl 1x2']!, 3),
      pytorch: round(med['pytorch 2x1']! / med['pytorch 1x2']!, 3),
    },
    medclOverPytorch: {
      '1x2': round(med['medcl 1x2']! / med['pytorch 1x2']!, 3),
      '2x1': round(med['medcl 2x1']! / med['pytorch 2x1']!, 3),
    },
    // 2x1 differs from 1x2 through BatchNorm (each rank normalises its half of the batch, as torch DDP does)
    maxRelativeLossDifferenceFromMedcl1x2: lossDiff,
    maxRelativeLossDifferenceMedclVsPytorch: {
      '1x2': maxRel(losses.get('medcl 1x2')!, losses.get('pytorch 1x2')!),
      '2x1': maxRel(losses.get('medcl 2x1')!, losses.get('pytorch 2x1')!),
    },
    loadAverageAtStart: loadAtStart,
    loadAverageAtEnd: os.loadavg().map((x) => round(x, 2)),
  };
  const file = writeResult('distributed', result);
  process.stdout.write(
    `${file}\n` +
      `medians (images/s): ${JSON.stringify(med)}; scaling 2x1/1x2: medcl ${result.scalingEfficiency.medcl}, ` +
      `pytorch ${result.scalingEfficiency.pytorch}; medcl/pytorch: 1x2 ${result.medclOverPytorch['1x2']}, ` +
      `2x1 ${result.medclOverPytorch['2x1']}\n`,
  );
}

await main();
