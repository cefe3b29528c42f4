/**
 * PCL pre-training benchmark (not a test): images/s of whole pre-training steps, data pipeline and augmentation
 * included, in medcl and in PyTorch (Debian python3-torch, bench/pretrain/pytorch_pcl.py), at 128² and 256², in fp32
 * and in bf16; same threads, interleaved rounds (the rows' order rotated every round), medians. Writes
 * bench/results/pretrain.json; the last line printed is the summary,
 *   `pretrain vs pytorch: 128px <r>x, 256px <r>x; bf16 vs pytorch bf16 / best: 128px <r>x / <r>x, 256px <r>x / <r>x`
 *
 * Workload (both sides): PCL (Zeng et al., MICCAI 2021; docs/methods.md §2.5), batch 32 slices drawn across volumes,
 * two views each (64 images through the encoder), U-Net encoder 16-32-64-128-256 (conv-BN-LeakyReLU(0.01) ×2 per stage,
 * 2×2 max-pool), GAP, MLP 256→256→128, L2 normalisation, SupCon with the position relation (t = 0.1, tau 0.1), SGD lr
 * 0.1 momentum 0.9 weight decay 1e-5.
 * - medcl: the real method — getSliceMethod('pcl').create on a SliceDataset (preset ct-pcl) built from CT phantoms written
 *   to a temp dir at start; each step is what src/train/pretrain-step.ts does per batch (sampler batch, step seed,
 *   run.step = imageBatch + pclAugment views + projector + positionRelation + supConLoss inside
 *   autocastScope(cfg.precision); backward; SGD step).
 * - PyTorch: the same loop written in torch on the same slices (handed over as a raw float32 file): random slices
 *   across volumes from one in-memory tensor, the same augmentation draws with affine_grid + grid_sample, the
 *   position relation and SupCon in torch, torch.optim.SGD.
 * Neither side runs the learning-rate schedule, logging or checkpoints (per-step costs outside the step itself).
 *
 * Rows, per size (bench/pretrain/rows.ts):
 *   medcl        fp32 (the config's default precision)
 *   pytorch      fp32, PyTorch's defaults (contiguous NCHW)
 *   medclBf16    the same config with `precision: 'bf16-mixed'`, resolved and applied as src/train/pretrain.ts does:
 *                the method's whole step under bf16 autocast (its batch assembly and augmentation included, as in
 *                training), float32 master weights and SGD state, float32 losses
 *   pytorchBf16  forward under `torch.autocast('cpu', dtype=torch.bfloat16)`, otherwise PyTorch's defaults;
 *                augmentation before it in float32, normalisation and SupCon in float32 (as medcl's losses)
 *   pytorchBest  PyTorch's best CPU configuration: bf16 autocast + model and views channels-last, in a second python
 *                process whose glibc allocator has medcl's settings (PythonSide's medclMalloc)
 * Ratios: `ratio` medcl / pytorch (fp32); medclBf16VsPytorchBf16; medclBf16VsPytorchBest (against the faster of
 * pytorchBf16 and pytorchBest); medclBf16VsMedclFp32.
 * Losses: every row's must be finite; on each side the bf16 run's first loss must match the fp32 run's (same weights,
 * same first batch and draws) within BF16_FIRST_LOSS_RTOL (rows.ts says why that tolerance).
 *
 *     npm run bench:pretrain                      # fp32 and bf16 rows, 128² and 256² (the full run)
 *     BENCH_PRECISION=fp32 npm run bench:pretrain  # fp32 rows only (fp32 | bf16 | both; default both), a smoke file
 *     BENCH_SIZES=64 BENCH_ROUNDS=1 BENCH_STEPS=1 BENCH_WARMUP=1 node .build/bench/pretrain/run.js   # smoke
 *     BENCH_BATCH=16 ...                           # smaller batch (default 32, the paper's)
 * Environment: BENCH_PRECISION (both), BENCH_SIZES (128,256), BENCH_ROUNDS (4), BENCH_STEPS (3 per round and row),
 * BENCH_WARMUP (2 steps per row, >= 1), BENCH_BATCH (32), BENCH_DEVICE (cpu). Any of them other than its default
 * (BENCH_DEVICE aside) makes a smoke run: it writes bench/results/pretrain-smoke.json, never pretrain.json.
 * The full run steps 5 rows instead of the fp32 pair's 2: about 2.5x the fp32-only run's time (minutes at 256²).
 */
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getNumThreads, resolveDevice } from '../../src/engine/index.js';
import type { Manifest } from '../../src/io/manifest.js';
import { buildSliceDataset } from '../../src/data/slice-dataset.js';
import { PythonSide, machine, median, round, writeResult, runBench } from '../lib.js';
import {
  BENCH_DATA,
  BF16_NOTES,
  benchData,
  checkFirstLoss,
  finite,
  medclRow,
  medclSide,
  NOTES,
  stats,
  torchRow,
  torchSetup,
  type Row,
  type TorchMode,
} from './rows.js';

