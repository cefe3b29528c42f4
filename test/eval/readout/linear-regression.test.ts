import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crossValidatedR2, fitLinearRegression, rSquared } from '../../../src/eval/readout/index.js';
import { Rng } from '../../../src/util/rng.js';
import { assertClose } from '../../engine/helpers.js';
import { gaussSolve, normalEquations } from './reference.js';

function randomRows(rng: Rng, n: number, p: number, scale = 1): number[][] {
  return Array.from({ length: n }, () => Array.from({ length: p }, () => rng.normal(0, scale)));
}

test('OLS: hand example, slope = Sxy/Sxx, intercept = ȳ - slope·x̄, R² = Sxy²/(Sxx·Syy)', () => {
  // x = 1..4, y = 2 3 5 4: x̄ 2.5, ȳ 3.5, Sxy 4, Sxx 5, Syy 5 -> slope 0.8, intercept 1.5, R² 0.64
  const x = [[1], [2], [3], [4]];
  const y = [2, 3, 5, 4];
  const m = fitLinearRegression(x, y);
  assert.ok(Math.abs(m.coef[0]! - 0.8) < 1e-14);
  assert.ok(Math.abs(m.intercept - 1.5) < 1e-14);
  const pred = m.predict(x);
  assertClose(pred, [2.3, 3.1, 3.9, 4.7], { rtol: 0, atol: 1e-14 });
  assert.ok(Math.abs(rSquared(y, pred) - 0.64) < 1e-14);
});

test('OLS: exact recovery of known coefficients on noise-free data, R² = 1', () => {
  const rng = new Rng(1);
  const beta = [1.5, -2, 0.25, 3, -0.7];
  const x = randomRows(rng, 40, 5, 3);
  const y = x.map((r) => 4 + r.reduce((s, v, j) => s + v * beta[j]!, 0));
  const m = fitLinearRegression(x, y);
  assertClose(m.coef, beta, { rtol: 1e-12, atol: 1e-12 });
  assert.ok(Math.abs(m.intercept - 4) < 1e-12);
  assert.ok(Math.abs(rSquared(y, m.predict(x)) - 1) < 1e-14);
  // without an intercept on data generated without one
  const y0 = x.map((r) => r.reduce((s, v, j) => s + v * beta[j]!, 0));
  const m0 = fitLinearRegression(x, y0, { intercept: false });
  assertClose(m0.coef, beta, { rtol: 1e-12, atol: 1e-12 });
  assert.equal(m0.intercept, 0);
});

test('OLS on noisy data: normal equations by Gaussian elimination, textbook R² = corr(y, ŷ)²', () => {
  const rng = new Rng(2);
  const n = 60;
  const x = randomRows(rng, n, 3);
  const y = x.map((r) => 1 + 2 * r[0]! - r[1]! + 0.5 * r[2]! + rng.normal(0, 1.5));
  const m = fitLinearRegression(x, y);
  const aug = x.map((r) => [1, ...r]);
  const { a, b } = normalEquations(aug, y);
  const ref = gaussSolve(a, b, 4);
  assert.ok(Math.abs(m.intercept - ref[0]!) < 1e-12);
  assertClose(m.coef, ref.slice(1), { rtol: 1e-11, atol: 1e-12 });
  const yhat = aug.map((r) => r.reduce((s, v, j) => s + v * ref[j]!, 0));
  const ybar = y.reduce((s, v) => s + v, 0) / n;
  const ssRes = y.reduce((s, v, i) => s + (v - yhat[i]!) ** 2, 0);
  const ssTot = y.reduce((s, v) => s + (v - ybar) ** 2, 0);
  const textbook = 1 - ssRes / ssTot;
  const r2 = rSquared(y, m.predict(x));
  assert.ok(Math.abs(r2 - textbook) < 1e-12, `${r2} vs ${textbook}`);
  // with an intercept, R² equals the squared correlation of y and ŷ
  const hbar = yhat.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (y[i]! - ybar) * (yhat[i]! - hbar);
    sxx += (yhat[i]! - hbar) ** 2;
    syy += (y[i]! - ybar) ** 2;
  }
  assert.ok(Math.abs(r2 - (sxy * sxy) / (sxx * syy)) < 1e-12);
  assert.ok(r2 > 0.3 && r2 < 1);
});

