import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resample, resampledSize } from '../../src/preprocess/resample.js';
import type { Image } from '../../src/io/image.js';
import { Rng } from '../../src/util/rng.js';
import { makeImage, randomFloats, rotation3, worldOf, indexOf } from './fixtures.js';

/**
 * Naive reference: for every output voxel, its world point from the OUTPUT geometry, mapped into the input's
 * continuous index space with the INPUT geometry, then per-voxel linear interpolation over the 2^nd corners
 * (coordinates clamped to the first/last voxel centre) or nearest (floor(x + 0.5)). Float64 throughout.
 */
function reference(img: Image, out: Image, mode: 'linear' | 'nearest'): { values: Float64Array; ties: Uint8Array } {
  const nd = img.shape.length;
  const total = out.shape.reduce((a, b) => a * b, 1);
  const values = new Float64Array(total);
  const ties = new Uint8Array(total);
  const p = new Array<number>(nd).fill(0);
  const value = (idx: number[]) => {
    let off = 0;
    for (let k = 0; k < nd; k++) off = off * img.shape[k]! + idx[k]!;
    return img.data[off]!;
  };
  for (let f = 0; f < total; f++) {
    let r = f;
    for (let k = nd - 1; k >= 0; k--) {
      p[k] = r % out.shape[k]!;
      r = Math.floor(r / out.shape[k]!);
    }
    const x = indexOf(img, worldOf(out, p)).map((v, k) => Math.min(Math.max(v, 0), img.shape[k]! - 1));
    if (mode === 'nearest') {
      values[f] = value(x.map((v) => Math.floor(v + 0.5)));
      if (x.some((v) => Math.abs(v - Math.floor(v) - 0.5) < 1e-6)) ties[f] = 1;
      continue;
    }
    let acc = 0;
    for (let corner = 0; corner < 1 << nd; corner++) {
      let w = 1;
      const idx: number[] = [];
      for (let k = 0; k < nd; k++) {
        const i0 = Math.floor(x[k]!);
        const hi = (corner >> k) & 1;
        const i = Math.min(i0 + hi, img.shape[k]! - 1);
        const t = x[k]! - i0;
        w *= hi ? t : 1 - t;
        idx.push(i);
      }
      if (w !== 0) acc += w * value(idx);
    }
    values[f] = acc;
  }
  return { values, ties };
}

test('output size = round-half-up(n * s / t), at least 1 (hand values)', () => {
  assert.equal(resampledSize(5, 0.7, 1), 4); // 3.5
  assert.equal(resampledSize(10, 2.5, 1), 25);
  assert.equal(resampledSize(512, 0.7, 1), 358); // 358.4
  assert.equal(resampledSize(3, 1, 2), 2); // 1.5
  assert.equal(resampledSize(1, 1, 5), 1); // 0.2, clamped to 1
  assert.equal(resampledSize(3, 0.3, 0.2), 5); // 4.499999999999999 in float64 is 4.5
  assert.equal(resampledSize(9, 0.3, 1.8), 2); // 1.4999999999999998 is 1.5
});

test('trilinear to 1 mm isotropic matches a naive per-voxel resampler (anisotropic spacing, rotated direction)', () => {
  for (const seed of [1, 2]) {
    const img = makeImage(randomFloats(7 * 9 * 11, seed), [7, 9, 11], {
      spacing: [2.5, 0.7, 0.9],
      origin: [-20, 35.5, 100],
      direction: rotation3(0.5 * seed, 0.3),
      source: '/copd/ct.nii.gz',
    });
    const out = resample(img);
    // z 17.5 -> 18, y 6.3 -> 6, x 9.9 -> 10
    assert.deepEqual(out.shape, [18, 6, 10]);
    assert.deepEqual(out.spacing, [1, 1, 1]);
    assert.deepEqual(out.direction, img.direction);
    assert.equal(out.source, '/copd/ct.nii.gz');
    assert.ok(out.data instanceof Float32Array);
    const ref = reference(img, out, 'linear').values;
    let worst = 0;
    for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(out.data[i]! - ref[i]!));
    assert.ok(worst < 1e-3, `max |diff| ${worst}`);
  }
});

test('the centre of the physical extent stays put; spacing, size and origin follow the documented rule', () => {
  const img = makeImage(new Float32Array(5 * 8 * 13), [5, 8, 13], {
    spacing: [3, 0.8, 0.75],
    origin: [1, 2, 3],
    direction: rotation3(1.1, -0.4),
  });
  const out = resample(img, { spacing: [2, null, 1.1] });
  assert.deepEqual(out.shape, [8, 8, 9]); // 7.5 -> 8, kept, 8.86 -> 9
  assert.deepEqual(out.spacing, [2, 0.8, 1.1]);
  const centre = (im: Image) =>
    worldOf(
      im,
      im.shape.map((n) => (n - 1) / 2),
    );
  const a = centre(img),
    b = centre(out);
  for (let w = 0; w < 3; w++) assert.ok(Math.abs(a[w]! - b[w]!) < 1e-9);
});

