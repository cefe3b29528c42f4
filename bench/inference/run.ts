/**
 * Inference benchmark (issue 13, item 3): one U-Net with one set of weights segments one CT volume in three
 * engines in the same run: medcl-libtorch (medcl's forward, as `medcl predict --engine libtorch`), medcl-ONNX
 * Runtime (the exported model in onnxruntime-node, as `--engine onnx`) and PyTorch (Debian python3-torch, the same
 * network built with medcl's module names and loaded from medcl's safetensors file): fp32 contiguous, fp32
 * channels-last, and channels-last with bfloat16 autocast, all under torch.inference_mode, with medcl's OpenMP wait
 * policy, and fp32 also as installed (libgomp's spinning defaults). Same threads, interleaved
 * rounds (the side that goes first rotates), medians. One pass = every slice of the volume in batches of 8:
 * forward + argmax. Not a test: prints seconds per volume and the ratios, writes bench/results/inference.json.
 *
 * The last line compares with PyTorch's faster fp32 configuration (bfloat16 changes the numbers; it is reported on
 * the line before): `inference vs pytorch: libtorch <r>x, onnx <r>x` (r = PyTorch's time / the engine's time).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { getNumThreads, manualSeed, noGrad, saveSafetensors, tensor, tidy } from '../../src/engine/index.js';
import { exportOnnx } from '../../src/export/export-model.js';
import { OnnxSegmenter } from '../../src/export/onnx-runtime.js';
import { preprocessForPreset } from '../../src/data/preset-preprocess.js';
import { createModel } from '../../src/models/registry.js';
import type { UNet } from '../../src/models/unet.js';
import { ctSubject } from '../../src/phantoms/ct.js';
import { PythonSide, machine, median, round, writeResult, runBench } from '../lib.js';

const WIDTHS = [16, 32, 64, 128, 256];
const CLASSES = 3;
const SIZE = Number(process.env['BENCH_SIZE'] ?? 128);
const SLICES = Number(process.env['BENCH_SLICES'] ?? 32);
const BATCH = 8;
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
/** PyTorch configurations: [process, config of pytorch_inference.py]; 'omp' runs with medcl's OpenMP wait policy */
const TORCH_SIDES = {
  pytorch_fp32: ['default', 'fp32'],
  pytorch_omp_fp32: ['omp', 'fp32'],
  pytorch_omp_fp32_cl: ['omp', 'fp32_cl'],
  pytorch_omp_bf16_cl: ['omp', 'bf16_cl'],
} as const;
type TorchSide = keyof typeof TORCH_SIDES;
type Side = 'libtorch' | 'onnx' | TorchSide;
const FP32_SIDES: TorchSide[] = ['pytorch_fp32', 'pytorch_omp_fp32', 'pytorch_omp_fp32_cl'];

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

type Runners = Record<Side, () => Promise<number[]>>;

interface Workload {
  model: UNet;
  seg: OnnxSegmenter;
  pys: { default: PythonSide; omp: PythonSide };
  batches: { b: number; x: Float32Array }[];
  tmp: string;
  setup: { torch: string; threads: number };
}

/** the model, the volume (a CT phantom through the ct-polycl preset), the ONNX session and the PyTorch processes */
async function prepare(threads: number): Promise<Workload> {
  manualSeed(0);
  const tmp = mkdtempSync(path.join(tmpdir(), 'medcl-bench-inference-'));
  const model = createModel('unet', { widths: WIDTHS, numClasses: CLASSES }).eval();
  const meta = { model: 'unet' as const, options: {}, numClasses: CLASSES, preset: 'ct-polycl' as const, size: SIZE };
  const ct = ctSubject({ seed: 1, shape: [SLICES, SIZE, SIZE] }, 0).image;
  const vol = Float32Array.from(preprocessForPreset(ct, meta).data);
  const weights = path.join(tmp, 'model.safetensors');
  saveSafetensors(weights, model.stateDict());
  writeFileSync(path.join(tmp, 'volume.f32'), vol);
  const here = path.dirname(fileURLToPath(import.meta.url));
  const script = path.resolve(here, '../../../bench/inference/pytorch_inference.py');
  const pys = { default: new PythonSide(script), omp: new PythonSide(script, undefined, { medclOpenMp: true }) };
  const cfg = {
    weights,
    volume: path.join(tmp, 'volume.f32'),
    widths: WIDTHS,
    classes: CLASSES,
    size: SIZE,
    batch: BATCH,
    threads,
  };
  const setup = await pys.default.ask<{ torch: string; threads: number }>(`setup ${JSON.stringify(cfg)}`);
  await pys.omp.ask(`setup ${JSON.stringify(cfg)}`);
  const seg = await OnnxSegmenter.create(exportOnnx(model, { meta }).bytes, { threads });
  const n = SIZE * SIZE;
  const batches = Array.from({ length: Math.ceil(SLICES / BATCH) }, (_, i) => {
    const b = Math.min(BATCH, SLICES - i * BATCH);
    return { b, x: vol.subarray(i * BATCH * n, (i * BATCH + b) * n) };
  });
  return { model, seg, pys, batches, tmp, setup };
}