test('ridge without intercept equals (XᵀX + λI)⁻¹Xᵀy', () => {
  const rng = new Rng(3);
  const x = randomRows(rng, 30, 4);
  const y = x.map((r) => r[0]! - 2 * r[3]! + rng.normal(0, 0.5));
  for (const lambda of [0.1, 3, 100]) {
    const m = fitLinearRegression(x, y, { ridge: lambda, intercept: false });
    const { a, b } = normalEquations(x, y, lambda);
    assertClose(m.coef, gaussSolve(a, b, 4), { rtol: 1e-11, atol: 1e-13, msg: `λ = ${lambda}` });
  }
});

test('ridge with an unpenalised intercept equals the closed form on centred data; standardize on z-scores', () => {
  const rng = new Rng(4);
  const n = 25;
  const x = randomRows(rng, n, 3).map((r) => [r[0]! * 10 + 5, r[1]! - 3, r[2]! * 0.1]);
  const y = x.map((r) => 2 + 0.1 * r[0]! + r[1]! + 5 * r[2]! + rng.normal(0, 0.3));
  const lambda = 2;
  const mean = [0, 1, 2].map((j) => x.reduce((s, r) => s + r[j]!, 0) / n);
  const ybar = y.reduce((s, v) => s + v, 0) / n;
  const xc = x.map((r) => r.map((v, j) => v - mean[j]!));
  const yc = y.map((v) => v - ybar);
  const { a, b } = normalEquations(xc, yc, lambda);
  const beta = gaussSolve(a, b, 3);
  const m = fitLinearRegression(x, y, { ridge: lambda });
  assertClose(m.coef, beta, { rtol: 1e-11, atol: 1e-13 });
  assert.ok(Math.abs(m.intercept - (ybar - beta.reduce((s, v, j) => s + v * mean[j]!, 0))) < 1e-11);
  // standardize: the same closed form on z-scored columns (population sd), mapped back to original units
  const sd = [0, 1, 2].map((j) => Math.sqrt(xc.reduce((s, r) => s + r[j]! ** 2, 0) / n));
  const xz = xc.map((r) => r.map((v, j) => v / sd[j]!));
  const z = normalEquations(xz, yc, lambda);
  const betaZ = gaussSolve(z.a, z.b, 3);
  const ms = fitLinearRegression(x, y, { ridge: lambda, standardize: true });
  assertClose(
    ms.coef,
    betaZ.map((v, j) => v / sd[j]!),
    { rtol: 1e-11, atol: 1e-13 },
  );
  const predRef = xz.map((r) => ybar + r.reduce((s, v, j) => s + v * betaZ[j]!, 0));
  assertClose(ms.predict(x), predRef, { rtol: 1e-11, atol: 1e-12 });
  // λ = 0 with standardize is still OLS (scale-equivariant)
  const ols = fitLinearRegression(x, y);
  const olsStd = fitLinearRegression(x, y, { standardize: true });
  assertClose(olsStd.coef, ols.coef, { rtol: 1e-10, atol: 1e-12 });
});

