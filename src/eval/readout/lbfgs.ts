/**
 * Limited-memory BFGS (Nocedal & Wright, Numerical Optimization, 2nd ed.: two-loop recursion, alg. 7.4/7.5) with a
 * line search satisfying the strong Wolfe conditions (alg. 3.5 bracketing + 3.6 zoom with safeguarded cubic
 * interpolation), c1 = 1e-4, c2 = 0.9, initial Hessian γ I with γ = sᵀy / yᵀy (eq. 7.20). Used by the logistic
 * readout; general enough for any smooth objective.
 *
 * Stops when ||∇f||∞ ≤ gradientTolerance (converged), when the relative decrease
 * (f_k - f_{k+1}) / max(|f_k|, |f_{k+1}|, 1) ≤ functionTolerance (converged, scipy's `ftol` rule), after
 * maxIterations (not converged), or when no step along the current direction decreases f (not converged unless the
 * gradient is already small). A pair with sᵀy ≤ 1e-10·|s||y| is not stored (keeps the inverse Hessian positive
 * definite); a failed line search clears the memory and retries once along -∇f.
 */
import { infNorm } from './linalg.js';

/** Returns f(x) and writes ∇f(x) into `grad`. */
export type Objective = (x: Float64Array, grad: Float64Array) => number;

export interface LbfgsOptions {
  /** number of stored correction pairs (default 10) */
  memory?: number;
  /** default 1000 */
  maxIterations?: number;
  /** stop when ||∇f||∞ ≤ this (default 1e-8) */
  gradientTolerance?: number;
  /** stop when the relative decrease of f is ≤ this (default 1e-15) */
  functionTolerance?: number;
  /** function evaluations allowed per line search (default 30) */
  maxLineSearch?: number;
}

export interface LbfgsResult {
  x: Float64Array;
  f: number;
  /** ||∇f(x)||∞ */
  gradientNorm: number;
  iterations: number;
  evaluations: number;
  converged: boolean;
  reason: 'gradient' | 'function' | 'max-iterations' | 'line-search';
}

const C1 = 1e-4;
const C2 = 0.9;

/** The last m correction pairs (s, y) and the two-loop recursion over them (alg. 7.4). */
class LbfgsMemory {
  private readonly s: Float64Array[] = [];
  private readonly y: Float64Array[] = [];
  private readonly rho: number[] = [];
  private readonly alpha: Float64Array;
  constructor(private readonly m: number) {
    this.alpha = new Float64Array(m);
  }
  get size(): number {
    return this.s.length;
  }
  clear(): void {
    this.s.length = this.y.length = this.rho.length = 0;
  }
  /** stores the pair unless sᵀy ≤ 1e-10·|s||y| (keeps H positive definite), dropping the oldest beyond m */
  add(s: Float64Array, y: Float64Array): void {
    const sy = dot(s, y);
    if (!(sy > 1e-10 * Math.sqrt(dot(s, s) * dot(y, y)))) return;
    if (this.s.length === this.m) {
      this.s.shift();
      this.y.shift();
      this.rho.shift();
    }
    this.s.push(s);
    this.y.push(y);
    this.rho.push(1 / sy);
  }
  /** d = -H ∇f, with H₀ = γ I, γ = sᵀy / yᵀy of the newest pair (eq. 7.20) */
  direction(g: Float64Array, d: Float64Array): void {
    const n = g.length;
    for (let i = 0; i < n; i++) d[i] = -g[i]!;
    const k = this.s.length;
    for (let j = k - 1; j >= 0; j--) {
      const a = this.rho[j]! * dot(this.s[j]!, d);
      this.alpha[j] = a;
      axpy(-a, this.y[j]!, d);
    }
    if (k > 0) {
      const yl = this.y[k - 1]!;
      const gamma = dot(this.s[k - 1]!, yl) / dot(yl, yl);
      for (let i = 0; i < n; i++) d[i] = d[i]! * gamma;
    }
    for (let j = 0; j < k; j++) {
      const b = this.rho[j]! * dot(this.y[j]!, d);
      axpy(this.alpha[j]! - b, this.s[j]!, d);
    }
  }
}

export function minimizeLbfgs(fun: Objective, x0: ArrayLike<number>, options: LbfgsOptions = {}): LbfgsResult {
  const m = options.memory ?? 10;
  const maxIter = options.maxIterations ?? 1000;
  const gtol = options.gradientTolerance ?? 1e-8;
  const ftol = options.functionTolerance ?? 1e-15;
  const maxLs = options.maxLineSearch ?? 30;
  if (!(Number.isInteger(m) && m >= 1)) throw new Error(`minimizeLbfgs: options.memory must be an integer >= 1`);
  const n = x0.length;
  let x: Float64Array = Float64Array.from(x0);
  let g: Float64Array = new Float64Array(n);
  let evaluations = 1;
  let f = fun(x, g);
  if (!Number.isFinite(f) || !g.every(Number.isFinite)) {
    throw new Error(`minimizeLbfgs: the objective or its gradient is not finite at the starting point (f = ${f})`);
  }
  const memory = new LbfgsMemory(m);
  const d = new Float64Array(n);
  let iterations = 0;
  let reason: LbfgsResult['reason'] = 'max-iterations';
  let retried = false;
  while (true) {
    const gnorm = infNorm(g);
    if (gnorm <= gtol) {
      reason = 'gradient';
      break;
    }
    if (iterations >= maxIter) {
      reason = 'max-iterations';
      break;
    }
    memory.direction(g, d);
    let dg = dot(d, g);
    if (!(dg < 0)) {
      // not a descent direction (numerical trouble): restart from steepest descent
      memory.clear();
      for (let i = 0; i < n; i++) d[i] = -g[i]!;
      dg = dot(d, g);
    }
    const alpha0 = memory.size === 0 ? Math.min(1, 1 / Math.sqrt(dot(g, g))) : 1;
    const ls = lineSearch(fun, x, f, g, d, dg, alpha0, maxLs);
    evaluations += ls.evaluations;
    if (!ls.ok) {
      if (memory.size > 0 && !retried) {
        memory.clear();
        retried = true;
        continue;
      }
      reason = 'line-search';
      break;
    }
    retried = false;
    iterations++;
    const s = new Float64Array(n);
    const yv = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = ls.x[i]! - x[i]!;
      yv[i] = ls.g[i]! - g[i]!;
    }
    const fOld = f;
    x = ls.x;
    g = ls.g;
    f = ls.f;
    memory.add(s, yv);
    if ((fOld - f) / Math.max(Math.abs(fOld), Math.abs(f), 1) <= ftol) {
      reason = 'function';
      break;
    }
  }
  const gradientNorm = infNorm(g);
  const converged = reason === 'gradient' || reason === 'function' || gradientNorm <= gtol;
  return { x, f, gradientNorm, iterations, evaluations, converged, reason };
}

