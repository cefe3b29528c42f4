/**
 * PolyCL's triplet contrastive loss against a float64 loop reference (the equation as written, with exps), its
 * default tau = 1/M, gradients against finite differences, and stability where the naive exps overflow.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tidy } from '../../src/engine/index.js';
import { tripletContrastiveLoss } from '../../src/losses/triplet.js';
import { Rng } from '../../src/util/rng.js';
import { assertClose } from '../engine/helpers.js';
import { allFinite, dot, numericGrad, randomRows, randomUnitRows, t64, unit, type Mat } from './helpers.js';

/** -log( e^{s+/τ} / (e^{s+/τ} + e^{s-/τ}) ), mean over anchors, computed literally */
function tripletRef(a: Mat, p: Mat, n: Mat, tau: number): number {
  let total = 0;
  for (let i = 0; i < a.length; i++) {
    const ep = Math.exp(dot(a[i]!, p[i]!) / tau);
    const en = Math.exp(dot(a[i]!, n[i]!) / tau);
    total += -Math.log(ep / (ep + en));
  }
  return total / a.length;
}

test('tripletContrastiveLoss matches the reference; tau defaults to 1 / batch size', () => {
  const rng = new Rng(41);
  const [a, p, n] = [0, 1, 2].map(() => randomUnitRows(rng, 5, 6)) as [Mat, Mat, Mat];
  const v = tidy(() => tripletContrastiveLoss(t64(a), t64(p), t64(n), { tau: 0.3 }).item());
  assertClose([v], [tripletRef(a, p, n, 0.3)], { rtol: 1e-12 });
  const d = tidy(() => tripletContrastiveLoss(t64(a), t64(p), t64(n)).item());
  assertClose([d], [tripletRef(a, p, n, 1 / 5)], { rtol: 1e-12, msg: 'default tau 1/M' });
  assert.ok(Math.abs(d - tripletRef(a, p, n, 0.1)) > 1e-6, 'the default is not some other tau');
  const f32 = tidy(() =>
    tripletContrastiveLoss(
      t64(a, { dtype: 'float32' }),
      t64(p, { dtype: 'float32' }),
      t64(n, { dtype: 'float32' }),
    ).item(),
  );
  assertClose([f32], [tripletRef(a, p, n, 1 / 5)], { rtol: 1e-5, atol: 1e-6, msg: 'float32' });
});

test('tripletContrastiveLoss gradient (anchor, positive, negative) matches finite differences', () => {
  const rng = new Rng(42);
  const [a, p, n] = [0, 1, 2].map(() => randomRows(rng, 3, 4).map((r) => r.map((x) => 0.5 * x))) as [Mat, Mat, Mat];
  const g = tidy(() => {
    const ta = t64(a, { requiresGrad: true });
    const tp = t64(p, { requiresGrad: true });
    const tn = t64(n, { requiresGrad: true });
    tripletContrastiveLoss(ta, tp, tn, { tau: 0.5 }).backward();
    return [ta.grad!.toArray(), tp.grad!.toArray(), tn.grad!.toArray()];
  });
  assertClose(
    g[0]!,
    numericGrad((x) => tripletRef(x, p, n, 0.5), a),
    { rtol: 1e-6, atol: 1e-8, msg: 'anchor' },
  );
  assertClose(
    g[1]!,
    numericGrad((x) => tripletRef(a, x, n, 0.5), p),
    { rtol: 1e-6, atol: 1e-8, msg: 'positive' },
  );
  assertClose(
    g[2]!,
    numericGrad((x) => tripletRef(a, p, x, 0.5), n),
    { rtol: 1e-6, atol: 1e-8, msg: 'negative' },
  );
});

test('tripletContrastiveLoss is finite where e^{s/τ} overflows, and equal embeddings give log 2', () => {
  // s+ = -1, s- = +1 at tau 0.001: the literal form overflows (e^1000); the loss is (s- - s+)/τ = 2000
  const a = [unit([1, 0, 0])];
  const out = tidy(() => {
    const ta = t64(a, { dtype: 'float32', requiresGrad: true });
    const l = tripletContrastiveLoss(ta, t64([[-1, 0, 0]], { dtype: 'float32' }), t64(a, { dtype: 'float32' }), {
      tau: 0.001,
    });
    l.backward();
    return { l: l.item(), g: ta.grad!.toArray() };
  });
  assertClose([out.l], [2000], { rtol: 1e-6 });
  assert.ok(allFinite(out.g));
  const eq = tidy(() => tripletContrastiveLoss(t64(a), t64(a), t64(a), { tau: 0.05 }).item());
  assertClose([eq], [Math.log(2)], { rtol: 1e-12 });
  assert.throws(() => tidy(() => tripletContrastiveLoss(t64(a), t64([[1, 0]]), t64(a))), /positive must have shape/);
});
