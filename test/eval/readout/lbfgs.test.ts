import { test } from 'node:test';
import assert from 'node:assert/strict';
import { minimizeLbfgs } from '../../../src/eval/readout/index.js';
import { Rng } from '../../../src/util/rng.js';
import { assertClose } from '../../engine/helpers.js';
import { gaussSolve } from './reference.js';

/** chained Rosenbrock f = Σ 100 (x_{i+1} - x_i²)² + (1 - x_i)², minimum 0 at all ones */
function rosenbrock(x: Float64Array, g: Float64Array): number {
  g.fill(0);
  let f = 0;
  for (let i = 0; i + 1 < x.length; i++) {
    const a = x[i + 1]! - x[i]! * x[i]!;
    const b = 1 - x[i]!;
    f += 100 * a * a + b * b;
    g[i]! += -400 * a * x[i]! - 2 * b;
    g[i + 1]! += 200 * a;
  }
  return f;
}

test('L-BFGS minimises the 2-D Rosenbrock function from (-1.2, 1)', () => {
  const r = minimizeLbfgs(rosenbrock, [-1.2, 1]);
  assert.ok(r.converged, `reason ${r.reason}`);
  assertClose(r.x, [1, 1], { rtol: 0, atol: 1e-6 });
  assert.ok(r.f < 1e-12, `f = ${r.f}`);
  assert.ok(r.iterations < 100, `${r.iterations} iterations`);
});

test('L-BFGS minimises the 20-D chained Rosenbrock function', () => {
  const x0 = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? -1.2 : 1));
  const r = minimizeLbfgs(rosenbrock, x0, { memory: 5 });
  assert.ok(r.converged, `reason ${r.reason}`);
  assertClose(r.x, new Array(20).fill(1), { rtol: 0, atol: 1e-5 });
});

test('L-BFGS finds the minimiser A⁻¹b of a convex quadratic (Gaussian elimination reference)', () => {
  const rng = new Rng(7);
  const n = 12;
  const m = Array.from({ length: n * n }, () => rng.normal());
  const a = new Array<number>(n * n).fill(0); // A = MᵀM + I, SPD and badly scaled on purpose
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      for (let k = 0; k < n; k++) a[i * n + j]! += m[k * n + i]! * m[k * n + j]!;
      if (i === j) a[i * n + j]! += 1 + 10 * i;
    }
  }
  const b = Array.from({ length: n }, () => rng.normal());
  const quad = (x: Float64Array, g: Float64Array): number => {
    let f = 0;
    for (let i = 0; i < n; i++) {
      let ax = 0;
      for (let j = 0; j < n; j++) ax += a[i * n + j]! * x[j]!;
      g[i] = ax - b[i]!;
      f += 0.5 * x[i]! * ax - b[i]! * x[i]!;
    }
    return f;
  };
  const r = minimizeLbfgs(quad, new Float64Array(n));
  assert.ok(r.converged);
  // stops where f no longer resolves a decrease (relative 1e-15): |∇f| ~ 1e-7, x within ~1e-7 relative
  assert.ok(r.gradientNorm < 1e-6, `|∇f| = ${r.gradientNorm}`);
  assertClose(r.x, gaussSolve(a, b, n), { rtol: 1e-6, atol: 1e-9 });
});

test('L-BFGS reports non-convergence and refuses a non-finite start', () => {
  const r = minimizeLbfgs(rosenbrock, [-1.2, 1], { maxIterations: 3 });
  assert.equal(r.converged, false);
  assert.equal(r.reason, 'max-iterations');
  assert.equal(r.iterations, 3);
  assert.throws(
    () =>
      minimizeLbfgs(
        (x, g) => {
          g.fill(0);
          return Math.log(x[0]!);
        },
        [-1],
      ),
    /not finite at the starting point/,
  );
  // an objective that is infinite away from a region: the line search backs off instead of failing
  const barrier = (x: Float64Array, g: Float64Array): number => {
    // f = x - log(x) (minimum at 1), +∞ for x ≤ 0
    if (x[0]! <= 0) {
      g[0] = NaN;
      return Infinity;
    }
    g[0] = 1 - 1 / x[0]!;
    return x[0]! - Math.log(x[0]!);
  };
  const rb = minimizeLbfgs(barrier, [20]);
  assert.ok(rb.converged);
  assert.ok(Math.abs(rb.x[0]! - 1) < 1e-7);
});
