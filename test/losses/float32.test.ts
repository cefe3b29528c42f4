/**
 * Losses under mixed precision (src/losses/float32.ts): inside a bf16 autocast scope the losses receive bfloat16
 * embeddings; they must cast them up and compute the similarities, log-sum-exp and means in float32. Checked against
 * float64 loops on the bf16-rounded values, so a loss computed in bf16 (about 3 significant digits) fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { autocast, isAutocastEnabled, tensor, tidy, type Tensor } from '../../src/engine/index.js';
import { float32Loss, normalizeEmbeddings, withoutAutocast } from '../../src/losses/float32.js';
import { infoNCE } from '../../src/losses/infonce.js';
import { supConLoss } from '../../src/losses/supcon.js';
import { drasclrLocalLoss } from '../../src/losses/drasclr.js';
import { Rng } from '../../src/util/rng.js';
import { dot, logSumExp, randomRows, randomUnitRows, type Mat } from './helpers.js';

const bf16 = (m: Mat): Tensor => tensor(m.flat(), { shape: [m.length, m[0]!.length] }).to({ dtype: 'bfloat16' });
const rowsOf = (t: Tensor): Mat => {
  const v = Array.from(t.float().toFloat64Array());
  const [r, c] = t.shape as [number, number];
  return Array.from({ length: r }, (_, i) => v.slice(i * c, (i + 1) * c));
};

/** InfoNCE with a shared negative set, float64 loops */
function infoNCERef(q: Mat, k: Mat, negs: Mat, tau: number): number {
  let total = 0;
  q.forEach((qi, i) => {
    const logits = [dot(qi, k[i]!) / tau, ...negs.map((n) => dot(qi, n) / tau)];
    total += logSumExp(logits) - logits[0]!;
  });
  return total / q.length;
}

test('infoNCE on bf16 embeddings inside a bf16 autocast scope is float32 and matches float64 loops', () => {
  const rng = new Rng(3);
  const [q, k, n] = [randomUnitRows(rng, 16, 64), randomUnitRows(rng, 16, 64), randomUnitRows(rng, 256, 64)];
  tidy(() => {
    const [qt, kt, nt] = [bf16(q), bf16(k), bf16(n)];
    // the reference sees exactly the bf16-rounded inputs
    const ref = infoNCERef(rowsOf(qt), rowsOf(kt), rowsOf(nt), 0.07);
    const loss = autocast({ dtype: 'bfloat16' }, () => infoNCE(qt, kt, nt, { tau: 0.07 }));
    assert.equal(loss.dtype, 'float32');
    const v = loss.item();
    // float32 arithmetic: ~1e-6 relative; the same loss in bf16 misses by ~1e-2
    assert.ok(Math.abs(v - ref) / ref < 2e-5, `infoNCE ${v} vs float64 ${ref}`);
  });
});

test('supConLoss and drasclrLocalLoss accept bf16 inputs (and a float16 queue) and return float32', () => {
  const rng = new Rng(4);
  tidy(() => {
    const z = bf16(randomUnitRows(rng, 12, 32));
    const pos = Array.from({ length: 12 }, (_, i) => Array.from({ length: 12 }, (_, j) => (i % 6 === j % 6 ? 1 : 0)));
    const posT = tensor(pos.flat(), { shape: [12, 12] }).to({ dtype: 'bool' });
    const s = autocast({ dtype: 'bfloat16' }, () => supConLoss(z, posT, { tau: 0.1 }));
    assert.equal(s.loss.dtype, 'float32');
    const zr = rowsOf(z);
    let total = 0;
    for (let i = 0; i < 12; i++) {
      const logits = zr.map((r, j) => (j === i ? -Infinity : dot(zr[i]!, r) / 0.1));
      const lse = logSumExp(logits);
      let sum = 0;
      let c = 0;
      for (let j = 0; j < 12; j++)
        if (j !== i && pos[i]![j]) {
          sum += logits[j]! - lse;
          c++;
        }
      total += -sum / c;
    }
    assert.ok(Math.abs(s.loss.item() - total / 12) < 2e-5 * (total / 12));

    const q = bf16(randomUnitRows(rng, 8, 32));
    const kp = bf16(randomUnitRows(rng, 8, 32));
    const queue = tensor(randomUnitRows(rng, 40, 32).flat(), { shape: [40, 32] }).to({ dtype: 'float16' });
    const l = autocast({ dtype: 'bfloat16' }, () => drasclrLocalLoss(q, kp, queue, { temperature: 0.2 }));
    assert.equal(l.dtype, 'float32');
    const ref = infoNCERef(rowsOf(q), rowsOf(kp), rowsOf(queue), 0.2);
    assert.ok(Math.abs(l.item() - ref) / ref < 2e-5, `drasclrLocalLoss ${l.item()} vs ${ref}`);
  });
});

test('normalizeEmbeddings of a bf16 autocast output is float32 with unit rows; gradients reach float32 weights', () => {
  const rng = new Rng(5);
  const x = tensor(randomRows(rng, 6, 10).flat(), { shape: [6, 10] });
  const w = tensor(randomRows(rng, 10, 8).flat(), { shape: [10, 8], requiresGrad: true });
  const z = autocast({ dtype: 'bfloat16' }, () => {
    const g = x.matmul(w); // bf16 under autocast
    assert.equal(g.dtype, 'bfloat16');
    return normalizeEmbeddings(g);
  });
  assert.equal(z.dtype, 'float32');
  for (const r of rowsOf(z)) assert.ok(Math.abs(Math.sqrt(dot(r, r)) - 1) < 1e-6);
  z.select(1, 0).sum().backward();
  assert.equal(w.grad!.dtype, 'float32');
  assert.ok(Array.from(w.grad!.toFloat64Array()).every(Number.isFinite));
  assert.ok(Array.from(w.grad!.toFloat64Array()).some((v) => v !== 0));
  for (const t of [x, w, z]) t.dispose();
});

test('withoutAutocast turns autocast off inside and restores it; float32 arguments pass through untouched', () => {
  autocast({ dtype: 'bfloat16' }, () => {
    assert.equal(isAutocastEnabled('cpu'), true);
    withoutAutocast(() => assert.equal(isAutocastEnabled('cpu'), false));
    assert.equal(isAutocastEnabled('cpu'), true);
  });
  assert.equal(isAutocastEnabled('cpu'), false);
  const a = tensor([1, 2, 3]);
  const seen: (Tensor | string)[] = [];
  const f = float32Loss((t: Tensor, o: { m: Tensor }) => {
    seen.push(t, o.m.dtype);
    return t.sum();
  });
  const b = tensor([1, 2]).to({ dtype: 'bfloat16' });
  f(a, { m: b }).dispose();
  assert.equal(seen[0], a, 'a float32 tensor is passed as it is');
  assert.equal(seen[1], 'float32', 'a bf16 tensor inside an options object is cast up');
  a.dispose();
  b.dispose();
});
