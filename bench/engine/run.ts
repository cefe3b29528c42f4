/**
 * Engine benchmark (issue: engine, item 6): the same training steps in medcl and in PyTorch (Debian python3-torch),
 * same threads, interleaved rounds, medians. Not a test: prints images/s, the ratio, and GFLOP/s of the largest
 * convolutions, and writes bench/results/engine.json.
 *
 * (a) U-Net encoder 16-32-64-128-256 (two conv3×3+BN+ReLU per stage, 2×2 max-pool between) + GAP + MLP 256->256->128,
 *     input 1×128×128, batch 16, MSE to a fixed target, one SGD-momentum step.
 * (b) the full U-Net (ConvTranspose 2×2 decoder with skips, 3 classes, cross-entropy), batch 8.
 */
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import {
  F,
  manualSeed,
  nn,
  onDevice,
  optim,
  randint,
  randn,
  resolveDevice,
  synchronize,
  tidy,
  getNumThreads,
} from '../../src/engine/index.js';
import { UNet } from '../../src/models/unet.js';
import { EncoderHead, WIDTHS, type TrainWorkload } from '../workloads.js';
import { PythonSide, machine, median, round, timeSteps, writeResult, runBench } from '../lib.js';

const SIZE = Number(process.env['BENCH_SIZE'] ?? 128);
const ENC_BATCH = 16;
const UNET_BATCH = 8;
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 4);
const STEPS_PER_ROUND = Number(process.env['BENCH_STEPS'] ?? 3);
const WARMUP = 2;
/** BENCH_DEVICE: 'cpu' (default) or 'cuda[:N]' for medcl and the PyTorch child alike (bench/gpu/run.sh) */
const DEVICE = resolveDevice(process.env['BENCH_DEVICE'], { field: 'BENCH_DEVICE' });
const RESULT = DEVICE === 'cpu' ? 'engine' : 'gpu-engine';

interface Workload extends TrainWorkload {
  batch: number;
}

function step(w: Workload): void {
  tidy(() => {
    const out = w.model.forward(w.x);
    const loss = w.loss(out, w.y);
    w.opt.zeroGrad();
    loss.backward();
    w.opt.step();
    loss.item();
  });
}

function convTimes(cin: number, cout: number, hw: number, b: number, steps: number): number[] {
  const conv = new nn.Conv2d(cin, cout, 3, { padding: 1, bias: false }).to({ device: DEVICE });
  const x = randn([b, cin, hw, hw], { device: DEVICE }).requiresGrad_();
  const g = randn([b, cout, hw, hw], { device: DEVICE });
  return timeSteps(steps, () =>
    tidy(() => {
      const out = conv.forward(x);
      out.backward(g);
      x.grad = null;
      conv.weight.grad = null;
      synchronize(DEVICE);
    }),
  );
}

