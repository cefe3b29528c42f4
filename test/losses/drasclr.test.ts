/**
 * DrasCLR's local (eq. 6) and neighbouring (eq. 8) losses against float64 loop references written here, with masked
 * negatives ([K] and [B, K] masks): values of excluded negatives (even NaN / ±∞) change neither the loss nor the
 * gradients; queries without negatives are left out of the mean and counted; gradients by central differences.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, tidy, setNumThreads, type Tensor } from '../../src/engine/index.js';
import {
  drasclrLocalLoss,
  drasclrNeighbourLoss,
  drasclrLoss,
  DRASCLR_TEMPERATURE,
  type DrasclrNeighbourLossOptions,
} from '../../src/losses/drasclr.js';
import { Rng } from '../../src/util/rng.js';
import { assertClose } from '../engine/helpers.js';

setNumThreads(1);

type Vec = number[];

/** n random unit vectors of dimension d */
function unitVectors(rng: Rng, n: number, d: number): Vec[] {
  return Array.from({ length: n }, () => {
    const v = Array.from({ length: d }, () => rng.normal());
    const norm = Math.hypot(...v);
    return v.map((a) => a / norm);
  });
}

const dot = (a: Vec, b: Vec): number => a.reduce((s, v, i) => s + v * b[i]!, 0);
const lse = (xs: number[]): number => {
  const m = Math.max(...xs);
  return m + Math.log(xs.reduce((s, x) => s + Math.exp(x - m), 0));
};

/** valid(i, j): may query i use negative j */
type Valid = (i: number, j: number) => boolean;

/** per-query L_l (eq. 6) and whether the query has any negative */
function localRef(q: Vec[], k: Vec[], negs: Vec[], valid: Valid, tau: number): { loss: number; has: boolean }[] {
  return q.map((qi, i) => {
    const pos = dot(qi, k[i]!) / tau;
    const terms = [pos];
    negs.forEach((n, j) => {
      if (valid(i, j)) terms.push(dot(qi, n) / tau);
    });
    return { loss: lse(terms) - pos, has: terms.length > 1 };
  });
}

/** per-query L_n (eq. 8): -log( Σ_l e^{r_l·k+/τ} / (Σ_l e^{r_l·k+/τ} + Σ_l Σ_k- e^{r_l·k-/τ}) ) */
function neighbourRef(r: Vec[][], k: Vec[], negs: Vec[], valid: Valid, tau: number): { loss: number; has: boolean }[] {
  return r.map((ri, i) => {
    const pos = ri.map((rl) => dot(rl, k[i]!) / tau);
    const all = [...pos];
    for (const rl of ri)
      negs.forEach((n, j) => {
        if (valid(i, j)) all.push(dot(rl, n) / tau);
      });
    return { loss: lse(all) - lse(pos), has: all.length > pos.length };
  });
}

/** the authors' code: one query Σ_l r_l in an InfoNCE loss */
function summedRef(r: Vec[][], k: Vec[], negs: Vec[], valid: Valid, tau: number): { loss: number; has: boolean }[] {
  const s = r.map((ri) => ri[0]!.map((_, d) => ri.reduce((a, rl) => a + rl[d]!, 0)));
  return localRef(s, k, negs, valid, tau);
}

function meanOverHas(per: { loss: number; has: boolean }[]): number {
  const kept = per.filter((p) => p.has);
  return kept.length === 0 ? 0 : kept.reduce((a, p) => a + p.loss, 0) / kept.length;
}

const t64 = (rows: Vec[] | Vec[][], shape: number[]): Tensor => tensor(Float64Array.from(rows.flat(2)), { shape });
const bool = (v: boolean[], shape: number[]): Tensor => tensor(v.map(Number), { shape, dtype: 'bool' });

interface Setup {
  q: Vec[];
  k: Vec[];
  negs: Vec[];
  r: Vec[][];
  B: number;
  K: number;
  D: number;
  L: number;
}

function setup(seed: number, B = 4, K = 6, D = 8, L = 2): Setup {
  const rng = new Rng(seed);
  return {
    q: unitVectors(rng, B, D),
    k: unitVectors(rng, B, D),
    negs: unitVectors(rng, K, D),
    r: Array.from({ length: B }, () => unitVectors(rng, L, D)),
    B,
    K,
    D,
    L,
  };
}

