/**
 * Independent float64 references for the readout tests: Gaussian elimination with partial pivoting, matrix
 * helpers, and brute-force survival quantities written with plain loops.
 */

/** Solves A x = b (A n×n row-major) by Gaussian elimination with partial pivoting. */
export function gaussSolve(a: ArrayLike<number>, b: ArrayLike<number>, n: number): number[] {
  const m = Array.from({ length: n }, (_, i) => [...Array.from({ length: n }, (_, j) => a[i * n + j]!), b[i]!]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[piv]![c]!)) piv = r;
    [m[c], m[piv]] = [m[piv]!, m[c]!];
    for (let r = c + 1; r < n; r++) {
      const f = m[r]![c]! / m[c]![c]!;
      for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r]![n]!;
    for (let k = r + 1; k < n; k++) s -= m[r]![k]! * x[k]!;
    x[r] = s / m[r]![r]!;
  }
  return x;
}

/** XᵀX + λI (p×p) and Xᵀy for rows x (n×p) */
export function normalEquations(x: number[][], y: number[], lambda = 0): { a: number[]; b: number[] } {
  const p = x[0]!.length;
  const a = new Array<number>(p * p).fill(0);
  const b = new Array<number>(p).fill(0);
  for (let i = 0; i < x.length; i++) {
    for (let j = 0; j < p; j++) {
      b[j]! += x[i]![j]! * y[i]!;
      for (let k = 0; k < p; k++) a[j * p + k]! += x[i]![j]! * x[i]![k]!;
    }
  }
  for (let j = 0; j < p; j++) a[j * p + j]! += lambda;
  return { a, b };
}

/** Breslow partial log-likelihood by brute force: for each event, a fresh loop over its risk set. */
export function bruteCoxLogLik(x: number[][], time: number[], event: number[], beta: number[]): number {
  const eta = x.map((r) => r.reduce((s, v, j) => s + v * beta[j]!, 0));
  let ll = 0;
  for (let i = 0; i < x.length; i++) {
    if (!event[i]) continue;
    let s = 0;
    for (let j = 0; j < x.length; j++) if (time[j]! >= time[i]!) s += Math.exp(eta[j]!);
    ll += eta[i]! - Math.log(s);
  }
  return ll;
}

/** central finite-difference gradient of f at v */
export function fdGradient(f: (v: number[]) => number, v: number[], h = 1e-5): number[] {
  return v.map((_, k) => {
    const up = v.slice();
    const dn = v.slice();
    up[k]! += h;
    dn[k]! -= h;
    return (f(up) - f(dn)) / (2 * h);
  });
}

/** pair counts by the documented rule, over all ordered pairs (i, j), weight w(i) */
export function bruteConcordance(
  time: number[],
  event: number[],
  score: (i: number, j: number) => number, // > 0 concordant, < 0 discordant, 0 tie
  w: (i: number) => number = () => 1,
): { concordant: number; discordant: number; tied: number; comparable: number } {
  let concordant = 0;
  let discordant = 0;
  let tied = 0;
  let comparable = 0;
  for (let i = 0; i < time.length; i++) {
    for (let j = 0; j < time.length; j++) {
      if (i === j || !event[i]) continue;
      const ok = time[i]! < time[j]! || (time[i] === time[j] && !event[j]);
      if (!ok) continue;
      const wi = w(i);
      comparable += wi;
      const s = score(i, j);
      if (s > 0) concordant += wi;
      else if (s < 0) discordant += wi;
      else tied += wi;
    }
  }
  return { concordant, discordant, tied, comparable };
}

/** Kaplan-Meier of the censoring distribution just before t, by brute force over the distinct times < t */
export function bruteCensoringKM(time: number[], event: number[], t: number): number {
  const distinct = [...new Set(time)].filter((s) => s < t).sort((a, b) => a - b);
  let g = 1;
  for (const s of distinct) {
    const atRisk = time.filter((u) => u >= s).length;
    const cens = time.filter((u, i) => u === s && !event[i]).length;
    g *= 1 - cens / atRisk;
  }
  return g;
}