const WIDTHS = [16, 32, 64, 128, 256];
const DEFAULT_SIZES = [128, 256];
const SIZES = (process.env['BENCH_SIZES'] ?? DEFAULT_SIZES.join(',')).split(',').map(Number);
const BATCH = Number(process.env['BENCH_BATCH'] ?? 32);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 4);
const STEPS_PER_ROUND = Number(process.env['BENCH_STEPS'] ?? 3);
const WARMUP = Number(process.env['BENCH_WARMUP'] ?? 2);
/** BENCH_PRECISION: 'fp32', 'bf16' or 'both' (default): which rows run */
const PRECISION = process.env['BENCH_PRECISION'] ?? 'both';
const FP32 = PRECISION !== 'bf16';
const BF16 = PRECISION !== 'fp32';
/** a run with any setting other than the defaults writes pretrain-smoke.json, so pretrain.json is always a full run */
const SMOKE =
  SIZES.join(',') !== DEFAULT_SIZES.join(',') ||
  BATCH !== 32 ||
  ROUNDS !== 4 ||
  STEPS_PER_ROUND !== 3 ||
  WARMUP !== 2 ||
  PRECISION !== 'both';
/** BENCH_DEVICE: 'cpu' (default) or 'cuda[:N]' for medcl and the PyTorch child alike (bench/gpu/run.sh) */
const DEVICE = resolveDevice(process.env['BENCH_DEVICE'], { field: 'BENCH_DEVICE' });

function checkOptions(): void {
  const int = (x: number, min: number) => Number.isInteger(x) && x >= min;
  if (!(int(ROUNDS, 1) && int(STEPS_PER_ROUND, 1) && int(WARMUP, 1) && int(BATCH, 2)))
    throw new Error('BENCH_ROUNDS, BENCH_STEPS, BENCH_WARMUP must be integers >= 1 and BENCH_BATCH >= 2');
  if (!SIZES.every((s) => int(s, 16)))
    throw new Error(`BENCH_SIZES must be comma-separated sizes >= 16, got "${process.env['BENCH_SIZES']}"`);
  if (!['fp32', 'bf16', 'both'].includes(PRECISION))
    throw new Error(`BENCH_PRECISION must be fp32, bf16 or both, got "${PRECISION}"`);
}

interface Sides {
  py: PythonSide;
  /** the second python process (medcl's allocator settings) for pytorchBest; null without bf16 rows */
  pyBest: PythonSide | null;
  manifest: Manifest;
  manifestPath: string;
  tmp: string;
  threads: number;
}

/** the rows' order in round 0 and in the JSON: the fp32 pair first (the file's original rows), then bf16 */
const ROW_ORDER = ['medcl', 'pytorch', 'medclBf16', 'pytorchBf16', 'pytorchBest'];

