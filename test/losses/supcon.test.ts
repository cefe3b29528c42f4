/**
 * The multi-positive (SupCon) loss against a float64 reference written with plain loops (similarities, exps, logs
 * by hand), its gradient against central finite differences of that reference, hand values (all-equal embeddings
 * give log(M - 1)), stability at small tau, the skipped-anchor bookkeeping, and the queue variant (invalid slots
 * change nothing).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, tidy, zeros, type Tensor } from '../../src/engine/index.js';
import { supConLoss, supConQueueLoss, queuePositives } from '../../src/losses/supcon.js';
import { expandToViews } from '../../src/relations/expand.js';
import { maskFromPredicate, type RelationMask } from '../../src/relations/mask.js';
import { Rng } from '../../src/util/rng.js';
import { assertClose } from '../engine/helpers.js';
import { allFinite, dot, numericGrad, randomRows, randomUnitRows, t64, unit, type Mat } from './helpers.js';

/** reference: L_i = -1/|P(i)| Σ_p log( exp(s_ip/τ) / Σ_{k≠i} exp(s_ik/τ) ), mean over anchors with positives */
function supConRef(z: Mat, pos: Mat, tau: number): { loss: number; anchors: number } {
  const m = z.length;
  let total = 0;
  let anchors = 0;
  for (let i = 0; i < m; i++) {
    const p: number[] = [];
    for (let j = 0; j < m; j++) if (j !== i && pos[i]![j]) p.push(j);
    if (p.length === 0) continue;
    anchors++;
    // stable denominator: exp(s/τ - max) summed, max over k ≠ i
    let mx = -Infinity;
    for (let k = 0; k < m; k++) if (k !== i) mx = Math.max(mx, dot(z[i]!, z[k]!) / tau);
    let denom = 0;
    for (let k = 0; k < m; k++) if (k !== i) denom += Math.exp(dot(z[i]!, z[k]!) / tau - mx);
    let li = 0;
    for (const j of p) li += dot(z[i]!, z[j]!) / tau - mx - Math.log(denom);
    total += -li / p.length;
  }
  return { loss: total / anchors, anchors };
}

function maskTensor(pos: Mat, dtype: 'bool' | 'uint8' = 'bool'): Tensor {
  return tensor(Uint8Array.from(pos.flat()), { shape: [pos.length, pos.length], dtype });
}

/** 8 views (N = 4 samples, stacked), a hand-made mask: anchors 3 and 6 have no positive */
const POS8: Mat = [
  [0, 1, 0, 0, 1, 0, 0, 0],
  [1, 0, 0, 0, 0, 1, 0, 1],
  [0, 0, 0, 0, 0, 0, 0, 1],
  [0, 0, 0, 0, 0, 0, 0, 0],
  [1, 1, 0, 0, 0, 0, 0, 0],
  [0, 1, 1, 0, 1, 0, 0, 0],
  [0, 0, 0, 0, 0, 0, 0, 0],
  [0, 0, 1, 0, 0, 0, 0, 0],
];

test('supConLoss matches the float64 loop reference on random unit embeddings, skipping anchors without positives', () => {
  const rng = new Rng(11);
  for (const tau of [0.1, 0.5, 0.07]) {
    const z = randomUnitRows(rng, 8, 5);
    const ref = supConRef(z, POS8, tau);
    const out = tidy(() => {
      const r = supConLoss(t64(z), maskTensor(POS8), { tau });
      return { loss: r.loss.item(), anchors: r.anchors, skipped: r.skipped };
    });
    assertClose([out.loss], [ref.loss], { rtol: 1e-12, atol: 1e-12, msg: `tau ${tau}` });
    assert.equal(out.anchors, 6);
    assert.equal(ref.anchors, 6);
    assert.equal(out.skipped, 2);
    // float32 embeddings give the same number to float32 precision
    const f32 = tidy(() => supConLoss(t64(z, { dtype: 'float32' }), maskTensor(POS8), { tau }).loss.item());
    assertClose([f32], [ref.loss], { rtol: 1e-5, atol: 1e-5, msg: `float32, tau ${tau}` });
  }
});

test('supConLoss: a RelationMask, a uint8 tensor and a bool tensor give the same loss; the diagonal is ignored', () => {
  const rng = new Rng(12);
  const z = randomUnitRows(rng, 8, 4);
  const ref = supConRef(z, POS8, 0.1).loss;
  const rel: RelationMask = { n: 8, mask: Uint8Array.from(POS8.flat()) };
  const withDiag = POS8.map((row, i) => row.map((v, j) => (i === j ? 1 : v)));
  const values = tidy(() => [
    supConLoss(t64(z), rel).loss.item(),
    supConLoss(t64(z), maskTensor(POS8, 'uint8')).loss.item(),
    supConLoss(t64(z), maskTensor(withDiag)).loss.item(),
    supConLoss(t64(z), { n: 8, mask: Uint8Array.from(withDiag.flat()) }).loss.item(),
  ]);
  assertClose(values, [ref, ref, ref, ref], { rtol: 1e-12, atol: 1e-12 });
  // the diagonal does not make anchor 3 count
  const r = tidy(() => supConLoss(t64(z), maskTensor(withDiag)));
  assert.equal(r.anchors, 6);
  r.loss.dispose();
});

