/**
 * Precision benchmark (issue 7): the engine benchmark's two workloads (bench/engine/run.ts) as training steps in
 *   medcl fp32, medcl bf16-mixed (src/engine/precision.ts's autocastScope: forward and loss under bf16 autocast,
 *   float32 master weights and optimiser state, backward outside the scope),
 *   PyTorch fp32 and PyTorch bf16 autocast (`torch.autocast('cpu', dtype=torch.bfloat16)`), PyTorch defaults
 *   (contiguous NCHW), plus PyTorch bf16 with the models in channels-last as a second reference,
 * same process tree, same threads, interleaved rounds (the order rotates every round), medians.
 * Not a test: prints images/s and ratios, writes bench/results/precision.json, and ends with the line
 *   `bf16 vs pytorch fp32: encoder <r>x, unet <r>x; vs pytorch bf16: encoder <r>x, unet <r>x; vs pytorch's best: ...`
 * (best: the faster of PyTorch bf16 channels-last with glibc's default allocator and with medcl's allocator settings).
 *
 * medcl lays its conv nets out channels-last on oneDNN CPUs (preferredMemoryFormat); the benchmark checks that the
 * bf16 forward keeps that layout (oneDNN's fast bf16 path) and records it.
 * Environment: BENCH_SIZE (128), BENCH_ROUNDS (4), BENCH_STEPS (3 per round and variant), BENCH_WARMUP (2).
 */
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { getNumThreads, manualSeed, tidy } from '../../src/engine/index.js';
import { autocastScope } from '../../src/engine/precision.js';
import { WIDTHS, type EncoderHead } from '../workloads.js';
import { ENC_BATCH, SIZE, UNET_BATCH, build, step, type Kind, type Workload } from './step.js';
import { PythonSide, machine, median, round, timeSteps, writeResult, runBench } from '../lib.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 4);
const STEPS_PER_ROUND = Number(process.env['BENCH_STEPS'] ?? 3);
const WARMUP = Number(process.env['BENCH_WARMUP'] ?? 2);

/** dtype and layout of the model's output under its precision (the U-Net's logits, the encoder's bottleneck) */
function outputInfo(kind: Kind, w: Workload): { dtype: string; channelsLast: boolean } {
  return tidy(() =>
    autocastScope(w.precision, () => {
      const out = kind === 'unet' ? w.model.forward(w.x) : (w.model as EncoderHead).encoder.forward(w.x);
      return { dtype: out.dtype, channelsLast: out.isContiguous('channelsLast') };
    }),
  );
}

interface Series {
  label: string;
  run: (n: number) => Promise<number[]>;
  times: number[];
}

