/**
 * Operator profiles of medcl and PyTorch compared op by op (bench/precision/profile.ts, bench/pretrain/profile.ts).
 * medcl profiles its steps with src/engine/profiler.ts; the PyTorch side replies bench/profile/ops_profile.py's
 * key_averages, from the same legacy libtorch profiler. Not a timing benchmark (the profiler adds overhead to every
 * op): it shows which operators one side runs that the other does not, or runs slower.
 */
import { profile, summarizeOps, type OpSummary } from '../../src/engine/index.js';
import { machine, round, writeResult } from '../lib.js';

export interface OpRow {
  name: string;
  medclCalls: number;
  torchCalls: number;
  medclSelfMs: number;
  torchSelfMs: number;
  diffMs: number;
}

/** what ops_profile.py replies: by operator, and by operator and input shapes */
export interface TorchProfile {
  ops: OpSummary[];
  shaped: OpSummary[];
}

/** per-step calls and self ms of both sides, joined by operator name, the largest |difference| first */
export function compareOps(medcl: OpSummary[], torch: OpSummary[], steps: number): OpRow[] {
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

/**
 * `steps` calls of medcl's `step` under the profiler (after one discarded profile: a process's first pays a one-off
 * cost inside its first operators, hundreds of ms here), by operator and by operator and input shapes.
 */
export function profileMedcl(step: () => void, steps: number): { ops: OpSummary[]; shaped: OpSummary[] } {
  profile(step);
  const { ranges } = profile(
    () => {
      for (let i = 0; i < steps; i++) step();
    },
    { recordShapes: true },
  );
  // the same ranges named by operator and input shapes, as PyTorch's key_averages(group_by_input_shape=True)
  const shaped = summarizeOps(ranges.map((r) => ({ ...r, name: `${r.name} ${JSON.stringify(r.shapes ?? [])}` })));
  return { ops: summarizeOps(ranges), shaped };
}

export interface ReportOptions {
  /** the results file's name (bench/results/<name>.json) and its `benchmark` field */
  name: string;
  config: Record<string, unknown>;
  steps: number;
  top: number;
  /** print this operator's calls split by input shapes */
  op?: string;
  notes: string[];
}

/** Compares the two profiles, writes the JSON and prints the `top` rows (and `op` by shapes). */
export function report(medcl: { ops: OpSummary[]; shaped: OpSummary[] }, torch: TorchProfile, o: ReportOptions): void {
  const rows = compareOps(medcl.ops, torch.ops, o.steps);
  const shapedRows = compareOps(medcl.shaped, torch.shaped, o.steps);
  const total = (ops: OpSummary[]) => round(ops.reduce((s, x) => s + x.selfUs, 0) / o.steps / 1000, 2);
  const file = writeResult(o.name, {
    benchmark: o.name,
    date: new Date().toISOString(),
    machine: machine(),
    config: { ...o.config, steps: o.steps },
    medclSelfMsPerStep: total(medcl.ops),
    torchSelfMsPerStep: total(torch.ops),
    rows,
    byInputShapes: shapedRows,
    notes: [
      ...o.notes,
      'per step; self time = an op minus the ops inside it',
      'under the profiler (overhead on every op): compare the operator lists and relative times, not the speed',
    ],
  });
  const line = (r: OpRow) =>
    `${r.name} | ${r.medclCalls} | ${r.torchCalls} | ${r.medclSelfMs} | ${r.torchSelfMs} | ${r.diffMs}`;
  console.log(`self time per step: medcl ${total(medcl.ops)} ms, pytorch ${total(torch.ops)} ms (profiled)`);
  console.log('op | medcl calls | torch calls | medcl self ms | torch self ms | diff ms');
  for (const r of rows.slice(0, o.top)) console.log(line(r));
  if (o.op) {
    console.log(`${o.op} by input shapes:`);
    for (const r of shapedRows.filter((x) => x.name.startsWith(`${o.op} `))) console.log(line(r));
  }
  console.log(`wrote ${file}`);
}

/** `--steps N`, `--top K`, `--op NAME` and the caller's own options (`extra` returns false for unknown ones) */
export function parseProfileArgs(
  argv: string[],
  usage: string,
  extra: (k: string, v: string) => boolean = () => false,
): { steps: number; top: number; op?: string } {
  const a: { steps: number; top: number; op?: string } = { steps: 5, top: 25 };
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i]!, argv[i + 1] ?? ''];
    if (k === '--op' && v) a.op = v;
    else if ((k === '--steps' || k === '--top') && /^\d+$/.test(v) && Number(v) > 0)
      a[k === '--steps' ? 'steps' : 'top'] = Number(v);
    else if (!extra(k, v)) throw new Error(`${usage}: bad option ${k} ${v}`);
  }
  return a;
}
