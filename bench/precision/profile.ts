/**
 * Where medcl's bf16-mixed training step spends its time compared with PyTorch's best CPU configuration (bf16
 * autocast + channels-last): both sides run the precision benchmark's workload (step.ts / pytorch_precision.py) for
 * the same steps under libtorch's autograd profiler (medcl: src/engine/profiler.ts; PyTorch:
 * torch.autograd.profiler.profile(use_kineto=False), the same profiler), and the operators are compared by name:
 * calls and self time per step. Not a timing benchmark (the profiler adds overhead to every op); it shows which
 * operators one side runs that the other does not, or runs slower.
 *
 *   node .build/bench/precision/profile.js [--kind encoder|unet] [--steps N] [--top K] [--op NAME]
 *
 * Writes bench/results/precision-profile.json; prints the K operators with the largest self-time difference, and
 * with `--op aten::copy_` that operator's calls split by input shapes.
 */
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { getNumThreads, manualSeed, profile, summarizeOps, type OpSummary } from '../../src/engine/index.js';
import { PythonSide, machine, round, writeResult } from '../lib.js';
import { WIDTHS } from '../workloads.js';
import { ENC_BATCH, SIZE, UNET_BATCH, build, step, type Kind } from './step.js';

interface Row {
  name: string;
  medclCalls: number;
  torchCalls: number;
  medclSelfMs: number;
  torchSelfMs: number;
  diffMs: number;
}

function parseArgs(argv: string[]): { kind: Kind; steps: number; top: number; op?: string } {
  const a: { kind: Kind; steps: number; top: number; op?: string } = { kind: 'encoder', steps: 5, top: 25 };
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i]!, argv[i + 1] ?? ''];
    if (k === '--kind' && (v === 'encoder' || v === 'unet')) a.kind = v;
    else if (k === '--op' && v) a.op = v;
    else if ((k === '--steps' || k === '--top') && /^\d+$/.test(v) && Number(v) > 0)
      a[k === '--steps' ? 'steps' : 'top'] = Number(v);
    else throw new Error(`precision profile: bad option ${k} ${v} (--kind encoder|unet, --steps N, --top K)`);
  }
  return a;
}

/** per-step calls and self ms of both sides, joined by operator name, the largest |difference| first */
function compare(medcl: OpSummary[], torch: OpSummary[], steps: number): Row[] {
  const names = new Set([...medcl.map((o) => o.name), ...torch.map((o) => o.name)]);
  const find = (ops: OpSummary[], n: string) => ops.find((o) => o.name === n) ?? { count: 0, selfUs: 0 };
  return [...names]
    .map((name) => {
      const m = find(medcl, name);
      const t = find(torch, name);
      return {
        name,
        medclCalls: m.count / steps,
        torchCalls: t.count / steps,
        medclSelfMs: round(m.selfUs / steps / 1000, 3),
        torchSelfMs: round(t.selfUs / steps / 1000, 3),
        diffMs: round((m.selfUs - t.selfUs) / steps / 1000, 3),
      };
    })
    .sort((a, b) => Math.abs(b.diffMs) - Math.abs(a.diffMs));
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  manualSeed(0);
  const threads = getNumThreads();
  const here = path.dirname(fileURLToPath(import.meta.url));
  const py = new PythonSide(path.resolve(here, '../../../bench/precision/pytorch_precision.py'));
  await py.ask(
    `setup ${JSON.stringify({ threads, widths: WIDTHS, size: SIZE, encoderBatch: ENC_BATCH, unetBatch: UNET_BATCH })}`,
  );
  const w = build(args.kind, 'bf16-mixed');
  // warm-up on both sides (oneDNN primitive caches, allocator)
  for (let i = 0; i < 3; i++) step(w);
  await py.ask(`run ${args.kind}_bf16cl 3`);
  // the first profile of a process pays a one-off cost inside its first operators (hundreds of ms here): discard one
  profile(() => step(w));
  const { ranges } = profile(
    () => {
      for (let i = 0; i < args.steps; i++) step(w);
    },
    { recordShapes: true },
  );
  const medcl = summarizeOps(ranges);
  // the same ranges named by operator and input shapes, as PyTorch's key_averages(group_by_input_shape=True)
  const medclShaped = summarizeOps(ranges.map((r) => ({ ...r, name: `${r.name} ${JSON.stringify(r.shapes ?? [])}` })));
  const reply = await py.ask<{ ops: OpSummary[]; shaped: OpSummary[] }>(`profile ${args.kind}_bf16cl ${args.steps}`);
  const torch = reply.ops;
  py.close();
  const rows = compare(medcl, torch, args.steps);
  const shapedRows = compare(medclShaped, reply.shaped, args.steps);
  const total = (ops: OpSummary[]) => round(ops.reduce((s, o) => s + o.selfUs, 0) / args.steps / 1000, 2);
  const file = writeResult('precision-profile', {
    benchmark: 'precision-profile',
    date: new Date().toISOString(),
    machine: machine(),
    config: { kind: args.kind, steps: args.steps, size: SIZE, threads },
    medclSelfMsPerStep: total(medcl),
    torchSelfMsPerStep: total(torch),
    rows,
    byInputShapes: shapedRows,
    notes: [
      'medcl bf16-mixed vs PyTorch bf16 autocast + channels-last; per step; self time = an op minus the ops inside it',
      'under the profiler (overhead on every op): compare the operator lists and relative times, not the speed',
    ],
  });
  console.log(`self time per step: medcl ${total(medcl)} ms, pytorch ${total(torch)} ms (profiled)`);
  console.log('op | medcl calls | torch calls | medcl self ms | torch self ms | diff ms');
  for (const r of rows.slice(0, args.top))
    console.log(`${r.name} | ${r.medclCalls} | ${r.torchCalls} | ${r.medclSelfMs} | ${r.torchSelfMs} | ${r.diffMs}`);
  if (args.op) {
    console.log(`${args.op} by input shapes:`);
    for (const r of shapedRows.filter((x) => x.name.startsWith(`${args.op} `)))
      console.log(`${r.name} | ${r.medclCalls} | ${r.torchCalls} | ${r.medclSelfMs} | ${r.torchSelfMs} | ${r.diffMs}`);
  }
  console.log(`wrote ${file}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