async function main(): Promise<void> {
  manualSeed(0);
  const threads = getNumThreads();
  const here = path.dirname(fileURLToPath(import.meta.url));
  const script = path.resolve(here, '../../../bench/precision/pytorch_precision.py');
  const py = new PythonSide(script);
  // PyTorch's best CPU configuration: bf16 autocast + channels-last, with the allocator settings medcl makes for itself
  const pyTuned = new PythonSide(script, undefined, { medclMalloc: true });
  const setupJson = JSON.stringify({
    threads,
    widths: WIDTHS,
    size: SIZE,
    encoderBatch: ENC_BATCH,
    unetBatch: UNET_BATCH,
  });
  await pyTuned.ask(`setup ${setupJson}`);
  const setup = await py.ask<{ torch: string; threads: number; unetBf16OutputDtype: string }>(`setup ${setupJson}`);

  const results: Record<string, unknown> = {};
  const vsTorch32: Record<string, number> = {};
  const vsTorch16: Record<string, number> = {};
  const vsBest: Record<string, number> = {};
  const layouts: Record<string, unknown> = {};
  for (const kind of ['encoder', 'unet'] as const) {
    const batch = kind === 'encoder' ? ENC_BATCH : UNET_BATCH;
    const m32 = build(kind, 'fp32');
    const m16 = build(kind, 'bf16-mixed');
    const info = { fp32: outputInfo(kind, m32), bf16: outputInfo(kind, m16) };
    layouts[kind] = info;
    if (info.bf16.dtype !== 'bfloat16' || !info.bf16.channelsLast) {
      console.warn(
        `warning: medcl ${kind} under bf16-mixed gives ${info.bf16.dtype}, ` +
          `${info.bf16.channelsLast ? 'channels-last' : 'not channels-last'} (expected bfloat16, channels-last)`,
      );
    }
    const torchSide =
      (mode: string, side = py) =>
      async (n: number) =>
        (await side.ask<{ times: number[] }>(`run ${kind}_${mode} ${n}`)).times;
    const series: Series[] = [
      { label: 'medclFp32', run: async (n) => timeSteps(n, () => step(m32)), times: [] },
      { label: 'medclBf16', run: async (n) => timeSteps(n, () => step(m16)), times: [] },
      { label: 'pytorchFp32', run: torchSide('fp32'), times: [] },
      { label: 'pytorchBf16', run: torchSide('bf16'), times: [] },
      { label: 'pytorchBf16ChannelsLast', run: torchSide('bf16cl'), times: [] },
      { label: 'pytorchBest', run: torchSide('bf16cl', pyTuned), times: [] },
    ];
    for (const s of series) await s.run(WARMUP);
    for (let r = 0; r < ROUNDS; r++) {
      // rotate which side goes first, so drift on a shared machine hits all alike
      for (let k = 0; k < series.length; k++) {
        const s = series[(r + k) % series.length]!;
        s.times.push(...(await s.run(STEPS_PER_ROUND)));
      }
    }
    const ips = Object.fromEntries(series.map((s) => [s.label, batch / median(s.times)])) as Record<string, number>;
    vsTorch32[kind] = ips['medclBf16']! / ips['pytorchFp32']!;
    vsTorch16[kind] = ips['medclBf16']! / ips['pytorchBf16']!;
    vsBest[kind] = ips['medclBf16']! / Math.max(ips['pytorchBf16ChannelsLast']!, ips['pytorchBest']!);
    results[kind] = {
      batch,
      ...Object.fromEntries(
        series.map((s) => [
          s.label,
          {
            imagesPerSec: round(ips[s.label]!, 2),
            medianStepSec: round(median(s.times), 4),
            steps: s.times.map((t) => round(t, 4)),
          },
        ]),
      ),
      ratios: {
        medclBf16VsPytorchFp32: round(vsTorch32[kind]!, 3),
        medclBf16VsPytorchBf16: round(vsTorch16[kind]!, 3),
        medclBf16VsPytorchBf16ChannelsLast: round(ips['medclBf16']! / ips['pytorchBf16ChannelsLast']!, 3),
        medclBf16VsPytorchBest: round(vsBest[kind]!, 3),
        medclFp32VsPytorchFp32: round(ips['medclFp32']! / ips['pytorchFp32']!, 3),
        medclBf16VsMedclFp32: round(ips['medclBf16']! / ips['medclFp32']!, 3),
        pytorchBf16VsPytorchFp32: round(ips['pytorchBf16']! / ips['pytorchFp32']!, 3),
      },
    };
    console.log(
      `${kind}: medcl fp32 ${ips['medclFp32']!.toFixed(1)}, bf16 ${ips['medclBf16']!.toFixed(1)} img/s; ` +
        `pytorch fp32 ${ips['pytorchFp32']!.toFixed(1)}, bf16 ${ips['pytorchBf16']!.toFixed(1)} ` +
        `(channels-last ${ips['pytorchBf16ChannelsLast']!.toFixed(1)}, + medcl's malloc settings ` +
        `${ips['pytorchBest']!.toFixed(1)}) img/s`,
    );
    for (const t of [m32.x, m32.y, m16.x, m16.y]) t.dispose();
  }
  py.close();
  pyTuned.close();

  const file = writeResult('precision', {
    benchmark: 'precision',
    date: new Date().toISOString(),
    machine: machine(),
    pytorch: setup,
    config: {
      widths: WIDTHS,
      size: SIZE,
      encoderBatch: ENC_BATCH,
      unetBatch: UNET_BATCH,
      rounds: ROUNDS,
      stepsPerRound: STEPS_PER_ROUND,
      warmup: WARMUP,
    },
    medclOutputs: layouts,
    results,
    target: '>= 2x PyTorch fp32 and >= 1.1x PyTorch bf16 autocast images/s on both workloads (medcl bf16-mixed)',
    notes: [
      'images/s from the median step time of interleaved rounds after warm-up; one step = forward + loss (under autocast for bf16) + backward + SGD-momentum step',
      'PyTorch runs with its defaults (contiguous NCHW); pytorchBf16ChannelsLast gives it channels-last by hand (a second reference)',
      "pytorchBest: bf16 autocast + channels-last in a second python process whose glibc allocator has medcl's settings (MALLOC_MMAP_THRESHOLD_ 256 MiB, MALLOC_TRIM_THRESHOLD_ 1 GiB, MALLOC_TOP_PAD_ 64 MiB; native/addon.cc sets the same with mallopt): with glibc's defaults PyTorch re-maps and page-faults its large activation buffers every step, which made its timings vary by up to 1.6x between runs",
      "PyTorch 1.13's CPU autocast runs conv_transpose2d in float32 (it is on its fp32 list); medcl runs the U-Net's 2x2 up-convolution as a 1x1 convolution + pixel shuffle, so it is a bf16 convolution",
      'medcl bf16-mixed keeps float32 master weights and optimiser state; batch-norm statistics are float32; the losses (MSE, cross-entropy) run in float32 by autocast',
    ],
  });
  console.log(`wrote ${file}`);
  console.log(
    `bf16 vs pytorch fp32: encoder ${vsTorch32['encoder']!.toFixed(2)}x, unet ${vsTorch32['unet']!.toFixed(2)}x; ` +
      `vs pytorch bf16: encoder ${vsTorch16['encoder']!.toFixed(2)}x, unet ${vsTorch16['unet']!.toFixed(2)}x; ` +
      `vs pytorch's best: encoder ${vsBest['encoder']!.toFixed(2)}x, unet ${vsBest['unet']!.toFixed(2)}x`,
  );
}

runBench(main);