interface LineSearchResult {
  ok: boolean;
  x: Float64Array;
  f: number;
  g: Float64Array;
  evaluations: number;
}

interface Point {
  a: number;
  f: number;
  dg: number;
  x: Float64Array;
  g: Float64Array;
}

/** Strong Wolfe line search along d from x (Nocedal & Wright alg. 3.5 and 3.6). */
function lineSearch(
  fun: Objective,
  x: Float64Array,
  f0: number,
  g0: Float64Array,
  d: Float64Array,
  dg0: number,
  alpha0: number,
  maxEval: number,
): LineSearchResult {
  const n = x.length;
  let evaluations = 0;
  const evaluate = (a: number): Point => {
    const xa = new Float64Array(n);
    for (let i = 0; i < n; i++) xa[i] = x[i]! + a * d[i]!;
    const ga = new Float64Array(n);
    const fa = fun(xa, ga);
    evaluations++;
    const ok = Number.isFinite(fa) && ga.every(Number.isFinite);
    return { a, f: ok ? fa : Infinity, dg: ok ? dot(ga, d) : NaN, x: xa, g: ga };
  };
  const armijo = (p: Point): boolean => p.f <= f0 + C1 * p.a * dg0;
  const curvature = (p: Point): boolean => Math.abs(p.dg) <= -C2 * dg0;
  const done = (p: Point): LineSearchResult => ({ ok: true, x: p.x, f: p.f, g: p.g, evaluations });
  const start: Point = { a: 0, f: f0, dg: dg0, x, g: g0 };
  let prev = start;
  let a = alpha0;
  // bracketing phase
  let lo: Point | null = null;
  let hi: Point | null = null;
  while (evaluations < maxEval) {
    const p = evaluate(a);
    if (!Number.isFinite(p.f) || !armijo(p) || (prev.a > 0 && p.f >= prev.f)) {
      lo = prev;
      hi = p;
      break;
    }
    if (curvature(p)) return done(p);
    if (p.dg >= 0) {
      lo = p;
      hi = prev;
      break;
    }
    prev = p;
    a *= 2;
  }
  if (lo === null || hi === null) {
    // ran out of evaluations while extrapolating: the last point decreased f, accept it
    return prev.a > 0 ? done(prev) : { ok: false, x, f: f0, g: g0, evaluations };
  }
  // zoom phase: lo satisfies Armijo and has the lowest f so far; the minimiser lies between lo and hi
  while (evaluations < maxEval) {
    const width = hi.a - lo.a;
    let a = interpolate(lo, hi);
    const left = Math.min(lo.a, hi.a);
    const right = Math.max(lo.a, hi.a);
    const margin = 0.1 * Math.abs(width);
    if (!Number.isFinite(a) || a < left + margin || a > right - margin) a = (lo.a + hi.a) / 2;
    if (Math.abs(width) <= 1e-16 * Math.max(1, Math.abs(lo.a))) break;
    const p = evaluate(a);
    if (!Number.isFinite(p.f) || !armijo(p) || p.f >= lo.f) {
      hi = p;
    } else {
      if (curvature(p)) return done(p);
      if (p.dg * (hi.a - lo.a) >= 0) hi = lo;
      lo = p;
    }
  }
  // no strong Wolfe point found: accept the best Armijo point if it moved
  return lo.a > 0 ? done(lo) : { ok: false, x, f: f0, g: g0, evaluations };
}

/** minimiser of the cubic matching f and f' at both points (N&W eq. 3.59); NaN when it does not exist */
function interpolate(p: Point, q: Point): number {
  if (!Number.isFinite(q.f) || !Number.isFinite(q.dg)) return NaN;
  const d1 = p.dg + q.dg - (3 * (p.f - q.f)) / (p.a - q.a);
  const disc = d1 * d1 - p.dg * q.dg;
  if (!(disc >= 0)) return NaN;
  const d2 = Math.sign(q.a - p.a) * Math.sqrt(disc);
  return q.a - ((q.a - p.a) * (q.dg + d2 - d1)) / (q.dg - p.dg + 2 * d2);
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function axpy(alpha: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i] = y[i]! + alpha * x[i]!;
}
