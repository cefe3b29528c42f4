/**
 * NT-Xent (SimCLR) and MoCo's InfoNCE against float64 loop references, gradients against central finite
 * differences, both view layouts, shared and per-query negatives, the validity mask of a not-yet-full queue, and
 * stability at small tau.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, tidy, type Tensor } from '../../src/engine/index.js';
import { infoNCE, ntXentLoss } from '../../src/losses/infonce.js';
import { supConLoss } from '../../src/losses/supcon.js';
import { Rng } from '../../src/util/rng.js';
import { assertClose } from '../engine/helpers.js';
import { allFinite, dot, numericGrad, randomRows, randomUnitRows, t64, unit, type Mat } from './helpers.js';

/** NT-Xent reference: the partner of view a is found by the layout rule; -log(e^{s_aa'/τ} / Σ_{k≠a} e^{s_ak/τ}) */
function ntXentRef(z: Mat, tau: number, layout: 'stacked' | 'interleaved'): number {
  const m = z.length;
  const n = m / 2;
  let total = 0;
  for (let a = 0; a < m; a++) {
    const partner = layout === 'stacked' ? (a < n ? a + n : a - n) : a % 2 === 0 ? a + 1 : a - 1;
    let denom = 0;
    for (let k = 0; k < m; k++) if (k !== a) denom += Math.exp(dot(z[a]!, z[k]!) / tau);
    total += -Math.log(Math.exp(dot(z[a]!, z[partner]!) / tau) / denom);
  }
  return total / m;
}

/** MoCo InfoNCE reference; negatives per query (B lists) and a validity flag per negative */
function infoNCERef(q: Mat, kPos: Mat, negs: Mat[], valid: number[] | null, tau: number): number {
  let total = 0;
  for (let i = 0; i < q.length; i++) {
    const pos = Math.exp(dot(q[i]!, kPos[i]!) / tau);
    let denom = pos;
    negs[i]!.forEach((nj, j) => {
      if (valid === null || valid[j]) denom += Math.exp(dot(q[i]!, nj) / tau);
    });
    total += -Math.log(pos / denom);
  }
  return total / q.length;
}

function negTensor(negs: Mat[]): Tensor {
  return tensor(Float64Array.from(negs.flat(2)), {
    shape: [negs.length, negs[0]!.length, negs[0]![0]!.length],
    dtype: 'float64',
  });
}

test('ntXentLoss matches the loop reference in both layouts, float64 and float32', () => {
  const rng = new Rng(31);
  for (const layout of ['stacked', 'interleaved'] as const) {
    for (const tau of [0.1, 0.5]) {
      const z = randomUnitRows(rng, 6, 5);
      const ref = ntXentRef(z, tau, layout);
      const v = tidy(() => ntXentLoss(t64(z), { tau, layout }).item());
      assertClose([v], [ref], { rtol: 1e-12, atol: 1e-12, msg: `${layout} ${tau}` });
      const v32 = tidy(() => ntXentLoss(t64(z, { dtype: 'float32' }), { tau, layout }).item());
      assertClose([v32], [ref], { rtol: 1e-5, atol: 1e-5, msg: `float32 ${layout} ${tau}` });
    }
  }
});

test('ntXentLoss equals the SupCon loss with the identity relation (two implementations agree)', () => {
  const rng = new Rng(32);
  const z = randomUnitRows(rng, 8, 4);
  const pos: number[] = [];
  for (let a = 0; a < 8; a++) for (let b = 0; b < 8; b++) pos.push(Math.abs(a - b) === 4 ? 1 : 0);
  const [a, b] = tidy(() => [
    ntXentLoss(t64(z)).item(),
    supConLoss(t64(z), tensor(Uint8Array.from(pos), { shape: [8, 8], dtype: 'bool' })).loss.item(),
  ]);
  assertClose([a!], [b!], { rtol: 1e-12 });
});

test('ntXentLoss gradient matches finite differences; finite at tau 0.05 for equal embeddings (loss log(2N-1))', () => {
  const rng = new Rng(33);
  const z = randomRows(rng, 6, 3).map((r) => r.map((v) => 0.5 * v));
  const g = tidy(() => {
    const x = t64(z, { requiresGrad: true });
    ntXentLoss(x, { tau: 0.2, layout: 'interleaved' }).backward();
    return x.grad!.toArray();
  });
  assertClose(
    g,
    numericGrad((x) => ntXentRef(x, 0.2, 'interleaved'), z),
    { rtol: 1e-6, atol: 1e-7 },
  );
  const row = unit([3, 1, 2]);
  const eq = Array.from({ length: 6 }, () => [...row]);
  const out = tidy(() => {
    const x = t64(eq, { dtype: 'float32', requiresGrad: true });
    const l = ntXentLoss(x, { tau: 0.05 });
    l.backward();
    return { l: l.item(), g: x.grad!.toArray() };
  });
  assertClose([out.l], [Math.log(5)], { rtol: 0, atol: 1e-5 });
  assert.ok(allFinite(out.g));
  assert.throws(() => tidy(() => ntXentLoss(t64(randomUnitRows(rng, 5, 3)))), /even number/);
  assert.throws(() => tidy(() => ntXentLoss(t64(eq), { layout: 'rows' as never })), /layout/);
});