async function timed(f: () => unknown): Promise<number> {
  const t0 = performance.now();
  await f();
  return (performance.now() - t0) / 1000;
}

/** one volume pass per side: seconds */
function makeRunners(w: Workload): Runners {
  const torchPass = (): void => {
    for (const { b, x } of w.batches) {
      noGrad(() =>
        tidy(() =>
          w.model
            .forward(tensor(x, { shape: [b, 1, SIZE, SIZE] }))
            .argmax(1)
            .to({ dtype: 'uint8' })
            .data(),
        ),
      );
    }
  };
  const onnxPass = async (): Promise<void> => {
    for (const { b, x } of w.batches) await w.seg.labels(x, b);
  };
  const runners = {
    libtorch: async () => [await timed(torchPass)],
    onnx: async () => [await timed(onnxPass)],
  } as Runners;
  for (const [side, [proc, config]] of Object.entries(TORCH_SIDES)) {
    runners[side as TorchSide] = async () => (await w.pys[proc].ask<{ times: number[] }>(`run ${config} 1`)).times;
  }
  return runners;
}

/** the same numbers: max abs difference of the first batch's logits in every engine from medcl-libtorch's */
async function agreement(w: Workload): Promise<Record<string, number>> {
  const first = w.batches[0]!;
  const ref = noGrad(() =>
    tidy(() => w.model.forward(tensor(first.x, { shape: [first.b, 1, SIZE, SIZE] })).toFloat32Array()),
  );
  const out: Record<string, number> = { onnx: maxAbsDiff(await w.seg.logits(first.x, first.b), ref) };
  for (const c of ['fp32', 'fp32_cl', 'bf16_cl']) {
    const file = path.join(w.tmp, `${c}.f32`);
    await w.pys.default.ask(`logits ${c} ${file}`);
    out[`pytorch_${c}`] = maxAbsDiff(new Float32Array(readFileSync(file).buffer.slice(0)), ref);
  }
  return out;
}

/** a warm-up pass each, then ROUNDS interleaved rounds (the side that goes first rotates) */
async function timeRounds(runners: Runners): Promise<Record<Side, number[]>> {
  const sides = Object.keys(runners) as Side[];
  for (const s of sides) await runners[s]();
  const times = Object.fromEntries(sides.map((s) => [s, [] as number[]])) as Record<Side, number[]>;
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < sides.length; k++) {
      const s = sides[(r + k) % sides.length]!;
      times[s].push(...(await runners[s]()));
    }
    console.log(`round ${r + 1}/${ROUNDS}: ${sides.map((s) => `${s} ${times[s].at(-1)!.toFixed(2)} s`).join(', ')}`);
  }
  return times;
}

function ratios(med: Record<Side, number>, base: number): { libtorch: number; onnx: number } {
  return { libtorch: base / med.libtorch, onnx: base / med.onnx };
}