test('drasclrLocalLoss: eq. 6 per query and mean vs a float64 loop, τ = 0.2 default, [K] and [B, K] masks', () => {
  const s = setup(1);
  const masks: { name: string; valid: Valid; tensor: () => Tensor | null }[] = [
    { name: 'all valid', valid: () => true, tensor: () => null },
    {
      name: '[K]',
      valid: (_i, j) => j !== 1 && j !== 4,
      tensor: () => bool([true, false, true, true, false, true], [6]),
    },
    {
      name: '[B, K]',
      valid: (i, j) => (i + 2 * j) % 3 !== 0,
      tensor: () =>
        bool(
          Array.from({ length: 4 * 6 }, (_, f) => (Math.floor(f / 6) + 2 * (f % 6)) % 3 !== 0),
          [4, 6],
        ),
    },
  ];
  assert.equal(DRASCLR_TEMPERATURE, 0.2);
  for (const m of masks) {
    for (const tau of [undefined, 0.5]) {
      const ref = localRef(s.q, s.k, s.negs, m.valid, tau ?? 0.2);
      tidy(() => {
        const args = [t64(s.q, [4, 8]), t64(s.k, [4, 8]), t64(s.negs, [6, 8])] as const;
        const opts = { valid: m.tensor(), temperature: tau };
        const per = drasclrLocalLoss(...args, { ...opts, reduction: 'none' }).toFloat64Array();
        assertClose(
          per,
          ref.map((p) => p.loss),
          { rtol: 1e-12, atol: 1e-12, msg: `${m.name} τ=${tau}: per query` },
        );
        const mean = drasclrLocalLoss(...args, opts).item();
        assertClose([mean], [meanOverHas(ref)], { rtol: 1e-12, msg: `${m.name} τ=${tau}: mean` });
      });
    }
  }
});

test('drasclrNeighbourLoss: eq. 8 (and the authors summed-logits form) vs float64 loops, masks, ℓ = 1, 2, 3', () => {
  for (const L of [1, 2, 3]) {
    const s = setup(10 + L, 4, 5, 6, L);
    const validKB: Valid = (i, j) => (i * 7 + j) % 4 !== 1;
    const maskKB = bool(
      Array.from({ length: 4 * 5 }, (_, f) => (Math.floor(f / 5) * 7 + (f % 5)) % 4 !== 1),
      [4, 5],
    );
    for (const [name, valid, mask] of [
      ['all valid', () => true, null],
      ['[B, K]', validKB, maskKB],
    ] as const) {
      tidy(() => {
        const r = t64(s.r, [4, L, 6]);
        const k = t64(s.k, [4, 6]);
        const n = t64(s.negs, [5, 6]);
        const eq8 = neighbourRef(s.r, s.k, s.negs, valid, 0.2);
        const got = drasclrNeighbourLoss(r, k, n, { valid: mask, reduction: 'none' }).toFloat64Array();
        assertClose(
          got,
          eq8.map((p) => p.loss),
          { rtol: 1e-12, atol: 1e-12, msg: `ℓ=${L} ${name} eq8` },
        );
        assertClose([drasclrNeighbourLoss(r, k, n, { valid: mask }).item()], [meanOverHas(eq8)], { rtol: 1e-12 });
        const summed = summedRef(s.r, s.k, s.negs, valid, 0.2);
        const gotS = drasclrNeighbourLoss(r, k, n, { valid: mask, neighbourForm: 'summedLogits', reduction: 'none' });
        assertClose(
          gotS.toFloat64Array(),
          summed.map((p) => p.loss),
          { rtol: 1e-12, atol: 1e-12, msg: `ℓ=${L} summed` },
        );
        if (L > 1) {
          // the two forms really differ (the test can tell them apart)
          assert.ok(eq8.some((p, i) => Math.abs(p.loss - summed[i]!.loss) > 1e-3));
        }
      });
    }
    // with ℓ = 1 eq. 8 is the local loss with the neighbour as the query
    if (L === 1) {
      tidy(() => {
        const asLocal = drasclrLocalLoss(
          t64(
            s.r.map((ri) => ri[0]!),
            [4, 6],
          ),
          t64(s.k, [4, 6]),
          t64(s.negs, [5, 6]),
        );
        const n = drasclrNeighbourLoss(t64(s.r, [4, 1, 6]), t64(s.k, [4, 6]), t64(s.negs, [5, 6]));
        assertClose([n.item()], [asLocal.item()], { rtol: 1e-12 });
      });
    }
  }
});

/** loss and the gradients w.r.t. q, r, kPos, negatives for the given negatives' values */
function lossAndGrads(s: Setup, negs: number[], valid: Tensor | null): { loss: number; grads: Float64Array[] } {
  return tidy(() => {
    const q = t64(s.q, [s.B, s.D]).requiresGrad_();
    const r = t64(s.r, [s.B, s.L, s.D]).requiresGrad_();
    const k = t64(s.k, [s.B, s.D]).requiresGrad_();
    const n = tensor(Float64Array.from(negs), { shape: [s.K, s.D] }).requiresGrad_();
    const out = drasclrLoss({ q, r, kPos: k, negatives: n }, { valid });
    out.loss.backward();
    return { loss: out.loss.item(), grads: [q, r, k, n].map((t) => t.grad!.toFloat64Array()) };
  });
}

