import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cholesky, choleskySolve, leastSquaresQR } from '../../../src/eval/readout/index.js';
import { Rng } from '../../../src/util/rng.js';
import { assertClose } from '../../engine/helpers.js';
import { gaussSolve, normalEquations } from './reference.js';

test('leastSquaresQR equals the normal-equations solution; exact for square systems', () => {
  const rng = new Rng(41);
  const m = 30;
  const n = 6;
  const rows = Array.from({ length: m }, () => Array.from({ length: n }, () => rng.normal()));
  const b = Array.from({ length: m }, () => rng.normal());
  const x = leastSquaresQR(Float64Array.from(rows.flat()), m, n, Float64Array.from(b), 'test');
  const ne = normalEquations(rows, b);
  assertClose(x, gaussSolve(ne.a, ne.b, n), { rtol: 1e-11, atol: 1e-13 });
  const sq = rows.slice(0, n);
  const xs = leastSquaresQR(Float64Array.from(sq.flat()), n, n, Float64Array.from(b.slice(0, n)), 'test');
  assertClose(xs, gaussSolve(sq.flat(), b.slice(0, n), n), { rtol: 1e-10, atol: 1e-12 });
  assert.throws(() => leastSquaresQR(new Float64Array(6), 2, 3, new Float64Array(2), 'who'), /who: least squares/);
});

test('cholesky: L Lᵀ reproduces A, solve matches elimination, non-PD gives null', () => {
  const rng = new Rng(42);
  const n = 5;
  const m = Array.from({ length: n * n }, () => rng.normal());
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      for (let k = 0; k < n; k++) a[i * n + j]! += m[k * n + i]! * m[k * n + j]!;
      if (i === j) a[i * n + j]! += 0.1;
    }
  }
  const l = cholesky(a, n)!;
  assert.ok(l !== null);
  const llt = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) llt[i * n + j]! += l[i * n + k]! * l[j * n + k]!;
    for (let j = i + 1; j < n; j++) assert.equal(l[i * n + j], 0);
  }
  assertClose(llt, a, { rtol: 1e-12, atol: 1e-12 });
  const b = [1, -2, 3, 0.5, 0];
  assertClose(choleskySolve(l, n, b), gaussSolve(a, b, n), { rtol: 1e-10, atol: 1e-12 });
  assert.equal(cholesky(Float64Array.from([1, 2, 2, 1]), 2), null);
});
