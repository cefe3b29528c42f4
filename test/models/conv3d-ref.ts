/**
 * Float64 nested-loop references for the 3D models' tests: convolution (cross-correlation, zero padding), and
 * Loc-CondConv's routing and kernel mixing written out by hand.
 */
export interface Arr {
  data: Float64Array;
  shape: number[];
}

export type Triple = [number, number, number];

/** out[b, o, z, y, x] = bias[o] + Σ_c Σ_kz,ky,kx in[b, c, z·s - p + kz·d, ...] · w[o, c, kz, ky, kx] */
export function conv3dRef(
  x: Arr,
  w: Arr,
  bias: ArrayLike<number> | null,
  o: { stride?: Triple; padding?: Triple; dilation?: Triple } = {},
): Arr {
  const [B, C, D, H, W] = x.shape as [number, number, number, number, number];
  const [O, Cw, KD, KH, KW] = w.shape as [number, number, number, number, number];
  if (Cw !== C) throw new Error(`conv3dRef: weight has ${Cw} input channels, input ${C}`);
  const s = o.stride ?? [1, 1, 1];
  const p = o.padding ?? [0, 0, 0];
  const d = o.dilation ?? [1, 1, 1];
  const out = (n: number, k: number, a: number): number =>
    Math.floor((n + 2 * p[a]! - d[a]! * (k - 1) - 1) / s[a]!) + 1;
  const OD = out(D, KD, 0);
  const OH = out(H, KH, 1);
  const OW = out(W, KW, 2);
  const res = new Float64Array(B * O * OD * OH * OW);
  let i = 0;
  for (let b = 0; b < B; b++)
    for (let oc = 0; oc < O; oc++)
      for (let z = 0; z < OD; z++)
        for (let y = 0; y < OH; y++)
          for (let xx = 0; xx < OW; xx++) {
            let acc = bias ? bias[oc]! : 0;
            for (let c = 0; c < C; c++)
              for (let kz = 0; kz < KD; kz++) {
                const iz = z * s[0] - p[0] + kz * d[0];
                if (iz < 0 || iz >= D) continue;
                for (let ky = 0; ky < KH; ky++) {
                  const iy = y * s[1] - p[1] + ky * d[1];
                  if (iy < 0 || iy >= H) continue;
                  for (let kx = 0; kx < KW; kx++) {
                    const ix = xx * s[2] - p[2] + kx * d[2];
                    if (ix < 0 || ix >= W) continue;
                    acc +=
                      x.data[(((b * C + c) * D + iz) * H + iy) * W + ix]! *
                      w.data[(((oc * C + c) * KD + kz) * KH + ky) * KW + kx]!;
                  }
                }
              }
            res[i++] = acc;
          }
  return { data: res, shape: [B, O, OD, OH, OW] };
}

/** r_n = σ(Σ_a p_a Wr[n, a] + b_n), with the routing layer's weight Wr (N × 3, row-major) and bias (or none) */
export function routingRef(
  p: readonly number[],
  wr: ArrayLike<number>,
  br: ArrayLike<number> | null,
  n: number,
): number[] {
  const r: number[] = [];
  for (let e = 0; e < n; e++) {
    let z = br ? br[e]! : 0;
    for (let a = 0; a < 3; a++) z += p[a]! * wr[e * 3 + a]!;
    r.push(1 / (1 + Math.exp(-z)));
  }
  return r;
}

/** W = Σ_n r_n W_n for experts stored as N consecutive kernels of `size` elements each */
export function mixRef(experts: ArrayLike<number>, r: readonly number[], size: number): Float64Array {
  const w = new Float64Array(size);
  r.forEach((rn, e) => {
    for (let j = 0; j < size; j++) w[j] += rn * experts[e * size + j]!;
  });
  return w;
}

/** x with 3 constant channels appended: channel C + a holds p[a] everywhere */
export function concatLocationRef(x: Arr, p: readonly number[]): Arr {
  const [B, C, D, H, W] = x.shape as [number, number, number, number, number];
  const vox = D * H * W;
  const out = new Float64Array(B * (C + 3) * vox);
  for (let b = 0; b < B; b++) {
    out.set(x.data.subarray(b * C * vox, (b + 1) * C * vox), b * (C + 3) * vox);
    for (let a = 0; a < 3; a++) out.fill(p[a]!, (b * (C + 3) + C + a) * vox, (b * (C + 3) + C + a + 1) * vox);
  }
  return { data: out, shape: [B, C + 3, D, H, W] };
}
