/**
 * Independent float64 references for the transform tests: an affine sampler written with plain loops in centred
 * PIXEL coordinates (no normalised grid, no theta), following the geometry documented in random-affine.ts:
 * an input point p moves to A p + t, A = R · Sh · S, t = translate · size; the output pixel q reads the input at
 * A⁻¹ (q - t). Pixel (i) of an axis of size s has the centred coordinate i - (s - 1)/2 (true for both
 * alignCorners conventions).
 */

export type Padding = { mode: 'zeros'; value?: number } | { mode: 'border' };

export interface Vol {
  /** C-order data of shape [C, ...spatial] */
  data: Float64Array;
  channels: number;
  /** tensor order: [H, W] or [D, H, W] */
  spatial: number[];
}

type Mat = number[][];

export function matMul(a: Mat, b: Mat): Mat {
  return a.map((row) => b[0]!.map((_, j) => row.reduce((s, v, k) => s + v * b[k]![j]!, 0)));
}

export function matVec(a: Mat, v: number[]): number[] {
  return a.map((row) => row.reduce((s, x, k) => s + x * v[k]!, 0));
}

/** inverse by Gauss-Jordan elimination with partial pivoting */
export function matInv(m: Mat): Mat {
  const n = m.length;
  const a = m.map((row, i) => [...row, ...row.map((_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[piv]![c]!)) piv = r;
    [a[c], a[piv]] = [a[piv]!, a[c]!];
    const d = a[c]![c]!;
    for (let j = 0; j < 2 * n; j++) a[c]![j]! /= d;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = a[r]![c]!;
      for (let j = 0; j < 2 * n; j++) a[r]![j]! -= f * a[c]![j]!;
    }
  }
  return a.map((row) => row.slice(n));
}

const rad = (deg: number): number => (deg * Math.PI) / 180;

/** the forward linear part A (xyz) of the documented convention, built from scratch */
export function forwardMatrix(p: {
  readonly rotate: readonly number[];
  readonly scale: readonly number[];
  readonly shear: readonly number[];
}): Mat {
  const d = p.scale.length;
  const S = p.scale.map((s, i) => p.scale.map((_, j) => (i === j ? s : 0)));
  let Sh: Mat;
  let R: Mat;
  if (d === 2) {
    Sh = [
      [1, p.shear[0]!],
      [p.shear[1]!, 1],
    ];
    const a = rad(p.rotate[0]!);
    R = [
      [Math.cos(a), -Math.sin(a)],
      [Math.sin(a), Math.cos(a)],
    ];
  } else {
    const k = p.shear;
    Sh = [
      [1, k[0]!, k[1]!],
      [k[2]!, 1, k[3]!],
      [k[4]!, k[5]!, 1],
    ];
    const [x, y, z] = p.rotate.map(rad) as [number, number, number];
    const Rx = [
      [1, 0, 0],
      [0, Math.cos(x), -Math.sin(x)],
      [0, Math.sin(x), Math.cos(x)],
    ];
    const Ry = [
      [Math.cos(y), 0, Math.sin(y)],
      [0, 1, 0],
      [-Math.sin(y), 0, Math.cos(y)],
    ];
    const Rz = [
      [Math.cos(z), -Math.sin(z), 0],
      [Math.sin(z), Math.cos(z), 0],
      [0, 0, 1],
    ];
    R = matMul(Rz, matMul(Ry, Rx));
  }
  return matMul(R, matMul(Sh, S));
}

/** round half to even (what grid_sample's nearest mode does) */
function roundEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Samples `vol` at the input positions given by `map` (output multi-index in tensor order -> input position in
 * tensor order, pixel units), bilinear/trilinear or nearest.
 */
export function sampleRef(
  vol: Vol,
  map: (outIdx: number[]) => number[],
  mode: 'linear' | 'nearest',
  padding: Padding,
): Float64Array {
  const { spatial, channels } = vol;
  const d = spatial.length;
  const plane = spatial.reduce((a, b) => a * b, 1);
  const out = new Float64Array(channels * plane);
  const at = (c: number, idx: number[]): number => {
    let inside = true;
    const q = idx.map((v, a) => {
      if (padding.mode === 'border') return Math.min(Math.max(v, 0), spatial[a]! - 1);
      if (v < 0 || v >= spatial[a]!) inside = false;
      return v;
    });
    if (!inside) return padding.mode === 'zeros' ? (padding.value ?? 0) : 0;
    let off = 0;
    for (let a = 0; a < d; a++) off = off * spatial[a]! + q[a]!;
    return vol.data[c * plane + off]!;
  };
  for (let o = 0; o < plane; o++) {
    const outIdx: number[] = [];
    let rest = o;
    for (let a = d - 1; a >= 0; a--) {
      outIdx[a] = rest % spatial[a]!;
      rest = Math.floor(rest / spatial[a]!);
    }
    let pos = map(outIdx);
    if (padding.mode === 'border') pos = pos.map((v, a) => Math.min(Math.max(v, 0), spatial[a]! - 1));
    for (let c = 0; c < channels; c++) {
      if (mode === 'nearest') {
        out[c * plane + o] = at(
          c,
          pos.map((v) => roundEven(v)),
        );
        continue;
      }
      const base = pos.map((v) => Math.floor(v));
      const frac = pos.map((v, a) => v - base[a]!);
      let acc = 0;
      for (let corner = 0; corner < 1 << d; corner++) {
        let w = 1;
        const idx: number[] = [];
        for (let a = 0; a < d; a++) {
          const bit = (corner >> (d - 1 - a)) & 1;
          idx.push(base[a]! + bit);
          w *= bit ? frac[a]! : 1 - frac[a]!;
        }
        if (w !== 0) acc += w * at(c, idx);
      }
      out[c * plane + o] = acc;
    }
  }
  return out;
}

/** the reference affine warp of one sample: output index -> input position through A⁻¹ (q - t) */
export function affineMapRef(
  p: {
    readonly rotate: readonly number[];
    readonly translate: readonly number[];
    readonly scale: readonly number[];
    readonly shear: readonly number[];
  },
  spatial: number[],
): (outIdx: number[]) => number[] {
  const d = spatial.length;
  const Ainv = matInv(forwardMatrix(p));
  const sizeXyz = [...spatial].reverse();
  const centre = sizeXyz.map((s) => (s - 1) / 2);
  const t = p.translate.map((f, a) => f * sizeXyz[a]!);
  return (outIdx) => {
    const q = [...outIdx].reverse().map((v, a) => v - centre[a]! - t[a]!); // xyz, centred, minus t
    const pin = matVec(Ainv, q).map((v, a) => v + centre[a]!);
    return pin.reverse().slice(0, d); // back to tensor order
  };
}
