/**
 * The operator profiler (src/engine/profiler.ts): libtorch's autograd profiler around a function. Checked on a
 * forward + backward whose operators are known, and the pairing / self-time arithmetic on hand-made events against
 * a brute-force containment computation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { profile, summarizeOps, tensor, tidy } from '../../src/engine/index.js';
import { pairRanges } from '../../src/engine/profiler.js';
import { Rng } from '../../src/util/rng.js';

test('profile records the forward ops, their nesting and the backward nodes', () => {
  const { result, ranges } = profile(
    () =>
      tidy(() => {
        const a = tensor([1, 2, 3, 4, 5, 6], { shape: [2, 3], requiresGrad: true });
        const b = tensor([1, 0, 2, 1, 0, 3], { shape: [3, 2] });
        const loss = a.matmul(b).sum();
        loss.backward();
        return loss.item();
      }),
    { recordShapes: true },
  );
  assert.equal(result, 1 * 1 + 2 * 2 + 3 * 0 + 1 * 0 + 2 * 1 + 3 * 3 + 4 * 1 + 5 * 2 + 6 * 0 + 4 * 0 + 5 * 1 + 6 * 3);
  const names = new Set(ranges.map((r) => r.name));
  for (const op of ['aten::matmul', 'aten::mm', 'aten::sum']) assert.ok(names.has(op), `${op} in ${[...names]}`);
  assert.ok(
    ranges.some((r) => /MmBackward0/.test(r.name)),
    `a backward node for mm in ${[...names]}`,
  );
  // aten::mm runs inside aten::matmul; its input shapes were recorded
  const matmul = ranges.find((r) => r.name === 'aten::matmul')!;
  const mm = ranges.find((r) => r.name === 'aten::mm' && r.startUs >= matmul.startUs && r.endUs <= matmul.endUs);
  assert.ok(mm, 'aten::mm nested in aten::matmul');
  assert.ok(mm.depth > matmul.depth);
  assert.deepEqual(matmul.shapes?.slice(0, 2), [
    [2, 3],
    [3, 2],
  ]);
  assert.ok(matmul.selfUs <= matmul.endUs - matmul.startUs - (mm.endUs - mm.startUs) + 1e-6);
  for (const r of ranges) assert.ok(r.selfUs >= -1e-6 && r.endUs >= r.startUs, `${r.name} times`);
});

test('the profiler stops when the function throws, and profiles do not nest', () => {
  assert.throws(
    () =>
      profile(() => {
        throw new Error('boom');
      }),
    /boom/,
  );
  // stopped: a new profile starts
  const { ranges } = profile(() => tidy(() => tensor([1, 2]).add(1).sum().item()));
  assert.ok(ranges.some((r) => r.name === 'aten::add'));
  assert.throws(() => profile(() => profile(() => 0)), /already running/);
  // the outer one was stopped by its finally, so this one starts
  assert.equal(profile(() => 7).result, 7);
});

test('pairRanges: self time = duration minus the direct children, against brute-force containment', () => {
  const rng = new Rng(3);
  // random well-nested intervals on two threads, emitted as push/pop events in time order (handles shuffled)
  type Ev = { kind: 'push' | 'pop'; name: string; us: number; thread: number; handle: number };
  const events: Ev[] = [];
  const truth: { start: number; end: number; thread: number; name: string }[] = [];
  let handle = 0;
  const grow = (start: number, end: number, thread: number, depth: number): void => {
    let t = start;
    while (t < end - 2 && depth < 4) {
      const s = t + 1 + Math.floor(rng.uniform() * 3);
      const e = Math.min(end - 1, s + 1 + Math.floor(rng.uniform() * 12));
      if (e <= s) break;
      const h = ++handle;
      const name = `op${depth}`;
      events.push(
        { kind: 'push', name, us: s, thread, handle: h },
        { kind: 'pop', name: '', us: e, thread, handle: h },
      );
      truth.push({ start: s, end: e, thread, name });
      grow(s, e, thread, depth + 1);
      t = e;
    }
  };
  grow(0, 200, 1, 0);
  grow(0, 150, 2, 0);
  events.sort((a, b) => a.us - b.us);
  const ranges = pairRanges(events);
  assert.equal(ranges.length, truth.length);
  for (const r of ranges) {
    // brute force: the ranges strictly inside r with no other range between them and r
    const inside = truth.filter(
      (o) =>
        o.thread === r.thread &&
        o.start >= r.startUs &&
        o.end <= r.endUs &&
        !(o.start === r.startUs && o.end === r.endUs),
    );
    const direct = inside.filter(
      (o) =>
        !inside.some(
          (p) => p !== o && p.start <= o.start && p.end >= o.end && !(p.start === o.start && p.end === o.end),
        ),
    );
    const self = r.endUs - r.startUs - direct.reduce((s, o) => s + (o.end - o.start), 0);
    assert.equal(r.selfUs, self, `self time of [${r.startUs}, ${r.endUs}] on thread ${r.thread}`);
  }
  // summary: totals add up per name; self times over a thread sum to its top-level durations
  const sum = summarizeOps(ranges);
  assert.equal(
    sum.reduce((s, o) => s + o.count, 0),
    truth.length,
  );
  const top = ranges.filter((r) => r.depth === 0).reduce((s, r) => s + r.endUs - r.startUs, 0);
  assert.equal(
    sum.reduce((s, o) => s + o.selfUs, 0),
    top,
  );
});
