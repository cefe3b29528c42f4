/**
 * PIRL's loss against a float64 loop reference of λ·L_NCE(m_I, g(v_{I^t})) + (1-λ)·L_NCE(m_I, f(v_I)), its
 * gradients (finite differences for f and g, none for the bank rows), and a step with a real MemoryBank.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, tidy } from '../../src/engine/index.js';
import { pirlLoss, PIRL_LAMBDA, PIRL_TAU } from '../../src/losses/pirl.js';
import { MemoryBank } from '../../src/queues/memory-bank.js';
import { Rng } from '../../src/util/rng.js';
import { assertClose } from '../engine/helpers.js';
import { dot, numericGrad, randomRows, randomUnitRows, rowsOf, t64, type Mat } from './helpers.js';

/** L_NCE(m_I, x) = -log( e^{s(x,m_I)/τ} / (e^{s(x,m_I)/τ} + Σ_j e^{s(x,n_j)/τ}) ), mean over the batch */
function nceRef(x: Mat, mem: Mat, negs: Mat[], tau: number): number {
  let total = 0;
  for (let i = 0; i < x.length; i++) {
    const pos = Math.exp(dot(x[i]!, mem[i]!) / tau);
    let denom = pos;
    for (const nj of negs[i]!) denom += Math.exp(dot(x[i]!, nj) / tau);
    total += -Math.log(pos / denom);
  }
  return total / x.length;
}

function pirlRef(f: Mat, g: Mat, mem: Mat, negs: Mat[], tau: number, lambda: number): number {
  return lambda * nceRef(g, mem, negs, tau) + (1 - lambda) * nceRef(f, mem, negs, tau);
}

function negTensor(negs: Mat[]) {
  return tensor(Float64Array.from(negs.flat(2)), {
    shape: [negs.length, negs[0]!.length, negs[0]![0]!.length],
    dtype: 'float64',
  });
}

test("pirlLoss matches λ·L_NCE(m, g) + (1-λ)·L_NCE(m, f) computed by loops; defaults are PIRL's (τ 0.07, λ 0.5)", () => {
  assert.equal(PIRL_TAU, 0.07);
  assert.equal(PIRL_LAMBDA, 0.5);
  const rng = new Rng(61);
  const [b, k, d] = [3, 5, 4];
  const f = randomUnitRows(rng, b, d);
  const g = randomUnitRows(rng, b, d);
  const mem = randomUnitRows(rng, b, d);
  const negs = Array.from({ length: b }, () => randomUnitRows(rng, k, d));
  const out = tidy(() => {
    const r = pirlLoss(t64(f), t64(g), t64(mem), negTensor(negs));
    const r2 = pirlLoss(t64(f), t64(g), t64(mem), negTensor(negs), { tau: 0.2, lambda: 0.8 });
    return [r.loss.item(), r.transformed.item(), r.original.item(), r2.loss.item()];
  });
  assertClose(
    out,
    [
      pirlRef(f, g, mem, negs, 0.07, 0.5),
      nceRef(g, mem, negs, 0.07),
      nceRef(f, mem, negs, 0.07),
      pirlRef(f, g, mem, negs, 0.2, 0.8),
    ],
    { rtol: 1e-12 },
  );
  assert.throws(() => tidy(() => pirlLoss(t64(f), t64(g), t64(mem), negTensor(negs), { lambda: 2 })), /lambda/);
});

test('pirlLoss gradients: finite differences for f and g; the bank rows and negatives get none', () => {
  const rng = new Rng(62);
  const [b, k, d] = [2, 4, 3];
  const f = randomRows(rng, b, d).map((r) => r.map((v) => 0.5 * v));
  const g = randomRows(rng, b, d).map((r) => r.map((v) => 0.5 * v));
  const mem = randomUnitRows(rng, b, d);
  const negs = Array.from({ length: b }, () => randomUnitRows(rng, k, d));
  const out = tidy(() => {
    const tf = t64(f, { requiresGrad: true });
    const tg = t64(g, { requiresGrad: true });
    const tm = t64(mem, { requiresGrad: true });
    const tn = negTensor(negs).requiresGrad_();
    pirlLoss(tf, tg, tm, tn, { tau: 0.3 }).loss.backward();
    return { gf: tf.grad!.toArray(), gg: tg.grad!.toArray(), gm: tm.grad, gn: tn.grad };
  });
  assertClose(
    out.gf,
    numericGrad((x) => pirlRef(x, g, mem, negs, 0.3, 0.5), f),
    { rtol: 1e-6, atol: 1e-8 },
  );
  assertClose(
    out.gg,
    numericGrad((x) => pirlRef(f, x, mem, negs, 0.3, 0.5), g),
    { rtol: 1e-6, atol: 1e-8 },
  );
  assert.equal(out.gm, null);
  assert.equal(out.gn, null);
});

test('pirlLoss with a MemoryBank: bank rows and sampled negatives feed the loss, then the EMA update', () => {
  const rng = new Rng(63);
  const bank = new MemoryBank({ size: 10, dim: 4, seed: 3, dtype: 'float64' });
  const idx = [2, 7];
  const f = randomUnitRows(rng, 2, 4);
  const g = randomUnitRows(rng, 2, 4);
  const out = tidy(() => {
    const mem = bank.get(idx);
    const negRows = bank.sampleNegatives(idx, 6);
    const rows = negRows.toArray();
    const all = rowsOf(bank.features.toArray(), 4);
    const memRows = rowsOf(mem.toArray(), 4);
    const negs = [0, 1].map((i) => rows.slice(i * 6, (i + 1) * 6).map((r) => all[r]!));
    const loss = pirlLoss(t64(f), t64(g), mem, bank.features.indexSelect(0, negRows.reshape(-1)).reshape(2, 6, 4)).loss;
    return { loss: loss.item(), ref: pirlRef(f, g, memRows, negs, 0.07, 0.5), rows };
  });
  assertClose([out.loss], [out.ref], { rtol: 1e-12 });
  for (let i = 0; i < 2; i++) for (const r of out.rows.slice(i * 6, (i + 1) * 6)) assert.notEqual(r, idx[i]);
  bank.dispose();
});
