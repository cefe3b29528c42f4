/** The DrasCLR benchmark's command line: the workload's sizes (the paper's by default) and the timing protocol. */
import type { DrasclrWorkload } from './workload.js';

export interface BenchArgs {
  workload: DrasclrWorkload;
  rounds: number;
  /** timed steps per round and variant */
  steps: number;
  warmup: number;
  /** PyTorch's best configuration as a second PyTorch row */
  best: boolean;
  /** medcl under bf16 autocast (speed only; DrasCLR's config refuses bf16-mixed) */
  medclBf16: boolean;
}

export const DEFAULTS: BenchArgs = {
  workload: { batch: 128, patch: 32, queue: 4096, landmarks: 4, neighbours: 2 },
  rounds: 3,
  steps: 2,
  warmup: 1,
  best: true,
  medclBf16: false,
};

const SIZE_OPTIONS: Record<string, { key: keyof DrasclrWorkload; min: number }> = {
  '--batch': { key: 'batch', min: 2 },
  '--patch': { key: 'patch', min: 4 },
  '--queue': { key: 'queue', min: 1 },
  '--landmarks': { key: 'landmarks', min: 3 },
};

const PROTOCOL_OPTIONS: Record<string, { key: 'rounds' | 'steps' | 'warmup'; min: number }> = {
  '--rounds': { key: 'rounds', min: 1 },
  '--steps': { key: 'steps', min: 1 },
  '--warmup': { key: 'warmup', min: 0 },
};

export function parseBenchArgs(argv: string[]): BenchArgs {
  const a: BenchArgs = { ...DEFAULTS, workload: { ...DEFAULTS.workload } };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    if (k === '--no-best') {
      a.best = false;
      continue;
    }
    if (k === '--medcl-bf16') {
      a.medclBf16 = true;
      continue;
    }
    const opt = SIZE_OPTIONS[k] ?? PROTOCOL_OPTIONS[k];
    if (!opt)
      throw new Error(
        `bench drasclr: unknown option ${k} (expected ${[...Object.keys(SIZE_OPTIONS), ...Object.keys(PROTOCOL_OPTIONS), '--no-best', '--medcl-bf16'].join(', ')})`,
      );
    const n = Number(argv[++i]);
    if (!Number.isInteger(n) || n < opt.min)
      throw new Error(`bench drasclr: ${k} must be an integer >= ${opt.min}, got "${argv[i] ?? ''}"`);
    if (k in SIZE_OPTIONS) a.workload[opt.key as keyof DrasclrWorkload] = n;
    else a[opt.key as 'rounds' | 'steps' | 'warmup'] = n;
  }
  if (a.workload.queue % a.workload.batch !== 0)
    throw new Error(`bench drasclr: --queue (${a.workload.queue}) must be a multiple of --batch (${a.workload.batch})`);
  return a;
}