/** The size's rows (ROW_ORDER); the PyTorch ones set up in their children. */
async function buildRows(
  size: number,
  s: Sides,
): Promise<{ rows: Row[]; slices: number; volumes: number; info: unknown }> {
  const ds = await buildSliceDataset(s.manifest, { preset: 'ct-pcl', size });
  const side = (precision: 'fp32' | 'bf16-mixed') =>
    medclSide(ds, s.manifestPath, path.join(s.tmp, `out${size}-${precision}`), size, {
      widths: WIDTHS,
      batch: BATCH,
      device: DEVICE,
      precision,
    });
  const medcl = [
    ...(FP32 ? [medclRow('medcl', side('fp32'))] : []),
    ...(BF16 ? [medclRow('medclBf16', side('bf16-mixed'))] : []),
  ];
  const rows: Row[] = medcl.map((m) => m.row);
  const cfg = medcl[0]!.cfg; // the resolved config, precision aside the same for both medcl rows
  const dataFile = path.join(s.tmp, `slices${size}.f32`);
  const setup = torchSetup(ds, cfg, { size, dataFile, threads: s.threads, device: DEVICE });
  let info: unknown = null;
  const add = async (label: string, py: PythonSide, mode: TorchMode) => {
    const r = await torchRow(label, py, size, mode, setup);
    rows.push(r.row);
    info ??= r.info;
  };
  if (FP32) await add('pytorch', s.py, 'fp32');
  if (BF16) await add('pytorchBf16', s.py, 'bf16');
  if (BF16) await add('pytorchBest', s.pyBest!, 'bf16cl');
  rmSync(dataFile, { force: true }); // loaded by the children; the 256² file is tens of MB
  rows.sort((a, b) => ROW_ORDER.indexOf(a.label) - ROW_ORDER.indexOf(b.label));
  return { rows, slices: ds.length, volumes: ds.volumes.length, info };
}

/** warm-up, the first-loss checks, then interleaved rounds with the rows' order rotated every round */
async function timeRows(rows: Row[]): Promise<void> {
  for (const r of rows) r.losses.push(...(await r.run(WARMUP)).losses);
  const by = (label: string) => rows.find((r) => r.label === label);
  if (FP32 && BF16) {
    checkFirstLoss(by('medclBf16')!, by('medcl'), 'medcl');
    checkFirstLoss(by('pytorchBf16')!, by('pytorch'), 'PyTorch');
    checkFirstLoss(by('pytorchBest')!, by('pytorch'), 'PyTorch (channels-last)');
  }
  for (let k = 0; k < ROUNDS; k++) {
    // rotate which row goes first, so drift on a shared machine hits all alike
    for (let j = 0; j < rows.length; j++) {
      const r = rows[(k + j) % rows.length]!;
      const res = await r.run(STEPS_PER_ROUND);
      r.times.push(...res.times);
      r.losses.push(...res.losses);
    }
  }
  for (const r of rows) finite(r.losses, r.label);
}

interface SizeResult {
  result: Record<string, unknown>;
  /** medcl / pytorch fp32; medcl bf16 / pytorch bf16; medcl bf16 / the faster of pytorch bf16 and best */
  fp32?: number;
  bf16?: number;
  best?: number;
  info: unknown;
}

