import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, tidy } from '../../src/engine/index.js';
import { Rng } from '../../src/util/rng.js';
import { RandomFlip, flipBatch } from '../../src/transforms/flip.js';
import { randomArray } from '../engine/helpers.js';

/** a 2×6 label: class 1 in the left half, class 2 in the right half, background 0 in column 2 */
const LEFT_RIGHT = [1, 1, 0, 2, 2, 2, 1, 1, 0, 2, 2, 2];

test('flip with swap: class 1 on the left becomes class 2 on the right (and the image mirrors)', () => {
  const img = Float32Array.from({ length: 12 }, (_, i) => i);
  tidy(() => {
    const out = flipBatch(
      { image: tensor(img, { shape: [1, 1, 2, 6] }), label: tensor(LEFT_RIGHT, { shape: [1, 2, 6], dtype: 'int64' }) },
      [true],
      { swapLabels: [[1, 2]] },
    );
    // reference: out[r][c] = swap(in[r][5 - c])
    const swap = (v: number): number => (v === 1 ? 2 : v === 2 ? 1 : v);
    const wantLab: number[] = [];
    const wantImg: number[] = [];
    for (let r = 0; r < 2; r++)
      for (let c = 0; c < 6; c++) {
        wantLab.push(swap(LEFT_RIGHT[r * 6 + 5 - c]!));
        wantImg.push(img[r * 6 + 5 - c]!);
      }
    assert.deepEqual(out.label!.toArray(), wantLab);
    assert.deepEqual(out.image.toArray(), wantImg);
    // the flipped left lung (class 1 at columns 0-1) is now class 2 at columns 4-5
    assert.deepEqual(out.label!.toArray().slice(0, 6), [1, 1, 1, 0, 2, 2]);
  });
});

test('flip without swap keeps class ids; one-hot labels swap channels; swap only in flipped samples', () => {
  tidy(() => {
    const label = tensor([...LEFT_RIGHT, ...LEFT_RIGHT], { shape: [2, 1, 2, 6], dtype: 'int64' });
    const image = tensor(new Float32Array(24), { shape: [2, 1, 2, 6] });
    const plain = flipBatch({ image, label }, [true, false]);
    const l = plain.label!.toArray();
    const mirrored = [0, 1, 2, 3, 4, 5].map((c) => LEFT_RIGHT[5 - c]!);
    assert.deepEqual(l.slice(0, 6), mirrored);
    assert.deepEqual(l.slice(12), LEFT_RIGHT, 'unflipped sample unchanged');
    const swapped = flipBatch({ image, label }, [false, true], { swapLabels: [[1, 2]] }).label!.toArray();
    assert.deepEqual(swapped.slice(0, 12), LEFT_RIGHT, 'unflipped sample keeps its ids');
    assert.deepEqual(
      swapped.slice(12, 18),
      mirrored.map((v) => (v === 1 ? 2 : v === 2 ? 1 : v)),
    );
    // one-hot (N, K=3, H, W) float: channel k is 1 where the class is k
    const oneHot: number[] = [];
    for (let k = 0; k < 3; k++) for (const v of LEFT_RIGHT) oneHot.push(v === k ? 1 : 0);
    const oh = flipBatch(
      { image: tensor(new Float32Array(12), { shape: [1, 1, 2, 6] }), label: tensor(oneHot, { shape: [1, 3, 2, 6] }) },
      [true],
      { swapLabels: [[1, 2]] },
    ).label!.toArray();
    // decode argmax per pixel and compare with the id result
    const ids: number[] = [];
    for (let p = 0; p < 12; p++) ids.push([0, 1, 2].find((k) => oh[k * 12 + p] === 1)!);
    const idOut = flipBatch(
      { image: tensor(new Float32Array(12), { shape: [1, 1, 2, 6] }), label: tensor(LEFT_RIGHT, { shape: [1, 2, 6] }) },
      [true],
      { swapLabels: [[1, 2]] },
    ).label!.toArray();
    assert.deepEqual(ids, idOut);
  });
});

