import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accuracy, fitLogisticRegression, oneOffAccuracy } from '../../../src/eval/readout/index.js';
import { Rng } from '../../../src/util/rng.js';
import { assertClose } from '../../engine/helpers.js';
import { fdGradient, gaussSolve } from './reference.js';

/** samples x ~ N(0, I_p), y ~ softmax(W x + b) */
function simulate(rng: Rng, n: number, w: number[][], b: number[]): { x: number[][]; y: number[] } {
  const p = w[0]!.length;
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const xi = Array.from({ length: p }, () => rng.normal());
    const logits = w.map((wk, k) => b[k]! + wk.reduce((s, v, j) => s + v * xi[j]!, 0));
    const mx = Math.max(...logits);
    const e = logits.map((l) => Math.exp(l - mx));
    const tot = e.reduce((s, v) => s + v, 0);
    let u = rng.next() * tot;
    let k = 0;
    while (k < e.length - 1 && u >= e[k]!) u -= e[k++]!;
    x.push(xi);
    y.push(k);
  }
  return { x, y };
}

/** the penalised negative log-likelihood, written directly: Σ_i -log softmax_{y_i} + λ/2 ||W||² */
function penalisedNll(x: number[][], y: number[], K: number, theta: number[], l2: number): number {
  const p = x[0]!.length;
  let f = 0;
  for (let i = 0; i < x.length; i++) {
    const l = Array.from(
      { length: K },
      (_, k) => theta[K * p + k]! + x[i]!.reduce((s, v, j) => s + v * theta[k * p + j]!, 0),
    );
    const mx = Math.max(...l);
    f += mx + Math.log(l.reduce((s, v) => s + Math.exp(v - mx), 0)) - l[y[i]!]!;
  }
  for (let q = 0; q < K * p; q++) f += 0.5 * l2 * theta[q]! ** 2;
  return f;
}

test('multinomial logistic recovers the decision boundaries of a known softmax model', () => {
  const rng = new Rng(11);
  const w = [
    [2, 0],
    [-1, 1.5],
    [0, -2],
  ];
  const b = [0.5, 0, -0.5];
  const { x, y } = simulate(rng, 3000, w, b);
  const m = fitLogisticRegression(x, y, { l2: 1e-6 });
  assert.ok(m.converged);
  assert.deepEqual(m.classes, [0, 1, 2]);
  // only differences between classes are identified: compare w_k - w_0 and b_k - b_0 (boundary k vs 0)
  for (const k of [1, 2]) {
    for (let j = 0; j < 2; j++) {
      const got = m.weights[k * 2 + j]! - m.weights[j]!;
      const want = w[k]![j]! - w[0]![j]!;
      assert.ok(Math.abs(got - want) < 0.25, `class ${k} feature ${j}: ${got} vs ${want}`);
    }
    const gotB = m.intercepts[k]! - m.intercepts[0]!;
    assert.ok(Math.abs(gotB - (b[k]! - b[0]!)) < 0.2, `intercept ${k}: ${gotB}`);
  }
  // held-out accuracy close to the Bayes rule's (argmax of the true logits)
  const test = simulate(rng, 2000, w, b);
  const pred = m.predict(test.x);
  const bayes = test.x.map((xi) => {
    const l = w.map((wk, k) => b[k]! + wk[0]! * xi[0]! + wk[1]! * xi[1]!);
    return l.indexOf(Math.max(...l));
  });
  const agree = accuracy(pred, bayes);
  assert.ok(agree > 0.97, `agreement with the Bayes rule ${agree}`);
  const prob = m.predictProba(test.x.slice(0, 5));
  for (let i = 0; i < 5; i++) assert.ok(Math.abs(prob[3 * i]! + prob[3 * i + 1]! + prob[3 * i + 2]! - 1) < 1e-14);
});

test('logistic: the finite-difference gradient of the penalised NLL vanishes at the fitted parameters', () => {
  const rng = new Rng(12);
  const { x, y } = simulate(
    rng,
    200,
    [
      [1, -1, 0.5],
      [0, 1, 1],
      [-1, 0, 0],
      [0.5, 0.5, -1],
    ],
    [0, 0.3, -0.3, 0],
  );
  const K = 4;
  const l2 = 0.7;
  const m = fitLogisticRegression(x, y, { l2 });
  const theta = [...m.weights, ...m.intercepts];
  const f = (t: number[]): number => penalisedNll(x, y, K, t, l2);
  const g = fdGradient(f, theta, 1e-5);
  const scale = Math.max(...g.map(Math.abs), 1e-300);
  assert.ok(scale < 1e-5, `max |∂f/∂θ| = ${scale}`);
  // and the FD gradient is a meaningful test: away from the optimum it is large
  const off = theta.map((v, q) => (q === 0 ? v + 0.5 : v));
  assert.ok(Math.abs(fdGradient(f, off)[0]!) > 1);
  assert.ok(Math.abs(m.objective - f(theta)) < 1e-9 * Math.abs(f(theta)));
  // strictly smaller than at random nearby points
  for (let t = 0; t < 5; t++) assert.ok(f(theta.map((v) => v + rng.normal(0, 1e-2))) > f(theta));
});