test('in-plane resampling keeps the slices', () => {
  const img = makeImage(randomFloats(4 * 10 * 7, 5), [4, 10, 7], { spacing: [5, 0.7, 1.3], origin: [0, 0, -40] });
  const out = resample(img, { spacing: 1, axes: 'inPlane' });
  assert.deepEqual(out.shape, [4, 7, 9]); // 7 -> 7, 9.1 -> 9
  assert.deepEqual(out.spacing, [5, 1, 1]);
  assert.equal(out.origin[2], -40); // z untouched (identity direction: origin[2] is z)
  const ref = reference(img, out, 'linear').values;
  for (let i = 0; i < ref.length; i++) assert.ok(Math.abs(out.data[i]! - ref[i]!) < 1e-3);
});

test('2D images resample too; the target spacing equal to the input is a copy', () => {
  const img = makeImage(randomFloats(6 * 9, 8), [6, 9], { spacing: [1.25, 0.6] });
  const out = resample(img, { spacing: [0.5, 1.5], interpolation: 'linear' });
  assert.deepEqual(out.shape, [15, 4]); // 15, 3.6 -> 4
  const ref = reference(img, out, 'linear').values;
  for (let i = 0; i < ref.length; i++) assert.ok(Math.abs(out.data[i]! - ref[i]!) < 1e-3);
  const same = resample(img, { spacing: [1.25, 0.6] });
  assert.deepEqual(Array.from(same.data), Array.from(img.data));
  assert.deepEqual(same.origin, img.origin);
});

test('nearest resampling of labels keeps only existing label values and picks the nearest voxel', () => {
  const rng = new Rng(4);
  const labels = [0, 1, 2, 5, 200];
  const data = Uint8Array.from({ length: 6 * 7 * 9 }, () => labels[rng.int(0, labels.length)]!);
  const img = makeImage(data, [6, 7, 9], {
    spacing: [2.5, 0.9, 0.7],
    origin: [3, -2, 8],
    direction: rotation3(0.2, 0.9),
  });
  const out = resample(img, { spacing: 1, interpolation: 'nearest' });
  assert.ok(out.data instanceof Uint8Array);
  assert.deepEqual(out.shape, [15, 6, 6]);
  for (const v of out.data) assert.ok(labels.includes(v));
  const { values, ties } = reference(img, out, 'nearest');
  let checked = 0;
  for (let i = 0; i < values.length; i++) {
    if (ties[i]) continue;
    assert.equal(out.data[i], values[i]);
    checked++;
  }
  assert.ok(checked > values.length / 2);
  // integer types wider than float32's mantissa stay exact
  const big = makeImage(Int32Array.from([2 ** 30 + 1, 2 ** 30 + 3, -7, 123456789]), [2, 2], { spacing: [2, 2] });
  const up = resample(big, { spacing: 1, interpolation: 'nearest' });
  assert.ok(up.data instanceof Int32Array);
  assert.ok(Array.from(up.data).every((v) => Array.from(big.data).includes(v)));
});

test('bad options are rejected naming the parameter and the source', () => {
  const img = makeImage(new Float32Array(8), [2, 2, 2], { source: '/mmwhs/ct_1001.nii.gz' });
  assert.throws(
    () => resample(img, { spacing: 0 }),
    /^RangeError: resample: \/mmwhs\/ct_1001\.nii\.gz: spacing must be finite and > 0, got 0/,
  );
  assert.throws(
    () => resample(img, { spacing: [1, -1, 1] }),
    /resample: \/mmwhs\/ct_1001\.nii\.gz: spacing\[1\] must be finite and > 0, got -1/,
  );
  assert.throws(() => resample(img, { spacing: [1, 1] }), /spacing must list 3 values/);
  assert.throws(() => resample(img, { spacing: [1, 1, 1], axes: 'inPlane' }), /axes applies only to a numeric spacing/);
  assert.throws(
    () => resample(img, { interpolation: 'cubic' as 'linear' }),
    /interpolation must be 'linear' or 'nearest'/,
  );
  assert.throws(
    () => resample(makeImage(new Float32Array(4), [4], { source: '/a' })),
    /resample: \/a: expected a 2D or 3D image/,
  );
});