async function runSize(size: number, s: Sides): Promise<SizeResult> {
  const { rows, slices, volumes, info } = await buildRows(size, s);
  await timeRows(rows);
  const images = 2 * BATCH;
  const ips = Object.fromEntries(rows.map((r) => [r.label, images / median(r.times)])) as Record<string, number>;
  const out: SizeResult = { result: { size, slices, volumes, imagesPerStep: images }, info };
  const row = (r: Row) => ({
    ...stats(r.times, images),
    losses: r.losses.map((l) => (l === null ? null : round(l, 4))),
  });
  for (const r of rows) out.result[r.label] = row(r);
  if (FP32) {
    out.fp32 = ips['medcl']! / ips['pytorch']!;
    out.result['ratio'] = round(out.fp32, 3);
    console.log(
      `${size}px: medcl ${ips['medcl']!.toFixed(1)} img/s, pytorch ${ips['pytorch']!.toFixed(1)} img/s, ratio ${out.fp32.toFixed(2)}x`,
    );
  }
  if (BF16) {
    out.bf16 = ips['medclBf16']! / ips['pytorchBf16']!;
    out.best = ips['medclBf16']! / Math.max(ips['pytorchBf16']!, ips['pytorchBest']!);
    out.result['medclBf16VsPytorchBf16'] = round(out.bf16, 3);
    out.result['medclBf16VsPytorchBest'] = round(out.best, 3);
    if (FP32) out.result['medclBf16VsMedclFp32'] = round(ips['medclBf16']! / ips['medcl']!, 3);
    console.log(
      `${size}px bf16: medcl ${ips['medclBf16']!.toFixed(1)} img/s, pytorch bf16 ${ips['pytorchBf16']!.toFixed(1)} ` +
        `img/s, best (channels-last, medcl's malloc settings) ${ips['pytorchBest']!.toFixed(1)} img/s, ` +
        `ratios ${out.bf16.toFixed(2)}x / ${out.best.toFixed(2)}x`,
    );
  }
  return out;
}

/** the last line: fp32 ratio per size; bf16 vs PyTorch bf16 / vs PyTorch's best per size */
function summary(sizes: SizeResult[]): string {
  const parts: string[] = [];
  const px = (i: number) => `${SIZES[i]}px`;
  if (FP32) parts.push(`pretrain vs pytorch: ${sizes.map((r, i) => `${px(i)} ${r.fp32!.toFixed(2)}x`).join(', ')}`);
  if (BF16)
    parts.push(
      `${FP32 ? '' : 'pretrain '}bf16 vs pytorch bf16 / best: ` +
        sizes.map((r, i) => `${px(i)} ${r.bf16!.toFixed(2)}x / ${r.best!.toFixed(2)}x`).join(', '),
    );
  return parts.join('; ');
}

async function main(): Promise<void> {
  checkOptions();
  const here = path.dirname(fileURLToPath(import.meta.url));
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'medcl-bench-pretrain-'));
  const script = path.resolve(here, '../../../bench/pretrain/pytorch_pcl.py');
  const py = new PythonSide(script);
  const pyBest = BF16 ? new PythonSide(script, undefined, { medclMalloc: true }) : null;
  try {
    const { manifest, manifestPath } = await benchData(tmp);
    const sides: Sides = { py, pyBest, manifest, manifestPath, tmp, threads: getNumThreads() };

    const results: Record<string, unknown> = {};
    const perSize: SizeResult[] = [];
    for (const size of SIZES) {
      const r = await runSize(size, sides);
      results[`${size}px`] = r.result;
      perSize.push(r);
    }

    const file = writeResult(`${DEVICE === 'cpu' ? '' : 'gpu-'}pretrain${SMOKE ? '-smoke' : ''}`, {
      benchmark: 'pretrain',
      date: new Date().toISOString(),
      machine: machine(),
      device: DEVICE,
      pytorch: perSize[0]?.info ?? null,
      smoke: SMOKE,
      config: {
        method: 'pcl',
        widths: WIDTHS,
        sizes: SIZES,
        batch: BATCH,
        views: 2,
        rounds: ROUNDS,
        stepsPerRound: STEPS_PER_ROUND,
        warmup: WARMUP,
        precisions: [...(FP32 ? ['fp32'] : []), ...(BF16 ? ['bf16'] : [])],
        data: BENCH_DATA,
        optimizer: 'SGD lr 0.1 momentum 0.9 weight decay 1e-5 (PCL / CL-TCI), no schedule',
        augment:
          'pclAugment: flips x/y p 0.5, affine p 0.67 (rot ±180°, scale 0.7-1.3, shift ±10%), brightness ±0.1 p 0.5, contrast 0.9-1.1 p 0.5',
      },
      results,
      notes: [...NOTES, ...(BF16 ? BF16_NOTES : [])],
    });
    console.log(`wrote ${file}`);
    console.log(summary(perSize));
  } finally {
    py.close();
    pyBest?.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

runBench(main);
