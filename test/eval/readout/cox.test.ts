import { test } from 'node:test';
import assert from 'node:assert/strict';
import { coxPartialLikelihood, fitCox, toMatrix, toSurvival } from '../../../src/eval/readout/index.js';
import { Rng } from '../../../src/util/rng.js';
import { assertClose } from '../../engine/helpers.js';
import { bruteCoxLogLik, fdGradient } from './reference.js';

/** n subjects with tied (rounded) times and random censoring */
function tiedData(rng: Rng, n: number, p: number): { x: number[][]; time: number[]; event: number[] } {
  const x = Array.from({ length: n }, () => Array.from({ length: p }, () => rng.normal()));
  const time = x.map(() => Math.round(rng.uniform(0, 8))); // only 9 distinct times: many ties
  const event = x.map(() => (rng.next() < 0.7 ? 1 : 0));
  return { x, time, event };
}

test('Cox partial log-likelihood, gradient and information vs brute force and finite differences (with ties)', () => {
  const rng = new Rng(21);
  const { x, time, event } = tiedData(rng, 40, 3);
  const m = toMatrix(x, 'x');
  const surv = toSurvival(time, event, 40, 'test');
  for (const beta of [
    [0, 0, 0],
    [0.5, -1, 0.3],
    [2, 1, -2],
  ]) {
    const pl = coxPartialLikelihood(m, surv, beta);
    const ref = bruteCoxLogLik(x, time, event, beta);
    assert.ok(Math.abs(pl.logLikelihood - ref) < 1e-10 * Math.max(1, Math.abs(ref)), `${pl.logLikelihood} vs ${ref}`);
    const g = fdGradient((b) => bruteCoxLogLik(x, time, event, b), beta, 1e-6);
    assertClose(pl.gradient, g, { rtol: 1e-6, atol: 1e-6, msg: 'gradient' });
    // information = -Hessian: finite differences of the brute-force log-likelihood's FD gradient
    const h = 1e-4;
    for (let a = 0; a < 3; a++) {
      const up = beta.slice();
      const dn = beta.slice();
      up[a]! += h;
      dn[a]! -= h;
      const gu = coxPartialLikelihood(m, surv, up).gradient;
      const gd = coxPartialLikelihood(m, surv, dn).gradient;
      for (let b = 0; b < 3; b++) {
        const fd = -(gu[b]! - gd[b]!) / (2 * h);
        assert.ok(Math.abs(pl.information[a * 3 + b]! - fd) < 1e-5 * Math.max(1, Math.abs(fd)), `I[${a},${b}]`);
      }
    }
  }
});

test('Cox hand example with Breslow ties: β̂ = ln 2, ℓ(β̂) = -3 ln 3, information 2/3, Breslow baseline', () => {
  // A: x=0 t=1 event; B: x=1 t=1 event; C: x=0 t=3 censored; D: x=1 t=2 event. With r = e^β:
  //   t=1, risk {A,B,C,D}, events A and B (Breslow: both use the full set): β - 2 log(2 + 2r)
  //   t=2, risk {C,D}, event D: β - log(1 + r)
  // ℓ(β) = 2β - 2 log 2 - 3 log(1 + r); ℓ'(β) = 2 - 3r/(1 + r) = 0 at r = 2; ℓ'' = -3r/(1 + r)² = -2/3.
  const x = [[0], [1], [0], [1]];
  const time = [1, 1, 3, 2];
  const event = [1, 1, 0, 1];
  const pl0 = coxPartialLikelihood(toMatrix(x, 'x'), toSurvival(time, event, 4, 't'), [0]);
  assert.ok(Math.abs(pl0.logLikelihood - -5 * Math.log(2)) < 1e-14);
  assert.ok(Math.abs(pl0.gradient[0]! - 0.5) < 1e-14); // 2 - 3/2
  const m = fitCox(x, time, event);
  assert.ok(m.converged);
  assert.ok(Math.abs(m.coef[0]! - Math.LN2) < 1e-10, `β = ${m.coef[0]}`);
  assert.ok(Math.abs(m.logLikelihood - -3 * Math.log(3)) < 1e-12);
  const info = coxPartialLikelihood(toMatrix(x, 'x'), toSurvival(time, event, 4, 't'), m.coef).information;
  assert.ok(Math.abs(info[0]! - 2 / 3) < 1e-10);
  // Breslow H₀ for x = 0: jumps 2 / (2 + 2·2) = 1/3 at t = 1 and 1 / (1 + 2) = 1/3 at t = 2
  const s = m.predictSurvival([[0], [1]], [0.5, 1, 1.5, 2.5, 10]);
  const h0 = [0, 1 / 3, 1 / 3, 2 / 3, 2 / 3];
  assertClose(s, [...h0.map((h) => Math.exp(-h)), ...h0.map((h) => Math.exp(-2 * h))], { rtol: 1e-10, atol: 1e-12 });
  assertClose(m.baselineTimes, [1, 2]);
  assertClose(m.predictRisk([[0], [1], [2]]), [0, Math.LN2, 2 * Math.LN2], { rtol: 1e-10, atol: 1e-12 });
});

