// Independent brute-force references for the metric tests: plain float64 loops over coordinates, no EDT, no crop.
import { Rng } from '../../../src/util/rng.js';

export function unravel(i: number, shape: readonly number[]): number[] {
  const c = new Array<number>(shape.length);
  for (let k = shape.length - 1; k >= 0; k--) {
    c[k] = i % shape[k]!;
    i = Math.floor(i / shape[k]!);
  }
  return c;
}

export function ravel(c: readonly number[], shape: readonly number[]): number {
  let i = 0;
  for (let k = 0; k < shape.length; k++) i = i * shape[k]! + c[k]!;
  return i;
}

/** coordinates of the voxels with label `label` that touch background (or the image border) through a face */
export function bruteSurface(data: ArrayLike<number>, shape: readonly number[], label: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < data.length; i++) {
    if (data[i] !== label) continue;
    const c = unravel(i, shape);
    let edge = false;
    for (let k = 0; k < shape.length; k++) {
      for (const step of [-1, 1]) {
        const nb = [...c];
        nb[k] = nb[k]! + step;
        if (nb[k]! < 0 || nb[k]! >= shape[k]!) edge = true;
        else if (data[ravel(nb, shape)] !== label) edge = true;
      }
    }
    if (edge) out.push(c);
  }
  return out;
}

export function dist(a: readonly number[], b: readonly number[], spacing: readonly number[]): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) {
    const d = (a[k]! - b[k]!) * spacing[k]!;
    s += d * d;
  }
  return Math.sqrt(s);
}

/** for each point of `from`, the distance to the nearest point of `to`, by all pairs */
export function bruteDirected(from: number[][], to: number[][], spacing: readonly number[]): number[] {
  return from.map((p) => {
    let best = Infinity;
    for (const q of to) best = Math.min(best, dist(p, q, spacing));
    return best;
  });
}

/** numpy.percentile, method 'linear', written out independently */
export function npPercentile(values: number[], p: number): number {
  const x = [...values].sort((a, b) => a - b);
  const pos = ((x.length - 1) * p) / 100;
  const i = Math.floor(pos);
  const j = Math.min(i + 1, x.length - 1);
  return x[i]! * (1 - (pos - i)) + x[j]! * (pos - i);
}

export interface BruteHd {
  hd: number;
  hd95Union: number;
  hd95MaxDirected: number;
  assd: number;
  nPred: number;
  nRef: number;
}

export function bruteHausdorff(
  pred: ArrayLike<number>,
  ref: ArrayLike<number>,
  shape: readonly number[],
  spacing: readonly number[],
  label: number,
): BruteHd {
  const sp = bruteSurface(pred, shape, label);
  const sr = bruteSurface(ref, shape, label);
  const dpr = bruteDirected(sp, sr, spacing);
  const drp = bruteDirected(sr, sp, spacing);
  const all = [...dpr, ...drp];
  return {
    hd: Math.max(...all),
    hd95Union: npPercentile(all, 95),
    hd95MaxDirected: Math.max(npPercentile(dpr, 95), npPercentile(drp, 95)),
    assd: all.reduce((a, b) => a + b, 0) / all.length,
    nPred: sp.length,
    nRef: sr.length,
  };
}

/** random label map: a few random ellipsoids (so masks have interiors) plus salt noise of random labels */
export function randomLabels(rng: Rng, shape: readonly number[], numClasses: number, noise = 0.03): Uint8Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Uint8Array(n);
  const blobs = rng.int(2, 6);
  for (let b = 0; b < blobs; b++) {
    const label = rng.int(1, numClasses);
    const centre = shape.map((s) => rng.uniform(0, s));
    const radii = shape.map((s) => rng.uniform(1, Math.max(1.5, s / 3)));
    for (let i = 0; i < n; i++) {
      const c = unravel(i, shape);
      let r = 0;
      for (let k = 0; k < shape.length; k++) r += ((c[k]! - centre[k]!) / radii[k]!) ** 2;
      if (r <= 1) out[i] = label;
    }
  }
  for (let i = 0; i < n; i++) if (rng.next() < noise) out[i] = rng.int(0, numClasses);
  return out;
}