test('logistic with 2 classes equals binary logistic regression (Newton in the test) with penalty λ/2', () => {
  const rng = new Rng(13);
  const n = 150;
  const x = Array.from({ length: n }, () => [rng.normal(), rng.normal() * 2]);
  const y = x.map((r) => (rng.next() < 1 / (1 + Math.exp(-(0.3 + r[0]! - 0.8 * r[1]!))) ? 1 : 0));
  const l2 = 2;
  const m = fitLogisticRegression(x, y, { l2 });
  // binary model: minimise Σ log(1 + e^η) - y η + (l2/2)/2 ||v||², η = c + v·x, by Newton with Gaussian elimination
  const lb = l2 / 2;
  let th = [0, 0, 0]; // [c, v0, v1]
  for (let it = 0; it < 50; it++) {
    const g = [0, 0, lb * 0];
    const h = new Array<number>(9).fill(0);
    g[1] = lb * th[1]!;
    g[2] = lb * th[2]!;
    h[4] = lb;
    h[8] = lb;
    for (let i = 0; i < n; i++) {
      const z = [1, x[i]![0]!, x[i]![1]!];
      const eta = z.reduce((s, v, j) => s + v * th[j]!, 0);
      const pr = 1 / (1 + Math.exp(-eta));
      for (let a = 0; a < 3; a++) {
        g[a]! += (pr - y[i]!) * z[a]!;
        for (let c = 0; c < 3; c++) h[a * 3 + c]! += pr * (1 - pr) * z[a]! * z[c]!;
      }
    }
    const step = gaussSolve(h, g, 3);
    th = th.map((v, j) => v - step[j]!);
  }
  const v = [m.weights[2]! - m.weights[0]!, m.weights[3]! - m.weights[1]!];
  assertClose(v, [th[1]!, th[2]!], { rtol: 1e-6, atol: 1e-7 });
  assert.ok(Math.abs(m.intercepts[1]! - m.intercepts[0]! - th[0]!) < 1e-6);
  // the penalty splits v symmetrically: w_1 = -w_0
  assertClose([m.weights[2]!, m.weights[3]!], [-m.weights[0]!, -m.weights[1]!], { rtol: 1e-6, atol: 1e-7 });
  const prob = m.predictProba(x);
  for (let i = 0; i < n; i++) {
    const eta = th[0]! + th[1]! * x[i]![0]! + th[2]! * x[i]![1]!;
    assert.ok(Math.abs(prob[2 * i + 1]! - 1 / (1 + Math.exp(-eta))) < 1e-7);
  }
});

test('logistic: standardize equals fitting on z-scored features; labels need not be 0..K-1', () => {
  const rng = new Rng(14);
  const n = 120;
  const x = Array.from({ length: n }, () => [rng.normal(50, 10), rng.normal(0, 0.01)]);
  const labels = x.map((r) => ((r[0]! - 50) / 10 + (r[1]! / 0.01) * 0.5 + rng.normal(0, 0.5) > 0 ? 7 : 3));
  const m = fitLogisticRegression(x, labels, { standardize: true, l2: 1 });
  assert.deepEqual(m.classes, [3, 7]);
  const mean = [0, 1].map((j) => x.reduce((s, r) => s + r[j]!, 0) / n);
  const sd = [0, 1].map((j) => Math.sqrt(x.reduce((s, r) => s + (r[j]! - mean[j]!) ** 2, 0) / n));
  const z = x.map((r) => r.map((v, j) => (v - mean[j]!) / sd[j]!));
  const mz = fitLogisticRegression(z, labels, { l2: 1 });
  assertClose(m.predictProba(x), mz.predictProba(z), { rtol: 1e-6, atol: 1e-8 });
  const pred = m.predict(x);
  assert.ok(pred.every((v) => v === 3 || v === 7));
  assert.ok(accuracy(pred, labels) > 0.8);
});

test('accuracy and 1-off accuracy by hand; bad labels are refused', () => {
  //        pred  0 1 3 2 0,  truth 0 2 1 2 3 -> exact 2/5, within one 3/5
  assert.equal(accuracy([0, 1, 3, 2, 0], [0, 2, 1, 2, 3]), 2 / 5);
  assert.equal(oneOffAccuracy([0, 1, 3, 2, 0], [0, 2, 1, 2, 3]), 3 / 5);
  assert.equal(oneOffAccuracy([0, 1, 3, 2, 0], [0, 2, 1, 2, 3], 2), 4 / 5);
  assert.throws(() => accuracy([1, 2], [1]), /pred has 2 entries but truth has 1/);
  assert.throws(() => fitLogisticRegression([[1], [2]], [1, 1]), /single class/);
  assert.throws(() => fitLogisticRegression([[1], [2]], [0, 0.5]), /labels\[1\] = 0.5 is not an integer/);
  assert.throws(() => fitLogisticRegression([[1], [2]], [0, 1], { l2: -1 }), /l2/);
});
