/**
 * The bf16-mixed accuracy guard (issue 7). Not a test: it trains, so it takes minutes.
 *
 * 1. Step-0 losses: the same initial weights, batch and augmentations (same seeds) in fp32 and in bf16-mixed, for
 *    the in-batch multi-positive methods as the pre-training loop runs them (the method's whole step in the
 *    autocast scope), and for the SupCon, NT-Xent and InfoNCE losses computed in float32 outside the scope from the
 *    bf16 forward's embeddings. Guard: relative difference <= 1e-2.
 * 2. The phantom experiment (chest X-ray phantoms: Random / SimCLR / CL-TCI-SimCLR × label budgets × folds) in fp32
 *    and in bf16-mixed (pre-training and fine-tuning) with the same seeds: both Dice tables and the per-cell
 *    differences. Guard: every cell's mean Dice within 0.01 of fp32's. A control run, fp32 again in the contiguous
 *    memory layout (the same maths, float32 rounding in another order), shows how far rounding alone moves the
 *    Dice of this experiment: training amplifies any perturbation, so bf16 cannot be judged below that floor.
 *
 * Usage: node .build/bench/precision/guard.js [--out DIR] [--scale small|demo] [--seed N] [--losses-only] [--no-control]
 *   small (default): 64×64, encoder 8-16-32-64, 3 pre-training and 10 fine-tuning epochs (minutes on 2 cores);
 *   demo: the demo's sizes (encoder 16-32-64-128, 30 pre-training and 40 fine-tuning epochs).
 * Writes DIR/guard.json (the numbers and the verdict) and DIR/{fp32,bf16-mixed,fp32-control}/ (each experiment).
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { manualSeed, noGrad, tidy } from '../../src/engine/index.js';
import { writePhantoms } from '../../src/phantoms/write.js';
import { loadManifest } from '../../src/io/manifest.js';
import { buildSliceDataset, type SliceDataset } from '../../src/data/slice-dataset.js';
import { getSliceMethod } from '../../src/methods/registry.js';
import { Projector, metaOf, stackedViews } from '../../src/methods/common.js';
import type { TensorModule } from '../../src/models/tensor-module.js';
import { batchIds } from '../../src/methods/multi-positive.js';
import { resolvePretrainConfig } from '../../src/methods/resolve-config.js';
import { stepSeed } from '../../src/train/run-state.js';
import { autocastScope, type Precision } from '../../src/engine/precision.js';
import { runExperiment } from '../../src/experiment/experiment.js';
import type { ExperimentInput } from '../../src/experiment/config.js';
import { tableToMarkdown, type ResultsTable } from '../../src/report/table.js';
import { supConLoss } from '../../src/losses/supcon.js';
import { infoNCE, ntXentLoss } from '../../src/losses/infonce.js';
import { expandToViews, samePatientRelation } from '../../src/relations/index.js';
import { Rng } from '../../src/util/rng.js';
import { machine, round, runBench } from '../lib.js';

const DICE_TOLERANCE = 0.01;
const LOSS_RTOL = 1e-2;

interface Args {
  out: string;
  scale: 'small' | 'demo';
  seed: number;
  /** only the step-0 loss comparison (seconds) */
  lossesOnly: boolean;
  /** also the fp32 control run (default on) */
  control: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = {
    out: path.join(os.tmpdir(), 'medcl-precision-guard'),
    scale: 'small',
    seed: 0,
    lossesOnly: false,
    control: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    if (k === '--losses-only') {
      a.lossesOnly = true;
      continue;
    }
    if (k === '--no-control') {
      a.control = false;
      continue;
    }
    const v = argv[i + 1];
    if (v === undefined) throw new Error(`guard: ${k} needs a value`);
    if (k === '--out') a.out = path.resolve(v);
    else if (k === '--scale') {
      if (v !== 'small' && v !== 'demo') throw new Error(`guard: --scale must be small or demo, got "${v}"`);
      a.scale = v;
    } else if (k === '--seed') {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new Error(`guard: --seed must be an integer >= 0, got "${v}"`);
      a.seed = n;
    } else throw new Error(`guard: unknown option ${k} (expected --out, --scale, --seed, --losses-only, --no-control)`);
    i++;
  }
  return a;
}

