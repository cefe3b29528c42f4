/**
 * Where medcl's bf16-mixed PCL pre-training step spends its time compared with PyTorch's best CPU configuration (bf16
 * autocast + channels-last, medcl's allocator settings): the pre-training benchmark's rows medclBf16 and pytorchBest
 * (rows.ts, pytorch_pcl.py) on the same slices, profiled for the same steps under libtorch's autograd profiler and
 * compared operator by operator (bench/profile/compare.ts). Not a timing benchmark: bench:pretrain times the rows.
 *
 *   node .build/bench/pretrain/profile.js [--size N] [--steps N] [--top K] [--op NAME]
 *
 * Writes bench/results/pretrain-profile.json.
 */
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { getNumThreads } from '../../src/engine/index.js';
import { buildSliceDataset } from '../../src/data/slice-dataset.js';
import { runBench, withPythonSide } from '../lib.js';
import { profileMedcl, parseProfileArgs, report, type TorchProfile } from '../profile/compare.js';
import { benchData, medclSide, torchSetup } from './rows.js';

async function main(): Promise<void> {
  let size = 128;
  const args = parseProfileArgs(process.argv.slice(2), 'pretrain profile (--size N)', (k, v) => {
    if (k !== '--size' || !/^\d+$/.test(v) || Number(v) < 16) return false;
    size = Number(v);
    return true;
  });
  const here = path.dirname(fileURLToPath(import.meta.url));
  const script = path.resolve(here, '../../../bench/pretrain/pytorch_pcl.py');
  await withPythonSide('medcl-bench-pretrain-profile-', script, { medclMalloc: true }, async (py, tmp) => {
    const { manifest, manifestPath } = await benchData(tmp);
    const ds = await buildSliceDataset(manifest, { preset: 'ct-pcl', size });
    const side = medclSide(ds, manifestPath, path.join(tmp, 'out'), size, {
      widths: [16, 32, 64, 128, 256],
      batch: 32,
      device: 'cpu',
      precision: 'bf16-mixed',
    });
    const threads = getNumThreads();
    const setup = torchSetup(ds, side.cfg, { size, dataFile: path.join(tmp, 'slices.f32'), threads, device: 'cpu' });
    await py.ask(`setup ${JSON.stringify({ ...setup, key: 'best', mode: 'bf16cl' })}`);
    // warm-up on both sides (oneDNN primitive caches, allocator)
    for (let i = 0; i < 3; i++) side.step();
    await py.ask('run best 3');
    const medcl = profileMedcl(() => void side.step(), args.steps);
    const torch = await py.ask<TorchProfile>(`profile best ${args.steps}`);
    report(medcl, torch, {
      name: 'pretrain-profile',
      config: { method: 'pcl', size, batch: 32, views: 2, threads },
      steps: args.steps,
      top: args.top,
      ...(args.op ? { op: args.op } : {}),
      notes: ['medcl bf16-mixed (the PCL step as training runs it) vs PyTorch bf16 autocast + channels-last'],
    });
  });
}

runBench(main);
