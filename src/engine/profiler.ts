/**
 * Operator profiling: libtorch's autograd profiler (the engine behind PyTorch's
 * `torch.autograd.profiler.profile(use_kineto=False)`) around a synchronous function. Every aten operator and every
 * autograd node the backward pass runs on the calling thread is one range; `summarizeOps` sums them by name the way
 * PyTorch's `key_averages()` does (count, total time, self time = total minus the ranges directly inside it), so a
 * medcl step and a PyTorch step can be compared op by op.
 */
import { N } from './native.js';

/** One operator call: when it ran (µs, profiler clock) and how much of that was its own work. */
export interface OpRange {
  name: string;
  thread: number;
  startUs: number;
  endUs: number;
  /** endUs - startUs minus the durations of the ranges directly inside it on the same thread */
  selfUs: number;
  /** nesting depth on its thread: 0 = called directly by the profiled code (or the autograd engine) */
  depth: number;
  /** input shapes, when recorded (`recordShapes`) */
  shapes?: number[][];
}

export interface OpSummary {
  name: string;
  count: number;
  totalUs: number;
  selfUs: number;
}

interface RawEvent {
  kind: 'push' | 'pop' | 'mark';
  name: string;
  us: number;
  thread: number;
  handle: number;
  shapes?: number[][];
}

/** Runs `fn` under the profiler; the profiler stops even if `fn` throws. Profiles do not nest. */
export function profile<T>(fn: () => T, opts: { recordShapes?: boolean } = {}): { result: T; ranges: OpRange[] } {
  N.profilerStart(opts.recordShapes ?? false);
  let events: RawEvent[];
  let result: T;
  try {
    result = fn();
  } finally {
    events = N.profilerStop() as RawEvent[];
  }
  if (result instanceof Promise) throw new Error('profile: fn must be synchronous');
  return { result, ranges: pairRanges(events) };
}

/** Pairs each push with its pop (same handle) and works out nesting and self time per thread. */
export function pairRanges(events: RawEvent[]): OpRange[] {
  const open = new Map<number, RawEvent>();
  const ranges: OpRange[] = [];
  for (const e of events) {
    if (e.kind === 'push') open.set(e.handle, e);
    else if (e.kind === 'pop') {
      const p = open.get(e.handle);
      if (!p) continue; // a range opened before the profiler started
      open.delete(e.handle);
      const r: OpRange = { name: p.name, thread: p.thread, startUs: p.us, endUs: e.us, selfUs: 0, depth: 0 };
      if (p.shapes) r.shapes = p.shapes;
      ranges.push(r);
    }
  }
  // outer ranges before the ranges they contain: by start, then the longer first
  ranges.sort((a, b) => a.thread - b.thread || a.startUs - b.startUs || b.endUs - a.endUs);
  const stack: OpRange[] = [];
  for (const r of ranges) {
    while (stack.length > 0 && (stack.at(-1)!.thread !== r.thread || stack.at(-1)!.endUs <= r.startUs)) stack.pop();
    const parent = stack.at(-1);
    r.depth = stack.length;
    r.selfUs = r.endUs - r.startUs;
    if (parent) parent.selfUs -= r.endUs - r.startUs;
    stack.push(r);
  }
  return ranges;
}

/** Per operator name: calls, total and self time (µs), the largest self time first. */
export function summarizeOps(ranges: OpRange[]): OpSummary[] {
  const by = new Map<string, OpSummary>();
  for (const r of ranges) {
    const s = by.get(r.name) ?? { name: r.name, count: 0, totalUs: 0, selfUs: 0 };
    s.count += 1;
    s.totalUs += r.endUs - r.startUs;
    s.selfUs += r.selfUs;
    by.set(r.name, s);
  }
  return [...by.values()].sort((a, b) => b.selfUs - a.selfUs);
}