function relDiff(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);
}

interface LossRow {
  what: string;
  fp32: number;
  bf16: number;
  relDiff: number;
}

/** embeddings dtype of the bf16 forward, for the record */
let bf16EmbeddingDtype = '';

/**
 * Step 0 of a method in one precision, seeded exactly as src/train/pretrain.ts seeds it: the loss the loop sees
 * (whole step in the autocast scope), and the losses computed in float32 outside the scope from the embeddings of
 * the same batch and views.
 */
function stepZero(
  method: string,
  precision: Precision,
  ds: SliceDataset,
  base: Record<string, unknown>,
): { loop: number; float32Losses: Record<string, number> } {
  const cfg = resolvePretrainConfig({ ...base, method, precision } as never);
  manualSeed(cfg.seed);
  const run = getSliceMethod(method).create({ dataset: ds, config: cfg });
  for (const m of Object.values(run.modules)) m.train();
  const batch = run.sampler.epoch(0)[0]!;
  const seed = stepSeed(cfg.seed, 0, batch.index);
  return tidy(() => {
    manualSeed(seed);
    const loop = autocastScope(precision, () => run.step(batch, new Rng(seed))).loss.item();
    // the same views again (same seeds), the forward in the precision, the losses in float32 outside the scope
    manualSeed(seed);
    const ids = batchIds(batch);
    const views = stackedViews(ds, ids, cfg, new Rng(seed));
    const projector = new Projector(run.modules['encoder'] as TensorModule, run.modules['head'] as TensorModule);
    const z0 = autocastScope(precision, () => projector.forward(views));
    if (precision === 'bf16-mixed') bf16EmbeddingDtype = z0.dtype;
    const z = z0.float();
    const n = ids.length;
    const q = z.narrow(0, 0, n);
    const k = z.narrow(0, n, n);
    // a full MoCo queue stand-in: keys of other images (un-augmented) from the same network in the same precision
    const others = Array.from({ length: Math.min(64, ds.length) }, (_, i) => i);
    const queue = noGrad(() => autocastScope(precision, () => projector.forward(ds.imageBatch(others)))).float();
    const tau = cfg.tau;
    const positives = expandToViews(samePatientRelation(metaOf(ds, ids)));
    return {
      loop,
      float32Losses: {
        'SupCon, same-patient relation': supConLoss(z, positives, { tau }).loss.item(),
        'NT-Xent (SimCLR InfoNCE)': ntXentLoss(z, { tau }).item(),
        'InfoNCE, 64-key queue (MoCo)': infoNCE(q, k, queue, { tau }).item(),
        'InfoNCE, 64-key queue, tau 0.2 (DrasCLR)': infoNCE(q, k, queue, { tau: 0.2 }).item(),
      },
    };
  });
}

function experimentInput(args: Args, manifest: string, precision: Precision, out: string): ExperimentInput {
  const small = args.scale === 'small';
  const encoder = small ? { widths: [8, 16, 32, 64] } : { widths: [16, 32, 64, 128] };
  return {
    name: `precision guard (${precision})`,
    data: manifest,
    out,
    preset: 'xray',
    size: 64,
    methods: ['random', 'simclr', 'cltci-simclr'],
    budgets: [2, 'all'],
    folds: 3,
    seed: args.seed,
    overlays: 0,
    tsne: false,
    cacheDir: path.join(args.out, 'cache'),
    pretrain: {
      epochs: small ? 3 : 30,
      batchSize: small ? 8 : 16,
      lr: 0.1,
      warmupEpochs: small ? 1 : 3,
      encoder,
      imagesPerPatient: small ? 2 : 4,
      precision,
    },
    finetune: {
      epochs: small ? 10 : 40,
      batchSize: small ? 4 : 10,
      lr: 1e-3,
      loss: 'dice-ce',
      encoder,
      evaluateEvery: small ? 1 : 5,
      hausdorff: false,
      precision,
    },
  } as ExperimentInput;
}

