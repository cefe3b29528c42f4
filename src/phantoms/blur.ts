/**
 * Separable box blur over a C-order array of 2 or 3 axes (edges clamped); repeated passes approximate a Gaussian
 * (partial-volume edges, detector blur). Radius 0 leaves an axis unchanged.
 */
export function boxBlur(
  data: Float32Array,
  shape: readonly number[],
  radii: readonly number[],
  passes = 1,
): Float32Array {
  let cur = data;
  const strides: number[] = [];
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d]!;
  }
  for (let p = 0; p < passes; p++) {
    for (let d = 0; d < shape.length; d++) {
      const r = Math.round(radii[d] ?? 0);
      if (r <= 0) continue;
      cur = blurAxis(cur, shape, strides, d, r);
    }
  }
  return cur;
}

function blurAxis(
  src: Float32Array,
  shape: readonly number[],
  strides: number[],
  axis: number,
  r: number,
): Float32Array {
  const n = shape[axis]!;
  const st = strides[axis]!;
  const out = new Float32Array(src.length);
  const line = new Float64Array(n + 2 * r);
  const inv = 1 / (2 * r + 1);
  const outer = src.length / (n * st);
  for (let o = 0; o < outer; o++) {
    for (let inner = 0; inner < st; inner++) {
      const start = o * n * st + inner;
      for (let i = -r; i < n + r; i++) {
        const k = i < 0 ? 0 : i >= n ? n - 1 : i;
        line[i + r] = src[start + k * st]!;
      }
      let acc = 0;
      for (let i = 0; i < 2 * r + 1; i++) acc += line[i]!;
      for (let i = 0; i < n; i++) {
        out[start + i * st] = acc * inv;
        if (i + 1 < n) acc += line[i + 2 * r + 1]! - line[i]!;
      }
    }
  }
  return out;
}
