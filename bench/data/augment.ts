/**
 * Micro benchmark of the batched augmentation (not a test): images/s of a pipeline applied to a batch of
 * 1×size×size float images with int64 labels. Default pipeline: CL-TCI fine-tuning (contrast, brightness,
 * random affine, horizontal flip with left/right label swap), i.e. one affineGrid + gridSample per batch.
 *
 *     node .build/bench/data/augment.js            # sizes 128 and 256, batch 16
 *     BENCH_STEPS=50 node .build/bench/data/augment.js
 */
import { fileURLToPath } from 'node:url';
import { getNumThreads, rand, randint, tidy } from '../../src/engine/index.js';
import { Rng } from '../../src/util/rng.js';
import { clTciAugment } from '../../src/transforms/presets.js';
import { RandomElastic } from '../../src/transforms/elastic.js';
import { Compose } from '../../src/transforms/compose.js';
import type { Transform } from '../../src/transforms/batch.js';
import { median, round } from '../lib.js';

export interface BenchAugmentOptions {
  /** image side in pixels */
  size: number;
  /** images per batch */
  batch: number;
  /** timed steps (after 2 warm-up steps) */
  steps: number;
  /** the pipeline to time (default: CL-TCI fine-tuning) */
  pipeline?: Transform;
  /** 'cpu' (default) or 'cuda' */
  device?: string;
}

/** Returns images/s (the median over steps of batch / step time). */
export function benchAugment(o: BenchAugmentOptions): number {
  if (!(o.size > 1 && o.batch > 0 && o.steps > 0)) throw new Error('benchAugment: size > 1, batch > 0, steps > 0');
  const device = o.device ?? 'cpu';
  const pipeline = o.pipeline ?? clTciAugment({ stage: 'finetune', leftRightPairs: [[1, 2]] });
  const image = rand([o.batch, 1, o.size, o.size], { device });
  const label = randint(0, 3, [o.batch, o.size, o.size], { device });
  const rng = new Rng(0);
  const step = (): void =>
    tidy(() => {
      const out = pipeline.apply({ image, label }, rng);
      // make sure the work is done (on an asynchronous device too)
      out.image.sum().item();
    });
  for (let i = 0; i < 2; i++) step();
  const rates: number[] = [];
  for (let i = 0; i < o.steps; i++) {
    const t0 = process.hrtime.bigint();
    step();
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    rates.push(o.batch / s);
  }
  image.dispose();
  label.dispose();
  return median(rates);
}

function main(): void {
  const steps = Number(process.env['BENCH_STEPS'] ?? 20);
  const batch = 16;
  const results: Record<string, number> = {};
  for (const size of [128, 256]) {
    results[`cltci_finetune_${size}`] = round(benchAugment({ size, batch, steps }), 1);
    const elastic = new Compose([
      clTciAugment({ stage: 'finetune', leftRightPairs: [[1, 2]] }),
      new RandomElastic({ magnitude: [2, 4] }),
    ]);
    results[`cltci_finetune_plus_elastic_${size}`] = round(benchAugment({ size, batch, steps, pipeline: elastic }), 1);
  }
  console.log(JSON.stringify({ benchmark: 'augment', unit: 'images/s', batch, threads: getNumThreads(), results }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