test('flip axes y and z on a 3D volume', () => {
  const vol = Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => i);
  tidy(() => {
    const image = tensor(vol, { shape: [1, 1, 2, 3, 4] });
    const y = flipBatch({ image }, [true], { axis: 'y' }).image.toArray();
    const z = flipBatch({ image }, [true], { axis: 'z' }).image.toArray();
    for (let d = 0; d < 2; d++)
      for (let h = 0; h < 3; h++)
        for (let w = 0; w < 4; w++) {
          assert.equal(y[d * 12 + h * 4 + w], vol[d * 12 + (2 - h) * 4 + w]);
          assert.equal(z[d * 12 + h * 4 + w], vol[(1 - d) * 12 + h * 4 + w]);
        }
    assert.throws(
      () => flipBatch({ image: tensor(new Float32Array(4), { shape: [1, 1, 2, 2] }) }, [true], { axis: 'z' }),
      /axis 'z' needs a 3D/,
    );
  });
});

test('RandomFlip: per-sample decisions, deterministic per seed, labels keep their value set', () => {
  const rng = new Rng(3);
  const n = 40;
  const img = randomArray(rng, n * 12);
  const run = (seed: number): { image: number[]; label: number[] } =>
    tidy(() => {
      const out = new RandomFlip({ p: 0.5, swapLabels: [[1, 2]] }).apply(
        {
          image: tensor(img, { shape: [n, 1, 2, 6] }),
          label: tensor(Array.from({ length: n }, () => LEFT_RIGHT).flat(), { shape: [n, 2, 6], dtype: 'int64' }),
        },
        new Rng(seed),
      );
      return { image: out.image.toArray(), label: out.label!.toArray() };
    });
  const a = run(1);
  assert.deepEqual(a, run(1));
  assert.notDeepEqual(a.image, run(2).image);
  let flipped = 0;
  for (let i = 0; i < n; i++) {
    const s = a.image.slice(i * 12, (i + 1) * 12);
    const orig = img.slice(i * 12, (i + 1) * 12);
    const isFlipped = s.every((v, k) => v === orig[Math.floor(k / 6) * 6 + 5 - (k % 6)]);
    const isSame = s.every((v, k) => v === orig[k]);
    assert.ok(isFlipped || isSame, `sample ${i} neither flipped nor unchanged`);
    if (isFlipped) {
      flipped++;
      // the label moved with its image and swapped ids: the left lung (1, columns 0-1) is class 2 at columns 4-5
      assert.deepEqual(a.label.slice(i * 12, (i + 1) * 12), [1, 1, 1, 0, 2, 2, 1, 1, 1, 0, 2, 2]);
    } else assert.deepEqual(a.label.slice(i * 12, (i + 1) * 12), LEFT_RIGHT);
  }
  assert.ok(flipped > 10 && flipped < 30, `${flipped} of ${n} flipped with p 0.5`);
  assert.ok(a.label.every((v) => v === 0 || v === 1 || v === 2));
});

test('RandomFlip: validation', () => {
  assert.throws(() => new RandomFlip({ swapLabels: [[1, 1]] }), /RandomFlip: swapLabels/);
  assert.throws(
    () =>
      new RandomFlip({
        swapLabels: [
          [1, 2],
          [2, 3],
        ],
      }),
    /RandomFlip: swapLabels/,
  );
  assert.throws(() => new RandomFlip({ swapLabels: [[-1, 2]] }), /RandomFlip: swapLabels/);
  assert.throws(() => new RandomFlip({ p: -0.1 }), /RandomFlip: p/);
  assert.throws(() => new RandomFlip({ axis: 'w' as 'x' }), /RandomFlip: axis/);
  tidy(() => {
    const oh = tensor(new Float32Array(2 * 4), { shape: [1, 2, 2, 2] });
    assert.throws(
      () =>
        flipBatch({ image: tensor(new Float32Array(4), { shape: [1, 1, 2, 2] }), label: oh }, [true], {
          swapLabels: [[1, 2]],
        }),
      /out of range for a one-hot label with 2 channels/,
    );
  });
});
