/**
 * Fidelity bench: does PCL's central claim (PCL Table 1: pre-training on slice position beats random initialisation,
 * GCL and SimCLR with few labelled volumes) show up on medcl's CT phantoms? Not a test: it measures.
 *
 *   npm run bench:fidelity [-- --scale bench|quick] [--out DIR] [--jobs N] [--seed N]
 *
 * Runs the semi-supervised experiment (6 methods × M ∈ {1, 2, 4, all} × 3 folds) and a transfer experiment (pre-train
 * on another protocol's archive, fine-tune on this one; SimCLR, GCL, PCL at M ∈ {1, 2}, beside the same Random cells)
 * as method shards in parallel processes with one
 * thread each (shards of one setting share folds, budgets and seeds), then merges them into one table, a paired
 * bootstrap verdict with Holm-corrected CIs, and a plot. Writes DIR (default bench/results/fidelity):
 * results.jsonl, table.md, ci.md, verdict.json, dice-vs-m.png, summary.json. Last line:
 *   fidelity: pcl-random M=1 <d> [<lo>, <hi>], M=2 <d> [<lo>, <hi>]
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { machine } from '../lib.js';
import { readRecords } from '../../src/experiment/records.js';
import { writeScaleData } from './data.js';
import { experimentInput, SCALES, SEMI_METHODS, TRANSFER_METHODS, type Scale } from './scale.js';
import { summarizeSetting, type SettingSummary } from './summary.js';
import { runShards } from './shards.js';

interface Args {
  scale: Scale;
  out: string;
  jobs: number;
  seed: number;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { scale: 'bench', out: 'bench/results/fidelity', jobs: 2, seed: 0 };
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i], argv[i + 1]];
    if (v === undefined) throw new Error(`bench:fidelity: ${k} needs a value`);
    if (k === '--scale' && (v === 'bench' || v === 'quick')) a.scale = v;
    else if (k === '--out') a.out = v;
    else if (k === '--jobs' && /^\d+$/.test(v) && Number(v) > 0) a.jobs = Number(v);
    else if (k === '--seed' && /^\d+$/.test(v)) a.seed = Number(v);
    else throw new Error(`bench:fidelity: unknown option or bad value: ${k} ${v}`);
  }
  return a;
}

/** Splits methods into shards that each hold about the same work; 'random' goes with the first. */
function shards(methods: string[], n: number): string[][] {
  const out: string[][] = Array.from({ length: Math.min(n, methods.length) }, () => []);
  methods.forEach((m, i) => out[i % out.length]!.push(m));
  return out.filter((s) => s.length > 0);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const s = SCALES[args.scale];
  const out = path.resolve(args.out);
  const work = path.join(out, 'work');
  mkdirSync(work, { recursive: true });
  const t0 = Date.now();
  const data = await writeScaleData(s, path.join(work, 'data'), args.seed);
  const settings = [
    { setting: 'semi' as const, methods: SEMI_METHODS },
    { setting: 'transfer' as const, methods: TRANSFER_METHODS },
  ];
  const inputs = settings.flatMap(({ setting, methods }) =>
    shards(methods, args.jobs).map((ms, i) =>
      experimentInput(s, setting, ms, data, path.join(work, `${setting}-${i}`), args.seed),
    ),
  );
  for (const input of inputs) mkdirSync((input as { out: string }).out, { recursive: true });
  await runShards(inputs, args.jobs);
  const summaries: SettingSummary[] = [];
  const dirsOf = (setting: string): string[] =>
    inputs
      .map((i) => (i as { out: string }).out)
      .filter((d) => path.basename(d).startsWith(setting + '-') && existsSync(path.join(d, 'results.jsonl')));
  const randomCells = dirsOf('semi')
    .flatMap((d) => readRecords(path.join(d, 'results.jsonl')))
    .filter((r) => r.method === 'random');
  for (const { setting } of settings) {
    const extra = setting === 'transfer' ? randomCells.filter((r) => s.transferBudgets.includes(r.M)) : [];
    summaries.push(await summarizeSetting(setting, dirsOf(setting), path.join(out, setting), args.seed, extra));
  }
  const semi = summaries[0]!;
  const seconds = (Date.now() - t0) / 1000;
  writeFileSync(
    path.join(out, 'summary.json'),
    JSON.stringify({ scale: args.scale, settings: summaries, seconds, machine: machine(), scaleSettings: s }, null, 2) +
      '\n',
  );
  process.stdout.write(`fidelity: ${(seconds / 60).toFixed(1)} min; tables in ${out}\n`);
  const fmt = (M: number): string => {
    const r = semi.verdict.find((v) => v.method === 'pcl' && v.M === M);
    return r ? `M=${M} ${r.mean.toFixed(3)} [${r.lo.toFixed(3)}, ${r.hi.toFixed(3)}]` : `M=${M} not run`;
  };
  process.stdout.write(`fidelity: pcl-random ${fmt(1)}, ${fmt(2)}\n`);
}

await main();
