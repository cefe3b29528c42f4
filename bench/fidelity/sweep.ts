/**
 * Fidelity sweep: the two budgets the fidelity bench cut hardest, measured on the same phantoms, folds and seeds.
 *
 *   node .build/bench/fidelity/sweep.js [--out DIR] [--jobs N] [--seed N] [--steps N] [--epochs A,B]
 *
 * 1. Fine-tuning long enough for the small organs: every cell gets `--steps` fine-tuning steps (default 1,600, the
 *    number measured in docs/fidelity.md to fit them even on one volume) instead of the bench's 600-1,000.
 * 2. Pre-training length: PCL pre-trained for each of `--epochs` (default 8 and 32; the paper: 200).
 * Random is run at M = 1, 2 and all (does the task get learned at this budget?), each PCL variant at M = 1 and 2.
 * Everything else is the bench's scale (scale.ts). One table and one Holm-corrected paired verdict against Random;
 * writes DIR (default bench/results/fidelity/sweep): results.jsonl, table.md, ci.md, verdict.json, summary.json.
 * Last line: `fidelity sweep: pcl-<E>ep - random M=1 <d> [<lo>, <hi>], M=2 ... ; random all <dice>`
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { machine } from '../lib.js';
import { readRecords } from '../../src/experiment/records.js';
import { writeScaleData } from './data.js';
import { experimentInput, SCALES } from './scale.js';
import { runShards } from './shards.js';
import { summarizeSetting } from './summary.js';

interface Args {
  out: string;
  jobs: number;
  seed: number;
  steps: number;
  epochs: number[];
}

function parseArgs(argv: string[]): Args {
  const a: Args = { out: 'bench/results/fidelity/sweep', jobs: 2, seed: 0, steps: 1600, epochs: [8, 32] };
  const int = (k: string, v: string): number => {
    if (!/^\d+$/.test(v) || Number(v) <= 0) throw new Error(`fidelity sweep: ${k} needs a positive integer, got ${v}`);
    return Number(v);
  };
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i]!, argv[i + 1]];
    if (v === undefined) throw new Error(`fidelity sweep: ${k} needs a value`);
    if (k === '--out') a.out = v;
    else if (k === '--jobs') a.jobs = int(k, v);
    else if (k === '--seed') a.seed = Number(v);
    else if (k === '--steps') a.steps = int(k, v);
    else if (k === '--epochs') a.epochs = v.split(',').map((e) => int(k, e));
    else throw new Error(`fidelity sweep: unknown option ${k}`);
  }
  return a;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const base = SCALES.bench;
  const epochsOfFinetune = Number(base.finetune['epochs']);
  // the same number of steps for every M: each of the fine-tuning epochs has at least steps/epochs steps
  const finetune = { ...base.finetune, minStepsPerEpoch: Math.ceil(args.steps / epochsOfFinetune) };
  const out = path.resolve(args.out);
  const work = path.join(out, 'work');
  mkdirSync(work, { recursive: true });
  const t0 = Date.now();
  const data = await writeScaleData(base, path.join(work, 'data'), args.seed);
  const shard = (methods: string[], epochs: number, budgets: (number | 'all')[]): object => {
    const scale = { ...base, budgets, finetune, pretrain: { ...base.pretrain, epochs } };
    return experimentInput(
      scale,
      'semi',
      methods,
      data,
      path.join(work, `${methods.join('+')}-${epochs}ep`),
      args.seed,
    );
  };
  const inputs = [
    shard(['random'], args.epochs[0]!, [1, 2, 'all']),
    ...args.epochs.map((e) => shard(['pcl'], e, [1, 2])),
  ];
  for (const input of inputs) mkdirSync((input as { out: string }).out, { recursive: true });
  await runShards(inputs, args.jobs);
  // each PCL variant becomes a row of its own ("pcl-8ep"), paired with Random's cells on the same test volumes
  const records = inputs.flatMap((input, i) => {
    const rs = readRecords(path.join((input as { out: string }).out, 'results.jsonl'));
    return i === 0 ? rs : rs.map((r) => ({ ...r, method: `pcl-${args.epochs[i - 1]}ep` }));
  });
  const summary = await summarizeSetting('sweep', [], out, args.seed, records);
  const seconds = (Date.now() - t0) / 1000;
  writeFileSync(
    path.join(out, 'summary.json'),
    JSON.stringify({ args, summary, seconds, machine: machine(), finetune, pretrain: base.pretrain }, null, 2) + '\n',
  );
  process.stdout.write(`fidelity sweep: ${(seconds / 60).toFixed(1)} min; tables in ${out}\n`);
  const line = (m: string, M: number): string => {
    const r = summary.verdict.find((v) => v.method === m && v.M === M);
    return r ? `M=${M} ${r.mean.toFixed(3)} [${r.lo.toFixed(3)}, ${r.hi.toFixed(3)}]` : `M=${M} not run`;
  };
  const randomAll = summary.table.find((r) => r.method === 'random' && r.M === 'all');
  const parts = args.epochs.map((e) => `pcl-${e}ep - random ${line(`pcl-${e}ep`, 1)}, ${line(`pcl-${e}ep`, 2)}`);
  process.stdout.write(`fidelity sweep: ${parts.join('; ')}; random all ${randomAll?.mean.toFixed(3) ?? 'not run'}\n`);
}

await main();