test('infoNCE with a shared queue and with per-query negatives matches the reference', () => {
  const rng = new Rng(34);
  const b = 4;
  const k = 7;
  const q = randomUnitRows(rng, b, 5);
  const kp = randomUnitRows(rng, b, 5);
  const queue = randomUnitRows(rng, k, 5);
  for (const tau of [0.07, 0.2]) {
    const ref = infoNCERef(
      q,
      kp,
      Array.from({ length: b }, () => queue),
      null,
      tau,
    );
    const v = tidy(() => infoNCE(t64(q), t64(kp), t64(queue), { tau }).item());
    assertClose([v], [ref], { rtol: 1e-12, atol: 1e-12, msg: `shared tau ${tau}` });
  }
  const perQuery = Array.from({ length: b }, () => randomUnitRows(rng, k, 5));
  const ref = infoNCERef(q, kp, perQuery, null, 0.2);
  const v = tidy(() => infoNCE(t64(q), t64(kp), negTensor(perQuery), { tau: 0.2 }).item());
  assertClose([v], [ref], { rtol: 1e-12, atol: 1e-12, msg: 'per query' });
});

test('infoNCE: negatives marked invalid are in no denominator (changing them changes nothing)', () => {
  const rng = new Rng(35);
  const q = randomUnitRows(rng, 3, 4);
  const kp = randomUnitRows(rng, 3, 4);
  const queue = randomUnitRows(rng, 5, 4);
  const valid = [1, 0, 1, 1, 0];
  const ref = infoNCERef(q, kp, [queue, queue, queue], valid, 0.1);
  const run = (rows: Mat, withMask: boolean): number =>
    tidy(() =>
      infoNCE(t64(q), t64(kp), t64(rows), {
        tau: 0.1,
        valid: withMask ? tensor(Uint8Array.from(valid), { dtype: 'bool' }) : null,
      }).item(),
    );
  assertClose([run(queue, true)], [ref], { rtol: 1e-12 });
  const changed = queue.map((r, j) => (valid[j] ? r : [...q[j % 3]!]));
  assertClose([run(changed, true)], [ref], { rtol: 1e-12, msg: 'invalid rows rewritten' });
  assert.ok(Math.abs(run(changed, false) - ref) > 1e-3, 'without the mask the rewritten rows count');
});

test('infoNCE gradient with respect to q matches finite differences; finite at tau 0.05 near duplicates', () => {
  const rng = new Rng(36);
  const q = randomRows(rng, 3, 4).map((r) => r.map((v) => 0.5 * v));
  const kp = randomUnitRows(rng, 3, 4);
  const negs = Array.from({ length: 3 }, () => randomUnitRows(rng, 4, 4));
  const valid = [1, 1, 0, 1];
  const g = tidy(() => {
    const x = t64(q, { requiresGrad: true });
    infoNCE(x, t64(kp), negTensor(negs), {
      tau: 0.3,
      valid: tensor(Uint8Array.from(valid), { dtype: 'bool' }),
    }).backward();
    return x.grad!.toArray();
  });
  assertClose(
    g,
    numericGrad((x) => infoNCERef(x, kp, negs, valid, 0.3), q),
    { rtol: 1e-6, atol: 1e-7 },
  );
  const base = unit([1, -2, 0.5, 3]);
  const near = (): number[] => unit(base.map((v) => v + 1e-4 * rng.normal()));
  const out = tidy(() => {
    const x = t64([near(), near()], { dtype: 'float32', requiresGrad: true });
    const l = infoNCE(
      x,
      t64([near(), near()], { dtype: 'float32' }),
      t64([near(), near(), near()], { dtype: 'float32' }),
      {
        tau: 0.05,
      },
    );
    l.backward();
    return { l: l.item(), g: x.grad!.toArray() };
  });
  assert.ok(Number.isFinite(out.l) && allFinite(out.g));
  assertClose([out.l], [Math.log(4)], { rtol: 0, atol: 1e-2, msg: 'near duplicates: about log(1 + K)' });
  assert.throws(() => tidy(() => infoNCE(t64(q), t64(kp), t64([[1, 2, 3]]))), /negatives must have shape/);
});