test('supConLoss with an expanded patient relation (stacked views) against the reference', () => {
  const rng = new Rng(13);
  const patient = [0, 0, 1, 2, 1];
  const n = patient.length;
  const views = expandToViews(maskFromPredicate(n, (i, j) => patient[i] === patient[j]));
  // the reference builds its own 2N×2N mask from the rule: views a = v*N + i, positive when same patient, a ≠ b
  const pos: Mat = [];
  for (let a = 0; a < 2 * n; a++)
    pos.push(Array.from({ length: 2 * n }, (_, b) => (a !== b && patient[a % n] === patient[b % n] ? 1 : 0)));
  const z = randomUnitRows(rng, 2 * n, 6);
  const ref = supConRef(z, pos, 0.1);
  const r = tidy(() => {
    const o = supConLoss(t64(z), views, { tau: 0.1 });
    return { loss: o.loss.item(), anchors: o.anchors, skipped: o.skipped };
  });
  assertClose([r.loss], [ref.loss], { rtol: 1e-12, atol: 1e-12 });
  assert.equal(r.anchors, 2 * n);
  assert.equal(r.skipped, 0);
});

test('supConLoss gradient matches central finite differences of the reference (float64, anchors without positives)', () => {
  const rng = new Rng(14);
  for (const tau of [0.1, 0.5]) {
    const z = randomRows(rng, 8, 3).map((r) => r.map((v) => 0.6 * v));
    const g = tidy(() => {
      const x = t64(z, { requiresGrad: true });
      supConLoss(x, maskTensor(POS8), { tau }).loss.backward();
      return x.grad!.toArray();
    });
    const fd = numericGrad((x) => supConRef(x, POS8, tau).loss, z);
    assertClose(g, fd, { rtol: 1e-6, atol: 1e-7, msg: `tau ${tau}` });
  }
});

test('supConLoss: all-equal embeddings give exactly log(M - 1), finite with finite gradients, at tau 0.05 and 0.001', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    for (const tau of [0.05, 0.001]) {
      const row = unit([1, 2, 3, 4]);
      const z = Array.from({ length: 8 }, () => [...row]);
      const out = tidy(() => {
        const x = t64(z, { dtype, requiresGrad: true });
        const r = supConLoss(x, maskTensor(POS8), { tau });
        r.loss.backward();
        return { loss: r.loss.item(), grad: x.grad!.toArray() };
      });
      // every similarity is 1: each log-probability is log(1 / (M - 1)). In float32 the stored unit rows have
      // dot products 1 ± 1e-7, i.e. logits that differ by ~1e-7/τ: the tolerance scales with 1/τ.
      const atol = dtype === 'float32' ? 2e-7 / tau : 1e-12;
      assertClose([out.loss], [Math.log(7)], { rtol: 0, atol, msg: `${dtype} tau ${tau}` });
      assert.ok(allFinite(out.grad), `${dtype} tau ${tau}: gradient not finite`);
    }
  }
});

test('supConLoss: near-duplicate embeddings at tau 0.05 (and 0.001) stay finite and match the reference', () => {
  const rng = new Rng(15);
  const base = randomUnitRows(rng, 1, 16)[0]!;
  const z = Array.from({ length: 8 }, () => unit(base.map((v) => v + 1e-4 * rng.normal())));
  for (const tau of [0.05, 0.001]) {
    const ref = supConRef(z, POS8, tau).loss;
    for (const dtype of ['float32', 'float64'] as const) {
      const out = tidy(() => {
        const x = t64(z, { dtype, requiresGrad: true });
        const r = supConLoss(x, maskTensor(POS8), { tau });
        r.loss.backward();
        return { loss: r.loss.item(), grad: x.grad!.toArray() };
      });
      assert.ok(Number.isFinite(out.loss), `${dtype} tau ${tau}: loss ${out.loss}`);
      assert.ok(allFinite(out.grad), `${dtype} tau ${tau}: gradient not finite`);
      if (dtype === 'float64') assertClose([out.loss], [ref], { rtol: 1e-9, atol: 1e-9, msg: `tau ${tau}` });
    }
  }
  // well separated embeddings at tiny tau: off-diagonal exps underflow in float32 without the max shift
  const far = randomUnitRows(rng, 8, 3);
  const ref = supConRef(far, POS8, 0.001).loss;
  const v = tidy(() => supConLoss(t64(far, { dtype: 'float32' }), maskTensor(POS8), { tau: 0.001 }).loss.item());
  assert.ok(Number.isFinite(v));
  assertClose([v], [ref], { rtol: 1e-3, msg: 'float32 tau 0.001, separated' });
});

