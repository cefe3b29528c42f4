import { test } from 'node:test';
import assert from 'node:assert/strict';
import { padCrop, padCropOffsets } from '../../src/preprocess/padCrop.js';
import { at, makeImage, randomFloats, rotation3, worldOf } from './fixtures.js';

/** naive reference: out[p] = in[p + offset] inside the input, else value */
function reference(
  inShape: number[],
  data: ArrayLike<number>,
  outShape: number[],
  offset: number[],
  value: number,
): number[] {
  const out: number[] = [];
  const nd = inShape.length;
  const idx = new Array<number>(nd).fill(0);
  const total = outShape.reduce((a, b) => a * b, 1);
  for (let f = 0; f < total; f++) {
    let r = f;
    for (let k = nd - 1; k >= 0; k--) {
      idx[k] = r % outShape[k]!;
      r = Math.floor(r / outShape[k]!);
    }
    const src = idx.map((p, k) => p + offset[k]!);
    if (src.every((s, k) => s >= 0 && s < inShape[k]!)) {
      let off = 0;
      for (let k = 0; k < nd; k++) off = off * inShape[k]! + src[k]!;
      out.push(data[off]!);
    } else out.push(value);
  }
  return out;
}

test('offsets on odd and even differences (hand values): the odd voxel is at the end', () => {
  // pad 3 -> 6: 1 before, 2 after; pad 4 -> 6: 1 and 1; pad 4 -> 7: 1 and 2; pad 5 -> 6: 0 and 1
  assert.deepEqual(padCropOffsets([3, 4, 4, 5], [6, 6, 7, 6]), [-1, -1, -1, 0]);
  // crop 7 -> 4: keep [1, 5); 6 -> 3: keep [1, 4); 5 -> 2: keep [1, 3); 6 -> 4: keep [1, 5); 8 -> 3: keep [2, 5)
  assert.deepEqual(padCropOffsets([7, 6, 5, 6, 8], [4, 3, 2, 4, 3]), [1, 1, 1, 1, 2]);
});

test('padCrop on odd/even sizes matches a per-voxel reference with hand-computed offsets', () => {
  const cases: { inShape: number[]; outShape: number[]; offset: number[] }[] = [
    { inShape: [3, 4], outShape: [6, 6], offset: [-1, -1] },
    { inShape: [5, 4], outShape: [6, 7], offset: [0, -1] },
    { inShape: [7, 6], outShape: [4, 3], offset: [1, 1] },
    { inShape: [5, 8], outShape: [2, 3], offset: [1, 2] },
    { inShape: [3, 8], outShape: [6, 5], offset: [-1, 1] }, // pad one axis, crop the other
    { inShape: [4, 3, 5], outShape: [4, 6, 2], offset: [0, -1, 1] },
    { inShape: [2, 5, 5], outShape: [5, 4, 8], offset: [-1, 0, -1] },
  ];
  for (const [c, { inShape, outShape, offset }] of cases.entries()) {
    const n = inShape.reduce((a, b) => a * b, 1);
    const img = makeImage(randomFloats(n, c), inShape);
    const out = padCrop(img, { shape: outShape, value: -7 });
    assert.deepEqual(out.shape, outShape);
    assert.ok(out.data instanceof Float32Array);
    assert.deepEqual(Array.from(out.data), reference(inShape, img.data, outShape, offset, -7), `case ${c}`);
  }
});

test('default value is 0, the input type is kept, null keeps an axis', () => {
  const img = makeImage(Int16Array.from([1, 2, 3, 4, 5, 6]), [1, 2, 3]);
  const out = padCrop(img, { shape: [null, 4, null] });
  assert.ok(out.data instanceof Int16Array);
  assert.deepEqual(out.shape, [1, 4, 3]);
  assert.deepEqual(Array.from(out.data), [0, 0, 0, 1, 2, 3, 4, 5, 6, 0, 0, 0]);
});

test('cropping a padded image back to its size is the identity', () => {
  for (const [n, m] of [
    [5, 8],
    [4, 7],
    [6, 6],
    [3, 10],
  ] as const) {
    const img = makeImage(randomFloats(n * n, n), [n, n]);
    const back = padCrop(padCrop(img, { shape: [m, m], value: 1 }), { shape: [n, n] });
    assert.deepEqual(Array.from(back.data), Array.from(img.data));
    for (let w = 0; w < 2; w++) assert.ok(Math.abs(back.origin[w]! - img.origin[w]!) < 1e-12);
  }
});

test('every kept voxel keeps its world position (rotated direction, anisotropic spacing)', () => {
  const img = makeImage(randomFloats(3 * 5 * 6, 9), [3, 5, 6], {
    spacing: [2.5, 0.7, 0.9],
    origin: [-10, 4, 30],
    direction: rotation3(0.4, -0.2),
  });
  const out = padCrop(img, { shape: [4, 3, 9], value: 0 });
  // offsets: z 3 -> 4 pad 0 before; y 5 -> 3 crop start 1; x 6 -> 9 pad 1 before
  const off = [0, 1, -1];
  for (const p of [
    [0, 0, 1],
    [2, 1, 5],
    [1, 2, 3],
  ]) {
    const src = p.map((v, k) => v + off[k]!);
    assert.equal(at(out, p), at(img, src));
    const a = worldOf(out, p);
    const b = worldOf(img, src);
    for (let w = 0; w < 3; w++) assert.ok(Math.abs(a[w]! - b[w]!) < 1e-9);
  }
  assert.deepEqual(out.spacing, img.spacing);
  assert.deepEqual(out.direction, img.direction);
});

test('bad options are rejected naming the parameter and the source', () => {
  const img = makeImage(new Uint8Array(4), [2, 2], { source: '/x/seg.nii.gz' });
  assert.throws(() => padCrop(img, { shape: [3] }), /^RangeError: padCrop: \/x\/seg\.nii\.gz: shape must list 2 sizes/);
  assert.throws(
    () => padCrop(img, { shape: [3, 0] }),
    /padCrop: \/x\/seg\.nii\.gz: shape\[1\] must be a positive integer, got 0/,
  );
  assert.throws(
    () => padCrop(img, { shape: [3, 3], value: 300 }),
    /padCrop: \/x\/seg\.nii\.gz: value 300 cannot be stored in a Uint8Array image/,
  );
  assert.throws(() => padCrop(img, { shape: [3, 3], value: Number.NaN }), /value NaN cannot be stored/);
});