test('masked negatives: changing excluded entries (to NaN, ±∞, 1e30) changes neither the losses nor the gradients', () => {
  const s = setup(20);
  const base = s.negs.flat();
  const garbage = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e30, -7];
  const spoil = (cols: number[]): number[] =>
    base.map((v, f) => (cols.includes(Math.floor(f / s.D)) ? garbage[f % garbage.length]! : v));

  // [K] mask: columns 0 and 3 excluded
  const kMask = (): Tensor => bool([false, true, true, false, true, true], [6]);
  const a = lossAndGrads(s, base, kMask());
  const b = lossAndGrads(s, spoil([0, 3]), kMask());
  assert.ok(Number.isFinite(a.loss));
  assertClose([b.loss], [a.loss], { rtol: 0, atol: 0, msg: '[K] loss' });
  a.grads.forEach((g, i) => {
    assert.ok(b.grads[i]!.every(Number.isFinite), `gradient ${i} finite`);
    // the gradient w.r.t. the excluded negatives is 0; the others are unchanged
    assertClose(b.grads[i]!, g, { rtol: 0, atol: 0, msg: `[K] gradient ${i}` });
  });
  const gNeg = a.grads[3]!;
  for (const col of [0, 3]) for (let d = 0; d < s.D; d++) assert.equal(gNeg[col * s.D + d], 0);

  // the loss does depend on the valid entries
  const moved = lossAndGrads(
    s,
    spoil([1]).map((v) => (Number.isFinite(v) ? v : 0.3)),
    kMask(),
  );
  assert.ok(Math.abs(moved.loss - a.loss) > 1e-6, 'a valid negative matters');

  // [B, K] mask: column 5 excluded for every query, column 2 only for query 1
  const kbMask = (): Tensor =>
    bool(
      Array.from({ length: 4 * 6 }, (_, f) => f % 6 !== 5 && !(Math.floor(f / 6) === 1 && f % 6 === 2)),
      [4, 6],
    );
  const c = lossAndGrads(s, base, kbMask());
  const d = lossAndGrads(s, spoil([5]), kbMask());
  assertClose([d.loss], [c.loss], { rtol: 0, atol: 0, msg: '[B, K] loss' });
  c.grads.forEach((g, i) => assertClose(d.grads[i]!, g, { rtol: 0, atol: 0, msg: `[B, K] gradient ${i}` }));
  // query 1's own losses ignore column 2, which the other queries use
  tidy(() => {
    const other = base.map((v, f) => (Math.floor(f / s.D) === 2 ? -v : v));
    const per = (negs: number[]): Float64Array =>
      drasclrLocalLoss(t64(s.q, [4, 8]), t64(s.k, [4, 8]), tensor(Float64Array.from(negs), { shape: [6, 8] }), {
        valid: kbMask(),
        reduction: 'none',
      }).toFloat64Array();
    const p0 = per(base);
    const p1 = per(other);
    assert.equal(p1[1], p0[1], 'query 1 does not see column 2');
    assert.notEqual(p1[0], p0[0], 'query 0 does');
  });
});

test('queries without any valid negative: loss 0, left out of the mean, counted; empty queue works and backpropagates', () => {
  const s = setup(30);
  // query 2 has no valid negative
  const valid: Valid = (i, j) => i !== 2 && j !== 0;
  const mask = (): Tensor =>
    bool(
      Array.from({ length: 24 }, (_, f) => Math.floor(f / 6) !== 2 && f % 6 !== 0),
      [4, 6],
    );
  tidy(() => {
    const q = t64(s.q, [4, 8]);
    const r = t64(s.r, [4, 2, 8]);
    const k = t64(s.k, [4, 8]);
    const n = t64(s.negs, [6, 8]);
    const out = drasclrLoss({ q, r, kPos: k, negatives: n }, { valid: mask() });
    const local = localRef(s.q, s.k, s.negs, valid, 0.2);
    const neigh = neighbourRef(s.r, s.k, s.negs, valid, 0.2);
    assert.equal(local[2]!.has, false);
    assertClose([out.local.item()], [meanOverHas(local)], { rtol: 1e-12, msg: 'mean over 3 queries' });
    assertClose([out.neighbour!.item()], [meanOverHas(neigh)], { rtol: 1e-12 });
    assertClose([out.loss.item()], [meanOverHas(local) + meanOverHas(neigh)], { rtol: 1e-12, msg: 'L = L_l + L_n' });
    assert.equal(out.queriesWithoutNegatives.item(), 1);
    const per = drasclrLocalLoss(q, k, n, { valid: mask(), reduction: 'none' }).toFloat64Array();
    assert.equal(per[2], 0);
  });
  // an empty queue: K = 0, or every slot unwritten
  for (const [name, negs, valid] of [
    ['K = 0', () => tensor(new Float64Array(0), { shape: [0, 8] }), () => null],
    ['all unwritten', () => t64(s.negs, [6, 8]), () => bool(Array<boolean>(6).fill(false), [6])],
  ] as const) {
    tidy(() => {
      const q = t64(s.q, [4, 8]).requiresGrad_();
      const r = t64(s.r, [4, 2, 8]).requiresGrad_();
      const out = drasclrLoss({ q, r, kPos: t64(s.k, [4, 8]), negatives: negs() }, { valid: valid() });
      assert.equal(out.loss.item(), 0, name);
      assert.equal(out.queriesWithoutNegatives.item(), 4);
      out.loss.backward();
      assert.ok(
        q.grad!.toFloat64Array().every((v) => v === 0),
        `${name}: zero gradient`,
      );
      assert.ok(r.grad!.toFloat64Array().every((v) => v === 0));
    });
  }
});