test('supConLoss: temperatureScaling multiplies the loss by tau / 0.07', () => {
  const rng = new Rng(16);
  const z = randomUnitRows(rng, 8, 4);
  for (const tau of [0.1, 0.2]) {
    const ref = supConRef(z, POS8, tau).loss;
    const scaled = tidy(() => supConLoss(t64(z), maskTensor(POS8), { tau, temperatureScaling: true }).loss.item());
    assertClose([scaled], [(ref * tau) / 0.07], { rtol: 1e-12 });
  }
});

test('supConLoss: no positive anywhere throws a clear error; bad shapes and tau are rejected by name', () => {
  const rng = new Rng(17);
  const z = randomUnitRows(rng, 4, 3);
  const empty = Array.from({ length: 4 }, (_, i) => Array.from({ length: 4 }, (_, j) => (i === j ? 1 : 0)));
  assert.throws(() => supConLoss(t64(z), maskTensor(empty)), /no anchor has a positive/);
  assert.throws(
    () =>
      supConLoss(
        t64(z),
        maskTensor([
          [0, 1],
          [1, 0],
        ]),
      ),
    /positives must have shape \[4, 4\]/,
  );
  assert.throws(
    () => supConLoss(t64(z), { n: 2, mask: Uint8Array.from([1, 0, 0, 1]) }),
    /2×2 relation, z has 4 rows.*expandToViews/,
  );
  assert.throws(() => supConLoss(t64(z), maskTensor(POS8.slice(0, 4).map((r) => r.slice(0, 4))), { tau: 0 }), /tau/);
  assert.throws(() => supConLoss(t64([[1, 0]]), maskTensor([[0]])), /at least 2 rows/);
  const z3 = tidy(() => zeros([2, 2, 2]));
  assert.throws(
    () =>
      supConLoss(
        z3,
        maskTensor([
          [0, 1],
          [1, 0],
        ]),
      ),
    /z must be 2-D/,
  );
  z3.dispose();
});

// ---- queue variant ----

/**
 * reference for the queue loss: candidates = [own key, valid queue slots], positives = own key + valid slots with
 * keyPos; L_i = -1/|P| Σ_p log( exp(l_p) / Σ_c exp(l_c) ), mean over queries
 */
function queueRef(q: Mat, own: Mat, queue: Mat, keyPos: Mat, valid: number[], tau: number): number {
  let total = 0;
  for (let i = 0; i < q.length; i++) {
    const cand: number[] = [dot(q[i]!, own[i]!) / tau];
    const posLogits: number[] = [dot(q[i]!, own[i]!) / tau];
    for (let j = 0; j < queue.length; j++) {
      if (!valid[j]) continue;
      const l = dot(q[i]!, queue[j]!) / tau;
      cand.push(l);
      if (keyPos[i]![j]) posLogits.push(l);
    }
    let denom = 0;
    for (const c of cand) denom += Math.exp(c);
    let li = 0;
    for (const p of posLogits) li += Math.log(Math.exp(p) / denom);
    total += -li / posLogits.length;
  }
  return total / q.length;
}

test('supConQueueLoss matches the loop reference; invalid slots change nothing, whatever they hold', () => {
  const rng = new Rng(21);
  const b = 3;
  const k = 6;
  const tau = 0.1;
  const q = randomUnitRows(rng, b, 4);
  const own = randomUnitRows(rng, b, 4);
  const queue = randomUnitRows(rng, k, 4);
  const queryIds = [5, 7, 5];
  const queueIds = [5, 7, 5, 0, 5, 9];
  const valid = [1, 1, 1, 1, 0, 0];
  const keyPos = queryIds.map((pi) => queueIds.map((pj) => (pi === pj ? 1 : 0)));
  const ref = queueRef(q, own, queue, keyPos, valid, tau);
  const run = (queueRows: Mat): number =>
    tidy(() => {
      const pos = tensor(Uint8Array.from(keyPos.flat()), { shape: [b, k], dtype: 'bool' });
      const v = tensor(Uint8Array.from(valid), { dtype: 'bool' });
      const r = supConQueueLoss(t64(q), { own: t64(own), queue: t64(queueRows) }, pos, { tau, valid: v });
      assert.equal(r.anchors, b);
      assert.equal(r.skipped, 0);
      return r.loss.item();
    });
  assertClose([run(queue)], [ref], { rtol: 1e-12, atol: 1e-12 });
  // slot 4 is marked positive for queries 0 and 2 but invalid: overwriting invalid slots (even with a copy of a
  // query, which would dominate the loss if counted) leaves the loss unchanged
  const changed = queue.map((row, j) => (valid[j] ? row : j === 4 ? [...q[0]!] : randomUnitRows(rng, 1, 4)[0]!));
  assertClose([run(changed)], [ref], { rtol: 1e-12, atol: 1e-12, msg: 'invalid slots rewritten' });
  // and counting them (no validity mask) does change it: the test above can fail
  const unmasked = tidy(() =>
    supConQueueLoss(
      t64(q),
      { own: t64(own), queue: t64(changed) },
      tensor(Uint8Array.from(keyPos.flat()), { shape: [b, k], dtype: 'bool' }),
      { tau },
    ).loss.item(),
  );
  assert.ok(Math.abs(unmasked - ref) > 1e-3, 'without the mask the invalid slots should matter');
  const allValid = queueRef(q, own, changed, keyPos, [1, 1, 1, 1, 1, 1], tau);
  assertClose([unmasked], [allValid], { rtol: 1e-12, atol: 1e-12, msg: 'full queue' });
});

