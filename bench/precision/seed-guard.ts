/**
 * The seed-spread precision guard (issue 14): is bf16-mixed as good as fp32, measured against how much fp32 moves
 * with the seed alone? Not a test: it trains, so it takes minutes to an hour.
 *
 * The same short PCL pre-training + fine-tuning experiment on CT phantoms (src/experiment: PCL pre-trained on every
 * slice, fine-tuned with M labelled patients over k folds, test Dice) runs in fp32 and in bf16-mixed (pre-training
 * and fine-tuning) for each of N ≥ 3 experiment seeds (the seed draws folds, labels, initial weights, batches and
 * augmentation; the phantoms stay the same). Final metric per run: the mean test Dice over its table cells.
 *
 * Decision: bf16-mixed is acceptable as the default only if
 *     |mean over seeds(bf16) − mean over seeds(fp32)| <= std over seeds(fp32)   (sample std, n − 1)
 * i.e. switching precision moves the result by no more than changing the seed does. The guard prints the numbers,
 * the per-seed paired differences and the decision, and writes JSON. It does not change the default
 * (src/engine/precision.ts, docs/precision.md).
 *
 * Usage: node .build/bench/precision/seed-guard.js [--scale small|smoke] [--seeds N] [--out DIR]
 *   small (default): 12 CT phantoms 24×64×64 at 64², U-Net 8-16-32-64, 3 pre-training epochs, 10 fine-tuning epochs
 *     of >= 30 steps, M = 2 and all, 3 folds, 5 seeds;
 *   smoke: 6 phantoms 16×48×48 at 32², widths 8-16-32, 1 pre-training and 4 fine-tuning epochs of >= 20 steps,
 *     M = all, 2 folds, 3 seeds (a minute or two; a check of the pipeline, its verdict means little).
 * Writes bench/results/precision-seed-guard.json (precision-seed-guard-smoke.json for --scale smoke), and the
 * experiments under DIR (default: a temp folder).
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writePhantoms } from '../../src/phantoms/write.js';
import { runExperiment } from '../../src/experiment/experiment.js';
import type { ExperimentInput } from '../../src/experiment/config.js';
import { meanSampleStd, type ResultsTable } from '../../src/report/table.js';
import { nativeBf16, type Precision } from '../../src/engine/index.js';
import { machine, round, writeResult, runBench } from '../lib.js';

type Scale = 'small' | 'smoke';

interface GuardScale {
  subjects: number;
  shape: [number, number, number];
  size: number;
  widths: number[];
  folds: number;
  budgets: (number | 'all')[];
  seeds: number;
  pretrain: Record<string, unknown>;
  finetune: Record<string, unknown>;
}

const SCALES: Record<Scale, GuardScale> = {
  small: {
    subjects: 12,
    shape: [24, 64, 64],
    size: 64,
    widths: [8, 16, 32, 64],
    folds: 3,
    budgets: [2, 'all'],
    seeds: 5,
    pretrain: { epochs: 3, batchSize: 16, lr: 0.1, warmupEpochs: 0, tau: 0.1, augment: 'pcl' },
    finetune: { epochs: 10, minStepsPerEpoch: 30, batchSize: 5, lr: 1e-3, loss: 'dice-ce', augment: 'none' },
  },
  smoke: {
    subjects: 6,
    shape: [16, 48, 48],
    size: 32,
    widths: [8, 16, 32],
    folds: 2,
    budgets: ['all'],
    seeds: 3,
    pretrain: { epochs: 1, batchSize: 8, lr: 0.1, warmupEpochs: 0, tau: 0.1, augment: 'pcl' },
    finetune: { epochs: 4, minStepsPerEpoch: 20, batchSize: 4, lr: 1e-3, loss: 'dice-ce', augment: 'none' },
  },
};

interface Args {
  scale: Scale;
  seeds: number;
  out: string;
}

function parseArgs(argv: string[]): Args {
  let scale: Scale = 'small';
  let seeds: number | undefined;
  let out = path.join(os.tmpdir(), 'medcl-precision-seed-guard');
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i]!, argv[i + 1]];
    if (v === undefined) throw new Error(`seed-guard: ${k} needs a value`);
    if (k === '--scale') {
      if (v !== 'small' && v !== 'smoke') throw new Error(`seed-guard: --scale must be small or smoke, got "${v}"`);
      scale = v;
    } else if (k === '--seeds') {
      seeds = Number(v);
      if (!Number.isInteger(seeds) || seeds < 3)
        throw new Error(`seed-guard: --seeds must be an integer >= 3 (a spread needs seeds), got "${v}"`);
    } else if (k === '--out') out = path.resolve(v);
    else throw new Error(`seed-guard: unknown option ${k} (expected --scale, --seeds, --out)`);
  }
  return { scale, seeds: seeds ?? SCALES[scale].seeds, out };
}

function experimentInput(s: GuardScale, manifest: string, precision: Precision, seed: number, out: string) {
  const encoder = { widths: s.widths };
  return {
    name: `precision seed guard (${precision}, seed ${seed})`,
    data: manifest,
    out,
    preset: 'ct-pcl',
    size: s.size,
    methods: ['pcl'],
    budgets: s.budgets,
    budgetUnit: 'patient',
    folds: s.folds,
    seed,
    pretrainImages: 'all-images',
    selection: 'last',
    pretrain: { ...s.pretrain, encoder, precision },
    finetune: { ...s.finetune, encoder, hausdorff: false, precision },
    overlays: 0,
    tsne: false,
  } as ExperimentInput;
}

/** the run's final metric: the mean over its table's cells (each cell: mean test Dice over folds) */
function finalMetric(t: ResultsTable): { metric: number; cells: Record<string, number> } {
  const row = t.rows.find((r) => r.method === 'pcl');
  if (!row) throw new Error('seed-guard: the experiment table has no pcl row');
  const cells: Record<string, number> = {};
  row.cells.forEach((c, j) => {
    if (c) cells[`M=${String(t.budgets[j])}`] = c.mean;
  });
  const values = Object.values(cells);
  if (values.length === 0) throw new Error('seed-guard: the pcl row has no cell');
  return { metric: values.reduce((a, b) => a + b, 0) / values.length, cells };
}

