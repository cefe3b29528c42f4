/**
 * Fidelity bench: does PCL's central claim (PCL Table 1: pre-training on slice position beats random initialisation,
 * GCL and SimCLR with few labelled volumes) show up on medcl's CT phantoms? Not a test: it measures.
 *
 *   npm run bench:fidelity [-- --scale hour|table1|small|quick] [--out DIR] [--jobs N] [--seed N]
 *
 * Runs the scale's semi-supervised experiment (`hour`, the default: Random and PCL at M ∈ {1, 2}, 3 folds, about
 * 50 minutes on 2 cores; `table1`: 6 methods × M ∈ {1, 2, 4, all}, and the transfer experiment, pre-training on
 * another protocol's archive, SimCLR, GCL, PCL at M ∈ {1, 2} beside the same Random cells: 5-6 hours) as method
 * shards in parallel processes with one thread each (shards of one setting share folds, budgets and seeds), then
 * merges them into one table, a paired bootstrap verdict against Random with Holm-corrected CIs, the other
 * pre-trained rows against PCL (vs-pcl.md, PCL's second claim), and a plot. Writes DIR (default
 * bench/results/fidelity): per setting results.jsonl, table.md, ci.md, verdict.json, dice-vs-m.png; summary.json.
 * Last line:
 *   fidelity: pcl-random M=1 <d> [<lo>, <hi>], M=2 <d> [<lo>, <hi>]
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { machine } from '../lib.js';
import { readRecords } from '../../src/experiment/records.js';
import { writeScaleData } from './data.js';
import { experimentInput, SCALE_NAMES, SCALES, type Scale } from './scale.js';
import { comparePaired, summarizeSetting, type SettingSummary } from './summary.js';
import { runShards } from './shards.js';

interface Args {
  scale: Scale;
  out: string;
  jobs: number;
  seed: number;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { scale: 'hour', out: 'bench/results/fidelity', jobs: 2, seed: 0 };
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i], argv[i + 1]];
    if (v === undefined) throw new Error(`bench:fidelity: ${k} needs a value`);
    if (k === '--scale' && (SCALE_NAMES as readonly string[]).includes(v)) a.scale = v as Scale;
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
    { setting: 'semi' as const, methods: s.methods },
    { setting: 'transfer' as const, methods: s.transferMethods },
  ].filter((x) => x.methods.length > 0);
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
  // PCL's second claim: it beats the other pre-trainings (paired, on the same test volumes)
  const others = s.methods.filter((m) => m !== 'random' && m !== 'pcl');
  if (others.length > 0 && s.methods.includes('pcl'))
    comparePaired(path.join(out, 'semi', 'results.jsonl'), 'pcl', others, {
      seed: args.seed,
      out: path.join(out, 'semi', 'vs-pcl.md'),
    });
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
