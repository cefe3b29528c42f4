/**
 * Seeded randomness for the phantoms: independent streams per (data set, patient, acquisition) so that a patient's
 * images do not depend on how many patients are generated, Gaussian fields and smooth (low-frequency) noise.
 */
import { Rng } from '../util/rng.js';

/** An independent stream for `(seed, stream, index)`; splitmix64 inside `Rng` decorrelates neighbouring keys. */
export function streamRng(seed: number, stream: number, index: number): Rng {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`phantoms: seed must be a safe integer, got ${seed}`);
  const key = (BigInt.asUintN(32, BigInt(seed)) << 32n) | (BigInt(stream & 0xffff) << 16n) | BigInt(index & 0xffff);
  return new Rng(key);
}

/** `out[i] = mean + std * N(0,1)`, Box-Muller using both outputs of each pair (32-bit uniforms: plenty for noise). */
export function fillNormal(rng: Rng, out: Float32Array, std = 1, mean = 0): Float32Array {
  const n = out.length;
  const inv = 1 / 4294967296;
  for (let i = 0; i < n; i += 2) {
    const u = (rng.nextU32() + 0.5) * inv; // in (0, 1): never log(0)
    const r = std * Math.sqrt(-2 * Math.log(u));
    const a = 2 * Math.PI * rng.nextU32() * inv;
    out[i] = mean + r * Math.cos(a);
    if (i + 1 < n) out[i + 1] = mean + r * Math.sin(a);
  }
  return out;
}

/**
 * Smooth noise with unit-ish standard deviation: N(0,1) values on a coarse lattice of `cells` intervals per axis,
 * interpolated (separable, smoothstep-weighted linear, one axis at a time) to `shape`. Any number of axes.
 */
export function smoothNoise(rng: Rng, shape: readonly number[], cells: readonly number[]): Float32Array {
  if (shape.length !== cells.length)
    throw new RangeError(`smoothNoise: ${shape.length} axes but ${cells.length} cell counts`);
  const cur = cells.map((c) => c + 2);
  let data = fillNormal(rng, new Float32Array(cur.reduce((a, b) => a * b, 1)));
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d]!;
    const m = cur[d]!;
    const idx = new Int32Array(n);
    const wt = new Float32Array(n);
    for (let k = 0; k < n; k++) {
      const t = ((k + 0.5) / n) * cells[d]! + 0.5;
      const i0 = Math.min(Math.floor(t), m - 2);
      const f = t - i0;
      idx[k] = i0;
      wt[k] = f * f * (3 - 2 * f);
    }
    let inner = 1;
    for (let e = d + 1; e < cur.length; e++) inner *= cur[e]!;
    let outer = 1;
    for (let e = 0; e < d; e++) outer *= cur[e]!;
    const out = new Float32Array(outer * n * inner);
    for (let o = 0; o < outer; o++) {
      const sb = o * m * inner;
      const ob = o * n * inner;
      for (let k = 0; k < n; k++) {
        const a = sb + idx[k]! * inner;
        const w = wt[k]!;
        const dst = ob + k * inner;
        for (let q = 0; q < inner; q++) out[dst + q] = data[a + q]! * (1 - w) + data[a + inner + q]! * w;
      }
    }
    data = out;
    cur[d] = n;
  }
  return data;
}

/** A sum of random plane waves `sum_k a_k cos(w_k . q + phi_k)`, used to make boundaries lobulated. */
export interface Waves {
  /** per wave: wx, wy, (wz), phase, amplitude */
  w: Float64Array;
  dims: 2 | 3;
  count: number;
  /** sum of |amplitudes|: a bound on the perturbation */
  bound: number;
}

export function randomWaves(
  rng: Rng,
  dims: 2 | 3,
  count: number,
  freqLow: number,
  freqHigh: number,
  amplitude: number,
): Waves {
  const stride = dims + 2;
  const w = new Float64Array(count * stride);
  let bound = 0;
  for (let k = 0; k < count; k++) {
    // a random direction, a random frequency in [freqLow, freqHigh]
    const v = Array.from({ length: dims }, () => rng.normal());
    const norm = Math.hypot(...v) || 1;
    const f = rng.uniform(freqLow, freqHigh);
    for (let d = 0; d < dims; d++) w[k * stride + d] = (v[d]! / norm) * f;
    w[k * stride + dims] = rng.uniform(0, 2 * Math.PI);
    const a = (amplitude * rng.uniform(0.5, 1.5)) / Math.sqrt(count);
    w[k * stride + dims + 1] = a;
    bound += a;
  }
  return { w, dims, count, bound };
}

export function waves2(wv: Waves, x: number, y: number): number {
  let s = 0;
  const w = wv.w;
  for (let k = 0, o = 0; k < wv.count; k++, o += 4) s += w[o + 3]! * Math.cos(w[o]! * x + w[o + 1]! * y + w[o + 2]!);
  return s;
}

export function waves3(wv: Waves, x: number, y: number, z: number): number {
  let s = 0;
  const w = wv.w;
  for (let k = 0, o = 0; k < wv.count; k++, o += 5)
    s += w[o + 4]! * Math.cos(w[o]! * x + w[o + 1]! * y + w[o + 2]! * z + w[o + 3]!);
  return s;
}

/** ISO date `YYYY-MM-DD` of `start` plus `days` (UTC). */
export function addDays(start: string, days: number): string {
  const t = Date.parse(`${start}T00:00:00Z`);
  if (Number.isNaN(t)) throw new RangeError(`addDays: not an ISO date: ${start}`);
  return new Date(t + Math.round(days) * 86400000).toISOString().slice(0, 10);
}

/** whole days from ISO date a to ISO date b */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86400000);
}

export function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

export function smoothstep(e0: number, e1: number, x: number): number {
  const t = clamp((x - e0) / (e1 - e0), 0, 1);
  return t * t * (3 - 2 * t);
}
