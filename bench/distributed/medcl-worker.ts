/**
 * One medcl rank of the distributed bench (started by run.ts through the launcher, or alone for 1 process): runs
 * WARMUP + STEPS steps of the workload and prints {imagesPerSec, losses} (rank 0's numbers are the run's).
 */
import { joinFromEnvironment } from '../../src/train/distributed/context.js';
import { trainer } from './workload.js';

const batch = Number(process.env['BENCH_BATCH'] ?? 32);
const steps = Number(process.env['BENCH_STEPS'] ?? 8);
const warmup = 2;
const ctx = joinFromEnvironment(120000);
const t = trainer(ctx, batch);
const losses: number[] = [];
for (let s = 0; s < warmup; s++) losses.push(t.step(s));
ctx?.group.barrier();
const t0 = performance.now();
for (let s = warmup; s < warmup + steps; s++) losses.push(t.step(s));
const sec = (performance.now() - t0) / 1000;
process.stdout.write(JSON.stringify({ rank: ctx?.rank ?? 0, imagesPerSec: (2 * batch * steps) / sec, losses }) + '\n');
process.exit(0);