async function main(): Promise<void> {
  const threads = getNumThreads();
  const w = await prepare(threads);
  const agree = await agreement(w);
  const diffs = Object.entries(agree).map(([k, v]) => `${k} ${v.toExponential(2)}`);
  console.log(`max abs logit difference vs medcl-libtorch: ${diffs.join(', ')}`);
  const times = await timeRounds(makeRunners(w));
  w.pys.default.close();
  w.pys.omp.close();
  await w.seg.release();
  rmSync(w.tmp, { recursive: true, force: true });

  const sides = Object.keys(times) as Side[];
  const med = Object.fromEntries(sides.map((s) => [s, median(times[s])])) as Record<Side, number>;
  for (const s of sides)
    console.log(`${s}: ${med[s].toFixed(3)} s per volume (${(SLICES / med[s]).toFixed(1)} slices/s)`);
  const bestFp32 = FP32_SIDES.reduce((a, b) => (med[b] < med[a] ? b : a));
  const vsBest = ratios(med, med[bestFp32]);
  const vsBf16 = ratios(med, med.pytorch_omp_bf16_cl);
  const r3 = (r: { libtorch: number; onnx: number }) => ({ libtorch: round(r.libtorch, 3), onnx: round(r.onnx, 3) });
  const file = writeResult('inference', {
    benchmark: 'inference',
    date: new Date().toISOString(),
    machine: machine(),
    pytorch: w.setup,
    onnxruntime: (await import('onnxruntime-node')).env.versions,
    config: {
      model: 'unet',
      widths: WIDTHS,
      classes: CLASSES,
      norm: 'batch',
      activation: 'leakyRelu 0.01',
      upsample: 'transposed',
      memoryFormat: w.model.encoder.memoryFormat,
      size: SIZE,
      slices: SLICES,
      batch: BATCH,
      rounds: ROUNDS,
      threads,
    },
    maxAbsLogitDifferenceVsLibtorch: Object.fromEntries(
      Object.entries(agree).map(([k, v]) => [k, Number(v.toExponential(3))]),
    ),
    results: Object.fromEntries(
      sides.map((s) => [
        s,
        {
          medianSec: round(med[s], 3),
          slicesPerSec: round(SLICES / med[s], 2),
          passes: times[s].map((t) => round(t, 3)),
        },
      ]),
    ),
    pytorchBestFp32: bestFp32,
    loadAverageAtEnd: os.loadavg().map((l) => round(l, 2)),
    ratios: {
      vsPytorchBestFp32: r3(vsBest),
      vsPytorchDefaults: r3(ratios(med, med.pytorch_fp32)),
      vsPytorchBestBf16: r3(vsBf16),
    },
    target: 'ONNX path >= 2x PyTorch on CPU',
    notes: NOTES,
  });
  console.log(`wrote ${file}`);
  console.log(
    `inference vs pytorch bf16 channels-last: libtorch ${vsBf16.libtorch.toFixed(2)}x, onnx ${vsBf16.onnx.toFixed(2)}x`,
  );
  console.log(`inference vs pytorch: libtorch ${vsBest.libtorch.toFixed(2)}x, onnx ${vsBest.onnx.toFixed(2)}x`);
}

const NOTES = [
  'one pass = all slices of the preprocessed volume (ct-polycl preset) in batches of 8: forward + argmax to uint8 labels; preprocessing excluded (the same code for both medcl engines)',
  'ratio = PyTorch median seconds / engine median seconds (> 1: the engine is faster); interleaved rounds after one warm-up pass each',
  'medcl-libtorch: the U-Net in eval mode under noGrad, its memory format as medcl chooses it (config.memoryFormat); ONNX Runtime: CPU provider, graph optimisation "all", sequential, intra-op threads = medcl threads',
  'PyTorch: torch.inference_mode, eval mode; bf16_cl runs convolutions in bfloat16 (different numbers: see maxAbsLogitDifferenceVsLibtorch) and is not the fp32 comparison of the last line',
  'pytorch_fp32: PyTorch as installed (libgomp defaults: spinning OpenMP threads); pytorch_omp_*: with the OpenMP wait policy medcl sets for itself (OMP_WAIT_POLICY=PASSIVE, GOMP_SPINCOUNT=10000), which matters on a loaded machine; the last line uses the fastest fp32 PyTorch side (pytorchBestFp32)',
  'ONNX Runtime threads do not spin (allow_spinning 0, as medcl sets it by default)',
];

runBench(main);