test('drasclrLoss gradients (q, r, kPos, negatives) match central finite differences, both neighbour forms', () => {
  const s = setup(40, 3, 5, 4, 2);
  const mask = [true, false, true, true, true, true, true, false, true, true, false, true, true, true, true];
  const sets = [s.q.flat(), s.r.flat(2), s.k.flat(), s.negs.flat()];
  const shapes = [
    [3, 4],
    [3, 2, 4],
    [3, 4],
    [5, 4],
  ];
  for (const neighbourForm of ['eq8', 'summedLogits'] as const) {
    const opts = (): DrasclrNeighbourLossOptions => ({ valid: bool(mask, [3, 5]), neighbourForm, temperature: 0.3 });
    const f = (xs: number[][], grad: boolean): { loss: number; grads: Float64Array[] } =>
      tidy(() => {
        const ts = xs.map((x, i) => tensor(Float64Array.from(x), { shape: shapes[i]!, requiresGrad: grad }));
        const out = drasclrLoss({ q: ts[0]!, r: ts[1]!, kPos: ts[2]!, negatives: ts[3]! }, opts());
        if (grad) out.loss.backward();
        return { loss: out.loss.item(), grads: grad ? ts.map((t) => t.grad!.toFloat64Array()) : [] };
      });
    const analytic = f(sets, true).grads;
    const h = 1e-6;
    sets.forEach((x, which) => {
      const numeric = x.map((_, j) => {
        const plus = sets.map((y, w) => (w === which ? y.map((v, i) => (i === j ? v + h : v)) : y));
        const minus = sets.map((y, w) => (w === which ? y.map((v, i) => (i === j ? v - h : v)) : y));
        return (f(plus, false).loss - f(minus, false).loss) / (2 * h);
      });
      assertClose(analytic[which]!, numeric, { rtol: 1e-6, atol: 1e-8, msg: `${neighbourForm}: input ${which}` });
      assert.ok(
        numeric.some((v) => Math.abs(v) > 1e-3),
        `${neighbourForm}: input ${which} matters`,
      );
    });
  }
});

test('drasclr losses: clear errors for bad shapes, masks and temperature', () => {
  tidy(() => {
    const q = tensor(new Float64Array(8), { shape: [2, 4] });
    const k = tensor(new Float64Array(8), { shape: [2, 4] });
    const n = tensor(new Float64Array(12), { shape: [3, 4] });
    const r = tensor(new Float64Array(16), { shape: [2, 2, 4] });
    assert.throws(() => drasclrLocalLoss(q, k, n, { temperature: 0 }), /temperature: expected a finite number > 0/);
    assert.throws(() => drasclrLocalLoss(r, k, n), /drasclrLocalLoss: q: expected \[B, D\], got \[2, 2, 4\]/);
    assert.throws(
      () => drasclrLocalLoss(q, tensor(new Float64Array(4), { shape: [1, 4] }), n),
      /kPos: expected \[2, 4\] \(one positive key per query\), got \[1, 4\]/,
    );
    assert.throws(
      () => drasclrLocalLoss(q, k, tensor(new Float64Array(9), { shape: [3, 3] })),
      /negatives: expected \[K, 4\]/,
    );
    assert.throws(
      () => drasclrLocalLoss(q, k, n, { valid: tensor([1, 1, 0]) }),
      /valid: expected a bool tensor, got float32/,
    );
    assert.throws(
      () => drasclrLocalLoss(q, k, n, { valid: bool([true, false], [2]) }),
      /valid: expected \[3\] or \[2, 3\], got \[2\]/,
    );
    assert.throws(() => drasclrNeighbourLoss(q, k, n), /drasclrNeighbourLoss: r: expected \[B, ℓ, D\]/);
    assert.throws(() => drasclrNeighbourLoss(r, k, n, { neighbourForm: 'mean' as never }), /neighbourForm: expected/);
    assert.throws(() => drasclrLoss({ q, r, kPos: k, negatives: n }, { reduction: 'none' }), /reduction/);
  });
});
