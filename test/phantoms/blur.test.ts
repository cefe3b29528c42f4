import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boxBlur } from '../../src/phantoms/blur.js';
import { streamRng } from '../../src/phantoms/random.js';

/** brute force: mean over the (2r+1)-window along each axis in turn, edges clamped, in float64 */
function reference(data: Float64Array, shape: number[], radii: number[]): Float64Array {
  let cur = data;
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
  for (let d = 0; d < shape.length; d++) {
    const r = radii[d]!;
    if (r === 0) continue;
    const out = new Float64Array(cur.length);
    for (let p = 0; p < cur.length; p++) {
      const c = Math.floor(p / strides[d]!) % shape[d]!;
      let s = 0;
      for (let k = -r; k <= r; k++) {
        const q = Math.min(shape[d]! - 1, Math.max(0, c + k));
        s += cur[p + (q - c) * strides[d]!]!;
      }
      out[p] = s / (2 * r + 1);
    }
    cur = out;
  }
  return cur;
}

test('boxBlur matches a brute-force clamped moving average (2D and 3D, several radii)', () => {
  const rng = streamRng(3, 0, 0);
  for (const [shape, radii] of [
    [
      [7, 9],
      [1, 2],
    ],
    [
      [5, 6, 8],
      [1, 0, 3],
    ],
    [
      [4, 3, 5],
      [2, 2, 2],
    ],
  ] as [number[], number[]][]) {
    const n = shape.reduce((a, b) => a * b, 1);
    const x = Float32Array.from({ length: n }, () => rng.uniform(-5, 5));
    const got = boxBlur(x, shape, radii);
    const want = reference(Float64Array.from(x), shape, radii);
    for (let i = 0; i < n; i++)
      assert.ok(Math.abs(got[i]! - want[i]!) < 1e-4, `${shape} at ${i}: ${got[i]} vs ${want[i]}`);
  }
});

test('boxBlur: two passes equal blurring the blurred array again; radius 0 is the identity', () => {
  const rng = streamRng(4, 0, 0);
  const x = Float32Array.from({ length: 6 * 10 }, () => rng.next());
  const twice = boxBlur(x, [6, 10], [1, 1], 2);
  const again = boxBlur(boxBlur(x, [6, 10], [1, 1]), [6, 10], [1, 1]);
  assert.deepEqual(Array.from(twice), Array.from(again));
  assert.deepEqual(Array.from(boxBlur(x, [6, 10], [0, 0])), Array.from(x));
});
