/**
 * Where medcl's bf16-mixed training step spends its time compared with PyTorch's best CPU configuration (bf16
 * autocast + channels-last): both sides run the precision benchmark's workload (step.ts / pytorch_precision.py) for
 * the same steps under libtorch's autograd profiler, and the operators are compared by name (bench/profile/compare.ts):
 * calls and self time per step.
 *
 *   node .build/bench/precision/profile.js [--kind encoder|unet] [--steps N] [--top K] [--op NAME]
 *
 * Writes bench/results/precision-profile.json; prints the K operators with the largest self-time difference, and
 * with `--op aten::copy_` that operator's calls split by input shapes.
 */
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { getNumThreads, manualSeed } from '../../src/engine/index.js';
import { PythonSide, runBench } from '../lib.js';
import { WIDTHS } from '../workloads.js';
import { profileMedcl, parseProfileArgs, report, type TorchProfile } from '../profile/compare.js';
import { ENC_BATCH, SIZE, UNET_BATCH, build, step, type Kind } from './step.js';

async function main(): Promise<void> {
  let kind: Kind = 'encoder';
  const args = parseProfileArgs(process.argv.slice(2), 'precision profile (--kind encoder|unet)', (k, v) => {
    if (k !== '--kind' || (v !== 'encoder' && v !== 'unet')) return false;
    kind = v;
    return true;
  });
  manualSeed(0);
  const threads = getNumThreads();
  const here = path.dirname(fileURLToPath(import.meta.url));
  const py = new PythonSide(path.resolve(here, '../../../bench/precision/pytorch_precision.py'));
  await py.ask(
    `setup ${JSON.stringify({ threads, widths: WIDTHS, size: SIZE, encoderBatch: ENC_BATCH, unetBatch: UNET_BATCH })}`,
  );
  const w = build(kind, 'bf16-mixed');
  // warm-up on both sides (oneDNN primitive caches, allocator)
  for (let i = 0; i < 3; i++) step(w);
  await py.ask(`run ${kind}_bf16cl 3`);
  const medcl = profileMedcl(() => step(w), args.steps);
  const torch = await py.ask<TorchProfile>(`profile ${kind}_bf16cl ${args.steps}`);
  py.close();
  report(medcl, torch, {
    name: 'precision-profile',
    config: { kind, size: SIZE, threads },
    steps: args.steps,
    top: args.top,
    ...(args.op ? { op: args.op } : {}),
    notes: ['medcl bf16-mixed vs PyTorch bf16 autocast + channels-last'],
  });
}

runBench(main);