test('ridge solves p > n; OLS refuses it and rank-deficient designs with a clear error', () => {
  const rng = new Rng(5);
  const x = randomRows(rng, 5, 8);
  const y = x.map((r) => r[0]!);
  assert.throws(() => fitLinearRegression(x, y), /5 samples cannot determine 8 coefficients.*ridge/);
  const m = fitLinearRegression(x, y, { ridge: 0.5, intercept: false });
  const { a, b } = normalEquations(x, y, 0.5);
  assertClose(m.coef, gaussSolve(a, b, 8), { rtol: 1e-10, atol: 1e-12 });
  const collinear = randomRows(rng, 10, 2).map((r) => [r[0]!, r[1]!, r[0]! + 2 * r[1]!]);
  assert.throws(
    () =>
      fitLinearRegression(
        collinear,
        collinear.map((r) => r[0]!),
      ),
    /rank deficient \(column 2/,
  );
  const constant = randomRows(rng, 10, 2).map((r) => [r[0]!, 7]);
  assert.throws(
    () =>
      fitLinearRegression(
        constant,
        constant.map((r) => r[0]!),
      ),
    /rank deficient \(column 1/,
  );
  assert.throws(() => fitLinearRegression([[1], [NaN]], [1, 2]), /row 1, column 0\] is NaN/);
  assert.throws(() => fitLinearRegression([[1], [2]], [1]), /y: has 1 entries but there are 2 samples/);
  assert.throws(() => fitLinearRegression([[1], [2], [3]], [1, 2, 3], { ridge: -1 }), /ridge/);
  assert.throws(() => rSquared([2, 2, 2], [1, 2, 3]), /constant/);
});

test('crossValidatedR2: each fold equals a normal-equations fit on the other folds', () => {
  const rng = new Rng(6);
  const n = 47;
  const x = randomRows(rng, n, 2);
  const y = x.map((r) => 0.5 + r[0]! - 0.5 * r[1]! + rng.normal(0, 0.5));
  const cv = crossValidatedR2(x, y, { folds: 5, seed: 3 });
  assert.equal(cv.foldR2.length, 5);
  const sizes = [0, 1, 2, 3, 4].map((f) => cv.foldOf.filter((v) => v === f).length);
  assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `fold sizes ${sizes}`);
  const oof = new Array<number>(n).fill(0);
  const ref: number[] = [];
  for (let f = 0; f < 5; f++) {
    const tr = [...Array(n).keys()].filter((i) => cv.foldOf[i] !== f);
    const te = [...Array(n).keys()].filter((i) => cv.foldOf[i] === f);
    const { a, b } = normalEquations(
      tr.map((i) => [1, ...x[i]!]),
      tr.map((i) => y[i]!),
    );
    const w = gaussSolve(a, b, 3);
    te.forEach((i) => (oof[i] = w[0]! + w[1]! * x[i]![0]! + w[2]! * x[i]![1]!));
    const yt = te.map((i) => y[i]!);
    const mu = yt.reduce((s, v) => s + v, 0) / yt.length;
    const res = te.reduce((s, i) => s + (y[i]! - oof[i]!) ** 2, 0);
    const tot = yt.reduce((s, v) => s + (v - mu) ** 2, 0);
    ref.push(1 - res / tot);
  }
  assertClose(cv.predictions, oof, { rtol: 1e-10, atol: 1e-12 });
  assertClose(cv.foldR2, ref, { rtol: 1e-10, atol: 1e-12 });
  const mean = ref.reduce((s, v) => s + v, 0) / 5;
  assert.ok(Math.abs(cv.mean - mean) < 1e-12);
  assert.ok(Math.abs(cv.std - Math.sqrt(ref.reduce((s, v) => s + (v - mean) ** 2, 0) / 5)) < 1e-12);
  // the same seed gives the same folds; an explicit assignment is honoured
  assert.deepEqual(crossValidatedR2(x, y, { folds: 5, seed: 3 }).foldOf, cv.foldOf);
  const foldOf = Array.from({ length: n }, (_, i) => i % 3);
  assert.deepEqual(Array.from(crossValidatedR2(x, y, { foldOf }).foldOf), foldOf);
  assert.throws(() => crossValidatedR2(x, y, { foldOf: foldOf.slice(1) }), /foldOf has 46 entries/);
});