test('supConQueueLoss gradient with respect to q matches finite differences (float64)', () => {
  const rng = new Rng(22);
  const b = 3;
  const k = 5;
  const tau = 0.2;
  const q = randomRows(rng, b, 3).map((r) => r.map((v) => 0.5 * v));
  const own = randomUnitRows(rng, b, 3);
  const queue = randomUnitRows(rng, k, 3);
  const keyPos = [
    [1, 0, 0, 1, 0],
    [0, 0, 0, 0, 0],
    [0, 1, 1, 0, 1],
  ];
  const valid = [1, 1, 0, 1, 1];
  const g = tidy(() => {
    const x = t64(q, { requiresGrad: true });
    const pos = tensor(Uint8Array.from(keyPos.flat()), { shape: [b, k], dtype: 'uint8' });
    const v = tensor(Uint8Array.from(valid), { dtype: 'bool' });
    supConQueueLoss(x, { own: t64(own), queue: t64(queue) }, pos, { tau, valid: v }).loss.backward();
    return x.grad!.toArray();
  });
  const fd = numericGrad((x) => queueRef(x, own, queue, keyPos, valid, tau), q);
  assertClose(g, fd, { rtol: 1e-6, atol: 1e-7 });
});

test('supConQueueLoss: an empty queue is plain "own key only" (loss 0); temperatureScaling; shape errors', () => {
  const rng = new Rng(23);
  const q = randomUnitRows(rng, 2, 3);
  const own = randomUnitRows(rng, 2, 3);
  const r = tidy(() =>
    supConQueueLoss(t64(q), { own: t64(own), queue: zeros([0, 3], { dtype: 'float64' }) }, zeros([2, 0]), {
      tau: 0.1,
    }).loss.item(),
  );
  assertClose([r], [0], { atol: 1e-12 });
  const queue = randomUnitRows(rng, 4, 3);
  const kp = [
    [1, 0, 0, 0],
    [0, 0, 1, 1],
  ];
  const ref = queueRef(q, own, queue, kp, [1, 1, 1, 1], 0.1);
  const scaled = tidy(() =>
    supConQueueLoss(t64(q), { own: t64(own), queue: t64(queue) }, tensor(kp, { dtype: 'bool' }), {
      tau: 0.1,
      temperatureScaling: true,
    }).loss.item(),
  );
  assertClose([scaled], [(ref * 0.1) / 0.07], { rtol: 1e-12 });
  assert.throws(
    () => supConQueueLoss(t64(q), { own: t64(own), queue: t64(queue) }, tensor([[1, 0]], { dtype: 'bool' })),
    /keyPositives must have shape \[2, 4\]/,
  );
  assert.throws(
    () =>
      supConQueueLoss(t64(q), { own: t64(own), queue: t64(queue) }, tensor(kp, { dtype: 'bool' }), {
        valid: tensor([1, 1], { dtype: 'bool' }),
      }),
    /valid must have shape \[4\]/,
  );
  assert.throws(
    () => supConQueueLoss(t64(q), { own: t64(own.slice(0, 1)), queue: t64(queue) }, tensor(kp, { dtype: 'bool' })),
    /keys.own must have shape \[2, 3\]/,
  );
});

test('queuePositives: same id, and negative ids (empty slots) never match', () => {
  const m = tidy(() =>
    queuePositives(tensor([3, -1, 0], { dtype: 'int64' }), tensor([0, 3, -1, 3, 0], { dtype: 'int64' })).toArray(),
  );
  assert.deepEqual(m, [0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1]);
});