test('Cox recovers β from exponential times with rate exp(β·x), and the baseline S₀(t) = e^{-t}', () => {
  const rng = new Rng(22);
  const beta = [0.7, -0.5];
  const n = 1500;
  const x: number[][] = [];
  const time: number[] = [];
  const event: number[] = [];
  for (let i = 0; i < n; i++) {
    const xi = [rng.normal(), rng.normal()];
    const rate = Math.exp(beta[0]! * xi[0]! + beta[1]! * xi[1]!);
    const t = -Math.log(1 - rng.next()) / rate;
    const c = -Math.log(1 - rng.next()) / 0.3; // independent exponential censoring
    x.push(xi);
    time.push(Math.min(t, c));
    event.push(t <= c ? 1 : 0);
  }
  const m = fitCox(x, time, event);
  assert.ok(m.converged);
  assert.ok(m.iterations < 15);
  assertClose(m.coef, beta, { rtol: 0, atol: 0.08 });
  // S(t | x = 0) = exp(-t) for the unit baseline rate
  const s = m.predictSurvival([[0, 0]], [0.25, 0.5, 1, 2]);
  assertClose(
    s,
    [0.25, 0.5, 1, 2].map((t) => Math.exp(-t)),
    { rtol: 0, atol: 0.04 },
  );
  // standardize does not change an unpenalised fit (the MLE is scale-equivariant)
  const ms = fitCox(x, time, event, { standardize: true });
  assertClose(ms.coef, m.coef, { rtol: 1e-7, atol: 1e-9 });
});

test('penalised Cox: the gradient of the brute-force penalised log-likelihood vanishes; λ shrinks β', () => {
  const rng = new Rng(23);
  const { x, time, event } = tiedData(rng, 60, 4);
  // give the hazard some signal
  for (let i = 0; i < 60; i++) time[i] = Math.max(0, time[i]! - Math.round(2 * x[i]![0]!));
  let prevNorm = Infinity;
  for (const l2 of [0.5, 5, 50]) {
    const m = fitCox(x, time, event, { l2 });
    assert.ok(m.converged);
    const f = (b: number[]): number => bruteCoxLogLik(x, time, event, b) - 0.5 * l2 * b.reduce((s, v) => s + v * v, 0);
    const g = fdGradient(f, [...m.coef], 1e-6);
    assert.ok(Math.max(...g.map(Math.abs)) < 1e-6, `λ = ${l2}: FD gradient ${g}`);
    assert.ok(Math.abs(m.penalizedLogLikelihood - f([...m.coef])) < 1e-9);
    const norm = Math.hypot(...m.coef);
    assert.ok(norm < prevNorm);
    prevNorm = norm;
  }
});

test('Cox refuses data without events, collinear features, and bad survival input', () => {
  assert.throws(() => fitCox([[1], [2]], [1, 2], [0, 0]), /no events/);
  const rng = new Rng(24);
  const x = Array.from({ length: 20 }, () => {
    const a = rng.normal();
    return [a, 2 * a];
  });
  const t = x.map(() => rng.uniform(0, 5));
  const e = x.map(() => 1);
  assert.throws(() => fitCox(x, t, e), /not positive definite.*l2 penalty/);
  const m = fitCox(x, t, e, { l2: 1 }); // the penalty makes it well posed
  assert.ok(m.converged);
  assert.throws(() => fitCox([[1], [2]], [1, -2], [1, 1]), /time\[1\] = -2 is negative/);
  assert.throws(() => fitCox([[1], [2]], [1, 2], [1, 2]), /event\[1\] = 2 must be 0\/1/);
  assert.throws(() => fitCox([[1], [2]], [1, NaN], [1, 1]), /time\[1\] is NaN/);
});