interface Decision {
  fp32: { mean: number; std: number };
  bf16: { mean: number; std: number };
  absMeanDiff: number;
  acceptable: boolean;
}

/** bf16-mixed is acceptable iff |mean(bf16) − mean(fp32)| <= the sample std of fp32 over the seeds */
function decide(fp32: readonly number[], bf16: readonly number[]): Decision {
  const f = meanSampleStd(fp32);
  const b = meanSampleStd(bf16);
  if (f.std === null || b.std === null) throw new Error('seed-guard: a spread needs at least 2 seeds');
  const absMeanDiff = Math.abs(b.mean - f.mean);
  return {
    fp32: { mean: f.mean, std: f.std },
    bf16: { mean: b.mean, std: b.std },
    absMeanDiff,
    acceptable: absMeanDiff <= f.std,
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const s = SCALES[args.scale];
  const t0 = performance.now();
  mkdirSync(args.out, { recursive: true });
  const dataDir = path.join(args.out, `data-${args.scale}`);
  const manifest = path.join(dataDir, 'ct', 'manifest.json');
  if (!existsSync(manifest))
    await writePhantoms({ out: dataDir, seed: 0, kinds: ['ct'], ct: { subjects: s.subjects, shape: s.shape } });
  const seeds = Array.from({ length: args.seeds }, (_, i) => i);
  const runs: { seed: number; precision: Precision; metric: number; cells: Record<string, number>; s: number }[] = [];
  for (const seed of seeds)
    for (const precision of ['fp32', 'bf16-mixed'] as const) {
      const out = path.join(args.out, args.scale, `${precision}-seed${seed}`);
      rmSync(out, { recursive: true, force: true }); // never reuse cells of an earlier run
      const r0 = performance.now();
      const r = await runExperiment(experimentInput(s, manifest, precision, seed, out), {
        progress: 'quiet',
        log: () => undefined,
      });
      const m = finalMetric(r.table);
      const secs = (performance.now() - r0) / 1000;
      runs.push({ seed, precision, ...m, s: round(secs, 1) });
      console.log(`seed ${seed} ${precision}: mean test Dice ${m.metric.toFixed(4)} (${secs.toFixed(0)} s)`);
    }
  const of = (p: Precision): number[] => runs.filter((r) => r.precision === p).map((r) => r.metric);
  const d = decide(of('fp32'), of('bf16-mixed'));
  const paired = seeds.map((seed, i) => round(of('bf16-mixed')[i]! - of('fp32')[i]!, 4));
  const verdict = d.acceptable ? 'acceptable' : 'not acceptable';
  const file = writeResult(args.scale === 'smoke' ? 'precision-seed-guard-smoke' : 'precision-seed-guard', {
    guard: 'bf16-mixed vs the seed-to-seed spread of fp32 (issue 14)',
    smoke: args.scale === 'smoke',
    date: new Date().toISOString(),
    machine: machine(),
    bf16Hardware: nativeBf16('cpu'),
    scale: { name: args.scale, ...s, seeds: args.seeds },
    metric: 'mean test Dice over the PCL row of the experiment table (each cell: mean over folds)',
    rule: '|mean(bf16) − mean(fp32)| <= sample std(fp32) over the seeds',
    runs,
    pairedDiffs: paired,
    decision: d,
    verdict,
    seconds: round((performance.now() - t0) / 1000, 1),
  });
  console.log(`\nfp32:       mean ${d.fp32.mean.toFixed(4)}, std ${d.fp32.std.toFixed(4)} over ${args.seeds} seeds`);
  console.log(`bf16-mixed: mean ${d.bf16.mean.toFixed(4)}, std ${d.bf16.std.toFixed(4)}`);
  console.log(`paired bf16 − fp32 per seed: ${paired.map((x) => (x >= 0 ? '+' : '') + x.toFixed(4)).join(', ')}`);
  console.log(`wrote ${file} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  console.log(
    `precision guard: |mean diff| ${d.absMeanDiff.toFixed(4)} ${d.acceptable ? '<=' : '>'} fp32 std ` +
      `${d.fp32.std.toFixed(4)}: bf16-mixed ${verdict} as default`,
  );
}

runBench(main);
