import { test } from 'node:test';
import assert from 'node:assert/strict';
import { holm, holmOrder } from '../../../src/eval/stats/holm.js';
import { Rng } from '../../../src/util/rng.js';

const close = (a: readonly number[], b: readonly number[], tol = 1e-12) =>
  a.length === b.length && a.every((x, i) => Math.abs(x - b[i]!) <= tol);

test('holm: textbook example computed by hand', () => {
  // sorted: 0.005 (x4 = 0.02), 0.01 (x3 = 0.03), 0.03 (x2 = 0.06), 0.04 (x1 = 0.04 -> max with 0.06 = 0.06)
  const adj = holm([0.01, 0.04, 0.03, 0.005]);
  assert.ok(close(adj, [0.03, 0.06, 0.06, 0.02]), `got ${adj}`);
});

test('holm: capped at 1, one p-value unchanged, empty input', () => {
  // sorted: 0.5 x2 = 1.0, 0.6 x1 = 0.6 -> max(1, 0.6) = 1
  assert.deepEqual(holm([0.6, 0.5]), [1, 1]);
  assert.ok(close(holm([0.7, 0.2, 0.9]), [1, 0.6, 1]));
  assert.deepEqual(holm([0.037]), [0.037]);
  assert.deepEqual(holm([]), []);
});

test('holm: equals the smallest alpha at which the step-down procedure rejects (independent reference)', () => {
  const rng = new Rng(11);
  for (let trial = 0; trial < 50; trial++) {
    const m = 1 + rng.int(0, 8);
    const p = Array.from({ length: m }, () => (rng.next() < 0.3 ? rng.uniform(0, 0.02) : rng.next()));
    // Holm's step-down at level a: walk p ascending, reject while p(k) <= a / (m - k + 1), stop at the first failure
    const rejects = (a: number): boolean[] => {
      const sorted = p.map((v, i) => [v, i] as const).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
      const out = new Array<boolean>(m).fill(false);
      for (let k = 0; k < m; k++) {
        if ((m - k) * sorted[k]![0] > a) break; // p(k) > a / (m - k + 1), 1-based k
        out[sorted[k]![1]] = true;
      }
      return out;
    };
    // candidate thresholds: every (m - k) p(k), capped at 1, plus 1
    const candidates = [...new Set([...p.flatMap((v) => [...Array(m).keys()].map((k) => (m - k) * v)), 1])]
      .filter((a) => a <= 1)
      .sort((a, b) => a - b);
    const reference = p.map((_, i) => candidates.find((a) => rejects(a)[i]) ?? 1);
    const adj = holm(p);
    assert.ok(close(adj, reference, 1e-12), `p ${p}: holm ${adj} vs reference ${reference}`);
  }
});

test('holm: monotone in the order of the raw p-values, never below the raw p, never above 1', () => {
  const rng = new Rng(5);
  for (let trial = 0; trial < 30; trial++) {
    const p = Array.from({ length: 12 }, () => rng.next() ** 3);
    const adj = holm(p);
    const order = holmOrder(p);
    for (let k = 1; k < order.length; k++) assert.ok(adj[order[k]!]! >= adj[order[k - 1]!]!);
    adj.forEach((q, i) => assert.ok(q >= p[i]! && q <= 1));
  }
});

test('holm: rejects p-values outside [0, 1] and NaN', () => {
  assert.throws(() => holm([0.1, 1.2]), /p-value 1 must be in \[0, 1\]/);
  assert.throws(() => holm([NaN]), /p-value 0/);
});