async function main(): Promise<void> {
  manualSeed(0);
  const threads = getNumThreads();
  const here = path.dirname(fileURLToPath(import.meta.url));
  const py = new PythonSide(path.resolve(here, '../../../bench/engine/pytorch_bench.py'));
  const setup = await py.ask<{ torch: string; threads: number }>(
    `setup ${JSON.stringify({ threads, widths: WIDTHS, size: SIZE, encoderBatch: ENC_BATCH, unetBatch: UNET_BATCH, device: DEVICE })}`,
  );
  console.log(`device: ${DEVICE} (medcl and PyTorch ${setup.torch})`);

  // built on the device; every input tensor below is made there (src/engine/device.ts)
  const { enc, unet } = onDevice(DEVICE, () => ({
    enc: new EncoderHead(),
    unet: new UNet({ widths: WIDTHS, numClasses: 3, activation: { kind: 'relu' } }),
  }));
  const workloads: Record<string, Workload> = onDevice(DEVICE, () => ({
    encoder: {
      model: enc,
      opt: new optim.SGD(enc.parameters(), { lr: 0.01, momentum: 0.9 }),
      x: randn([ENC_BATCH, 1, SIZE, SIZE]),
      y: randn([ENC_BATCH, 128]),
      loss: (o, y) => F.mseLoss(o, y),
      batch: ENC_BATCH,
    },
    unet: {
      model: unet,
      opt: new optim.SGD(unet.parameters(), { lr: 0.01, momentum: 0.9 }),
      x: randn([UNET_BATCH, 1, SIZE, SIZE]),
      y: randint(0, 3, [UNET_BATCH, SIZE, SIZE]),
      loss: (o, y) => F.crossEntropy(o, y),
      batch: UNET_BATCH,
    },
  }));

  const results: Record<string, unknown> = {};
  const ratios: Record<string, number> = {};
  for (const name of ['encoder', 'unet'] as const) {
    const w = workloads[name]!;
    timeSteps(WARMUP, () => step(w));
    await py.ask(`run ${name} ${WARMUP}`);
    await py.ask(`run ${name}_cl ${WARMUP}`);
    const medcl: number[] = [];
    const torch: number[] = [];
    const torchCl: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      // rotate which side goes first, so drift on a shared machine hits all alike
      const sides = [
        async () => medcl.push(...timeSteps(STEPS_PER_ROUND, () => step(w))),
        async () => torch.push(...(await py.ask<{ times: number[] }>(`run ${name} ${STEPS_PER_ROUND}`)).times),
        async () => torchCl.push(...(await py.ask<{ times: number[] }>(`run ${name}_cl ${STEPS_PER_ROUND}`)).times),
      ];
      for (let k = 0; k < sides.length; k++) await sides[(r + k) % sides.length]!();
    }
    const ips = w.batch / median(medcl);
    const ipsTorch = w.batch / median(torch);
    const ipsTorchCl = w.batch / median(torchCl);
    ratios[name] = ips / ipsTorch;
    results[name] = {
      batch: w.batch,
      medcl: {
        imagesPerSec: round(ips, 2),
        medianStepSec: round(median(medcl), 4),
        steps: medcl.map((t) => round(t, 4)),
      },
      pytorch: {
        imagesPerSec: round(ipsTorch, 2),
        medianStepSec: round(median(torch), 4),
        steps: torch.map((t) => round(t, 4)),
      },
      pytorchChannelsLast: {
        imagesPerSec: round(ipsTorchCl, 2),
        medianStepSec: round(median(torchCl), 4),
        steps: torchCl.map((t) => round(t, 4)),
      },
      ratio: round(ratios[name]!, 3),
      ratioVsPytorchChannelsLast: round(ips / ipsTorchCl, 3),
    };
    console.log(
      `${name}: medcl ${ips.toFixed(1)} img/s, pytorch ${ipsTorch.toFixed(1)} img/s (channels-last ${ipsTorchCl.toFixed(1)}), ` +
        `ratio ${ratios[name]!.toFixed(2)}x (${(ips / ipsTorchCl).toFixed(2)}x vs channels-last)`,
    );
  }

  // GFLOP/s of the largest convolutions (each 3×3 conv of the second stage conv carries the most FLOPs).
  const convs: Record<string, unknown>[] = [];
  for (const [cin, cout, hw] of [
    [16, 16, SIZE],
    [32, 32, SIZE / 2],
    [128, 256, SIZE / 16],
  ] as const) {
    const b = ENC_BATCH;
    const flops = 3 * 2 * cin * cout * 9 * hw * hw * b; // forward + input-grad + weight-grad
    convTimes(cin, cout, hw, b, 2);
    await py.ask(`conv ${cin} ${cout} ${hw} ${b} 2`);
    const m = median(convTimes(cin, cout, hw, b, 5));
    const p = median((await py.ask<{ times: number[] }>(`conv ${cin} ${cout} ${hw} ${b} 5`)).times);
    convs.push({
      conv: `${cin}->${cout} 3x3 @${hw}x${hw} batch ${b}, forward+backward`,
      gflop: round(flops / 1e9, 3),
      medclGflops: round(flops / m / 1e9, 1),
      pytorchGflops: round(flops / p / 1e9, 1),
    });
    console.log(
      `conv ${cin}->${cout} @${hw}: medcl ${(flops / m / 1e9).toFixed(1)} GFLOP/s, pytorch ${(flops / p / 1e9).toFixed(1)} GFLOP/s`,
    );
  }
  py.close();

  const file = writeResult(RESULT, {
    benchmark: 'engine',
    date: new Date().toISOString(),
    machine: machine(),
    pytorch: setup,
    device: DEVICE,
    config: {
      widths: WIDTHS,
      size: SIZE,
      encoderBatch: ENC_BATCH,
      unetBatch: UNET_BATCH,
      rounds: ROUNDS,
      stepsPerRound: STEPS_PER_ROUND,
      warmup: WARMUP,
    },
    results,
    convolutions: convs,
    target: '>= 1.1x PyTorch images/s on both workloads',
    notes: [
      'ratio = medcl images/s / PyTorch images/s with PyTorch defaults (contiguous NCHW, nn.ConvTranspose2d); medians of interleaved steps after warm-up',
      'medcl lays conv weights and activations out channels-last on CPUs with oneDNN (preferredMemoryFormat); ratioVsPytorchChannelsLast compares with PyTorch given the same layout by hand',
      'medcl sets OMP_WAIT_POLICY=PASSIVE with GOMP_SPINCOUNT=10000 at load (robust on shared machines, no slower on a quiet one); the PyTorch child runs with libgomp defaults',
      'medcl tunes glibc malloc at load (blocks up to 32 MiB stay on the heap, no trimming: no page faults on re-allocated activations); PyTorch runs with glibc defaults',
      "medcl runs the U-Net's 2x2 stride-2 transposed convolution as a 1x1 convolution + pixel shuffle (identical maths, oneDNN instead of libtorch 1.13's im2col slow_conv_transpose2d)",
    ],
  });
  console.log(`wrote ${file}`);
  console.log(`engine vs pytorch: encoder ${ratios['encoder']!.toFixed(2)}x, unet ${ratios['unet']!.toFixed(2)}x`);
}

runBench(main);
