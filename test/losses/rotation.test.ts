/**
 * Rotation prediction: rotate90 moves every pixel where a counter-clockwise quarter turn puts it (checked index by
 * index on a non-square image), rotationBatch's order and labels (all four, and seeded random), and rotationLoss
 * against a hand-computed cross-entropy.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { arange, Generator, tensor, tidy } from '../../src/engine/index.js';
import { rotate90, rotationBatch, rotationLoss } from '../../src/losses/rotation.js';
import { assertClose } from '../engine/helpers.js';

/** pixel (r, c) of image n, channel ch in an (N, C, H, W) array holding value = its own flat index */
function val(n: number, ch: number, r: number, c: number, C: number, H: number, W: number): number {
  return ((n * C + ch) * H + r) * W + c;
}

/** where out[r][c] comes from after k counter-clockwise quarter turns of an H×W image (row 0 at the top) */
function source(k: number, r: number, c: number, H: number, W: number): [number, number] {
  switch (k) {
    case 1:
      return [c, W - 1 - r]; // out is W×H: the top row of out is the right column of the input
    case 2:
      return [H - 1 - r, W - 1 - c];
    case 3:
      return [H - 1 - c, r]; // out is W×H: the top row of out is the left column, read bottom-up
    default:
      return [r, c];
  }
}

test('rotate90 puts every pixel where a counter-clockwise quarter turn takes it (non-square, 2 images, 2 channels)', () => {
  const [N, C, H, W] = [2, 2, 3, 4];
  for (const k of [0, 1, 2, 3, 4, -1, 5]) {
    const out = tidy(() => {
      const x = arange(0, N * C * H * W, 1, { dtype: 'float32' }).reshape(N, C, H, W);
      const y = rotate90(x, k);
      return { shape: y.shape, data: y.toArray() };
    });
    const kk = ((k % 4) + 4) % 4;
    const [oh, ow] = kk % 2 ? [W, H] : [H, W];
    assert.deepEqual(out.shape, [N, C, oh, ow], `k ${k}`);
    for (let n = 0; n < N; n++)
      for (let ch = 0; ch < C; ch++)
        for (let r = 0; r < oh; r++)
          for (let c = 0; c < ow; c++) {
            const [sr, sc] = source(kk, r, c, H, W);
            assert.equal(out.data[((n * C + ch) * oh + r) * ow + c], val(n, ch, sr, sc, C, H, W), `k ${k} (${r},${c})`);
          }
  }
  // by hand: [[1, 2], [3, 4]] turned left is [[2, 4], [1, 3]]
  const small = tidy(() => rotate90(tensor([1, 2, 3, 4], { shape: [1, 1, 2, 2] }), 1).toArray());
  assert.deepEqual(small, [2, 4, 1, 3]);
  assert.throws(() => rotate90(tensor([1, 2]), 1), /\(N, C, H, W\)/);
  assert.throws(() => tidy(() => rotate90(tensor([1, 2, 3, 4], { shape: [1, 1, 2, 2] }), 0.5)), /integer/);
});

test("rotationBatch 'all': 4N images ordered by rotation, labels k", () => {
  const [N, C, H] = [3, 1, 3];
  const out = tidy(() => {
    const x = arange(0, N * C * H * H, 1, { dtype: 'float32' }).reshape(N, C, H, H);
    const r = rotationBatch(x);
    return { shape: r.images.shape, data: r.images.toArray(), labels: r.labels.toArray(), dtype: r.labels.dtype };
  });
  assert.deepEqual(out.shape, [4 * N, C, H, H]);
  assert.equal(out.dtype, 'int64');
  assert.deepEqual(out.labels, [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]);
  for (let row = 0; row < 4 * N; row++) {
    const k = Math.floor(row / N);
    const n = row % N;
    for (let r = 0; r < H; r++)
      for (let c = 0; c < H; c++) {
        const [sr, sc] = source(k, r, c, H, H);
        assert.equal(out.data[(row * H + r) * H + c], val(n, 0, sr, sc, C, H, H), `row ${row} (${r},${c})`);
      }
  }
  assert.throws(() => tidy(() => rotationBatch(arange(0, 6, 1, { dtype: 'float32' }).reshape(1, 1, 2, 3))), /square/);
});

test("rotationBatch 'random': one rotation per image, labelled correctly, reproducible with a seed", () => {
  const [N, H] = [16, 2];
  const run = (seed: number): { data: number[]; labels: number[] } =>
    tidy(() => {
      const x = arange(0, N * H * H, 1, { dtype: 'float32' }).reshape(N, 1, H, H);
      const r = rotationBatch(x, { mode: 'random', generator: new Generator(seed) });
      return { data: r.images.toArray(), labels: r.labels.toArray() };
    });
  const a = run(7);
  assert.deepEqual(run(7), a);
  assert.notDeepEqual(run(8).labels, a.labels);
  assert.equal(a.labels.length, N);
  assert.ok(new Set(a.labels).size > 1, 'labels vary');
  for (let n = 0; n < N; n++) {
    const k = a.labels[n]!;
    assert.ok(k >= 0 && k < 4);
    for (let r = 0; r < H; r++)
      for (let c = 0; c < H; c++) {
        const [sr, sc] = source(k, r, c, H, H);
        assert.equal(a.data[(n * H + r) * H + c], val(n, 0, sr, sc, 1, H, H));
      }
  }
});

test('rotationLoss is the mean cross-entropy over 4 classes (hand computation)', () => {
  const logits = [
    [2, 0.5, -1, 0],
    [0, 0, 0, 3],
  ];
  const labels = [0, 2];
  let ref = 0;
  for (let i = 0; i < 2; i++) {
    const s = logits[i]!.reduce((acc, v) => acc + Math.exp(v), 0);
    ref += -Math.log(Math.exp(logits[i]![labels[i]!]!) / s);
  }
  const v = tidy(() => rotationLoss(tensor(logits, { dtype: 'float64' }), tensor(labels, { dtype: 'int64' })).item());
  assertClose([v], [ref / 2], { rtol: 1e-12 });
  assert.throws(() => tidy(() => rotationLoss(tensor([[1, 2, 3]]), tensor([0], { dtype: 'int64' }))), /\(B, 4\)/);
});