interface CellDiff {
  method: string;
  M: string;
  fp32: number;
  bf16: number;
  diff: number;
}

function cellDiffs(a: ResultsTable, b: ResultsTable): CellDiff[] {
  const out: CellDiff[] = [];
  for (const ra of a.rows) {
    const rb = b.rows.find((r) => r.method === ra.method);
    ra.cells.forEach((ca, j) => {
      const cb = rb?.cells[j];
      if (!ca || !cb) return;
      out.push({ method: ra.method, M: String(a.budgets[j]), fp32: ca.mean, bf16: cb.mean, diff: cb.mean - ca.mean });
    });
  }
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const t0 = performance.now();
  mkdirSync(args.out, { recursive: true });
  // the demo scale uses the demo's phantom set (20 patients), the small scale the test-sized one
  const sizes = args.scale === 'small' ? 'small' : 'default';
  const dataDir = path.join(args.out, `data-${sizes}`);
  const manifestFile = path.join(dataDir, 'xray', 'manifest.json');
  if (!existsSync(manifestFile)) {
    console.log(`writing the ${sizes} chest X-ray phantoms to ${dataDir}`);
    await writePhantoms({ out: dataDir, seed: args.seed, kinds: ['xray'], sizes });
  }

  // 1. step-0 losses
  const ds = await buildSliceDataset(await loadManifest(manifestFile), {
    preset: 'xray',
    size: 64,
    cacheDir: path.join(args.out, 'cache'),
  });
  const base = {
    data: manifestFile,
    out: path.join(args.out, 'unused'),
    preset: 'xray',
    size: 64,
    batchSize: 8,
    imagesPerPatient: 2,
    seed: args.seed,
    encoder: { widths: args.scale === 'small' ? [8, 16, 32, 64] : [16, 32, 64, 128] },
  };
  const lossRows: LossRow[] = [];
  for (const method of ['simclr', 'cltci-simclr']) {
    const f = stepZero(method, 'fp32', ds, base);
    const b = stepZero(method, 'bf16-mixed', ds, base);
    lossRows.push({ what: `${method} step 0, as the loop computes it`, fp32: f.loop, bf16: b.loop, relDiff: 0 });
    for (const [name, v] of Object.entries(f.float32Losses)) {
      lossRows.push({
        what: `${method} batch, ${name}, loss in float32`,
        fp32: v,
        bf16: b.float32Losses[name]!,
        relDiff: 0,
      });
    }
  }
  for (const r of lossRows) r.relDiff = relDiff(r.bf16, r.fp32);
  console.log(`\nstep-0 losses, fp32 vs bf16-mixed (bf16 embeddings: ${bf16EmbeddingDtype}):`);
  console.log('| loss | fp32 | bf16-mixed | relative difference |\n| --- | --- | --- | --- |');
  for (const r of lossRows)
    console.log(`| ${r.what} | ${r.fp32.toFixed(6)} | ${r.bf16.toFixed(6)} | ${r.relDiff.toExponential(2)} |`);
  const lossWorst = Math.max(...lossRows.map((r) => r.relDiff));

  if (args.lossesOnly) {
    console.log(
      `\nstep-0 loss max relative difference ${lossWorst.toExponential(2)} (<= ${LOSS_RTOL}: ${lossWorst <= LOSS_RTOL})`,
    );
    return;
  }

  // 2. the phantom experiment in both precisions, and a control: fp32 again with the contiguous memory layout, i.e.
  // the same maths with float32 rounding in another summation order. Its differences to the fp32 run are the
  // experiment's sensitivity to rounding alone (training amplifies any perturbation), the floor under bf16's.
  const variants: { name: string; precision: Precision; env?: Record<string, string> }[] = [
    { name: 'fp32', precision: 'fp32' },
    { name: 'bf16-mixed', precision: 'bf16-mixed' },
    ...(args.control
      ? [{ name: 'fp32-control', precision: 'fp32' as const, env: { MEDCL_MEMORY_FORMAT: 'contiguous' } }]
      : []),
  ];
  const tables: Record<string, ResultsTable> = {};
  const seconds: Record<string, number> = {};
  for (const v of variants) {
    const out = path.join(args.out, v.name);
    rmSync(out, { recursive: true, force: true }); // never reuse cells of an earlier run
    const saved = Object.fromEntries(Object.keys(v.env ?? {}).map((k) => [k, process.env[k]]));
    Object.assign(process.env, v.env ?? {});
    const s0 = performance.now();
    console.log(`\nphantom experiment, ${v.name} (${args.scale})`);
    try {
      const r = await runExperiment(experimentInput(args, manifestFile, v.precision, out), {
        progress: 'quiet',
        log: () => undefined,
      });
      tables[v.name] = r.table;
      console.log(tableToMarkdown(r.table));
    } finally {
      for (const [k, old] of Object.entries(saved)) {
        if (old === undefined) delete process.env[k];
        else process.env[k] = old;
      }
    }
    seconds[v.name] = (performance.now() - s0) / 1000;
    console.log(`(${seconds[v.name]!.toFixed(0)} s)`);
  }
  const diffs = cellDiffs(tables['fp32']!, tables['bf16-mixed']!);
  console.log('\nmean test Dice, bf16-mixed − fp32, per cell:');
  for (const d of diffs)
    console.log(
      `  ${d.method}, M=${d.M}: ${d.fp32.toFixed(4)} -> ${d.bf16.toFixed(4)} (${d.diff >= 0 ? '+' : ''}${d.diff.toFixed(4)})`,
    );
  const controlDiffs = tables['fp32-control'] ? cellDiffs(tables['fp32']!, tables['fp32-control']) : [];
  if (controlDiffs.length) {
    console.log('control: mean test Dice, fp32 contiguous layout − fp32 channels-last (rounding only), per cell:');
    for (const d of controlDiffs)
      console.log(
        `  ${d.method}, M=${d.M}: ${d.fp32.toFixed(4)} -> ${d.bf16.toFixed(4)} (${d.diff >= 0 ? '+' : ''}${d.diff.toFixed(4)})`,
      );
  }
  const diceWorst = Math.max(...diffs.map((d) => Math.abs(d.diff)));
  const lossOk = lossWorst <= LOSS_RTOL;
  const diceOk = diceWorst <= DICE_TOLERANCE;
  const controlWorst = controlDiffs.length ? Math.max(...controlDiffs.map((d) => Math.abs(d.diff))) : null;
  const verdict = lossOk && diceOk ? 'holds' : 'fails';
  const file = path.join(args.out, 'guard.json');
  writeFileSync(
    file,
    JSON.stringify(
      {
        guard: 'bf16-mixed accuracy (issue 7)',
        date: new Date().toISOString(),
        machine: machine(),
        scale: args.scale,
        seed: args.seed,
        bf16EmbeddingDtype,
        step0Losses: lossRows.map((r) => ({ ...r, relDiff: round(r.relDiff, 6) })),
        dice: {
          fp32: tables['fp32'],
          bf16Mixed: tables['bf16-mixed'],
          diffs,
          fp32Control: tables['fp32-control'] ?? null,
          controlDiffs,
        },
        seconds,
        criteria: { lossRelDiff: LOSS_RTOL, diceAbsDiff: DICE_TOLERANCE },
        worst: { lossRelDiff: lossWorst, diceAbsDiff: diceWorst, controlDiceAbsDiff: controlWorst },
        verdict,
      },
      null,
      2,
    ) + '\n',
  );
  console.log(`\nwrote ${file} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  console.log(
    `guard ${verdict}: step-0 loss max relative difference ${lossWorst.toExponential(2)} (<= ${LOSS_RTOL}: ${lossOk}), ` +
      `Dice max |difference| ${diceWorst.toFixed(4)} (<= ${DICE_TOLERANCE}: ${diceOk})` +
      (controlWorst !== null ? `; fp32 control (rounding only) max |difference| ${controlWorst.toFixed(4)}` : ''),
  );
}

runBench(main);
