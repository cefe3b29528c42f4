import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resize2d } from '../../src/preprocess/resize2d.js';
import { at, makeImage, maxAbsDiff, randomFloats, worldOf } from './fixtures.js';
import type { Image } from '../../src/io/image.js';

/** bilinear as torch.nn.functional.interpolate(align_corners=False, antialias=False), written per pixel */
function torchBilinear(img: Image, oh: number, ow: number): Float64Array {
  const [h, w] = img.shape as [number, number];
  const out = new Float64Array(oh * ow);
  const src = (n: number, m: number, d: number) => Math.max(0, (n / m) * (d + 0.5) - 0.5);
  for (let j = 0; j < oh; j++) {
    const y = src(h, oh, j);
    const y0 = Math.floor(y);
    const y1 = Math.min(y0 + 1, h - 1);
    const ly = y - y0;
    for (let i = 0; i < ow; i++) {
      const x = src(w, ow, i);
      const x0 = Math.floor(x);
      const x1 = Math.min(x0 + 1, w - 1);
      const lx = x - x0;
      const v = (yy: number, xx: number) => img.data[Math.min(yy, h - 1) * w + Math.min(xx, w - 1)]!;
      out[j * ow + i] =
        (1 - ly) * ((1 - lx) * v(y0, x0) + lx * v(y0, x1)) + ly * ((1 - lx) * v(y1, x0) + lx * v(y1, x1));
    }
  }
  return out;
}

/** PIL-style antialiased bilinear as one 2D weighted sum over all input pixels (not separable passes) */
function pilBilinear(img: Image, oh: number, ow: number): Float64Array {
  const [h, w] = img.shape as [number, number];
  const sy = h / oh,
    sx = w / ow;
  const supy = Math.max(sy, 1),
    supx = Math.max(sx, 1);
  const out = new Float64Array(oh * ow);
  for (let j = 0; j < oh; j++)
    for (let i = 0; i < ow; i++) {
      const cy = (j + 0.5) * sy,
        cx = (i + 0.5) * sx;
      let num = 0,
        den = 0;
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const wgt =
            Math.max(0, 1 - Math.abs((y + 0.5 - cy) / supy)) * Math.max(0, 1 - Math.abs((x + 0.5 - cx) / supx));
          num += wgt * img.data[y * w + x]!;
          den += wgt;
        }
      out[j * ow + i] = num / den;
    }
  return out;
}

test('2 x 2 -> 4 x 4 bilinear by hand', () => {
  const img = makeImage(Float32Array.from([0, 1, 2, 3]), [2, 2]);
  const out = resize2d(img, { shape: [4, 4] });
  // output (1, 1) samples input (0.25, 0.25): 0*.5625 + 1*.1875 + 2*.1875 + 3*.0625 = 0.75
  assert.ok(Math.abs(at(out, [1, 1]) - 0.75) < 1e-7);
  // output (0, 0) samples (-0.25, -0.25), clamped to the corner
  assert.equal(at(out, [0, 0]), 0);
  // output (3, 2) samples (1.25 -> 1, 0.75): 2*.25 + 3*.75 = 2.75
  assert.ok(Math.abs(at(out, [3, 2]) - 2.75) < 1e-7);
});

test('plain bilinear equals the per-pixel torch formula (up, down, mixed, non-integer ratios)', () => {
  for (const [h, w, oh, ow] of [
    [7, 5, 16, 11],
    [37, 23, 8, 9],
    [13, 40, 29, 6],
    [5, 5, 5, 12],
  ] as const) {
    const img = makeImage(randomFloats(h * w, h * 100 + w), [h, w]);
    const out = resize2d(img, { shape: [oh, ow], antialias: false });
    assert.ok(out.data instanceof Float32Array);
    assert.deepEqual(out.shape, [oh, ow]);
    assert.ok(maxAbsDiff(out.data, torchBilinear(img, oh, ow)) < 1e-3, `${h}x${w} -> ${oh}x${ow}`);
  }
});

test('antialiased bilinear equals a direct 2D PIL-style weighted sum', () => {
  for (const [h, w, oh, ow] of [
    [40, 32, 5, 4],
    [17, 29, 6, 30],
    [64, 64, 8, 8],
    [9, 7, 20, 3],
  ] as const) {
    const img = makeImage(randomFloats(h * w, h + w), [h, w]);
    const out = resize2d(img, { shape: [oh, ow] });
    assert.ok(maxAbsDiff(out.data, pilBilinear(img, oh, ow)) < 1e-3, `${h}x${w} -> ${oh}x${ow}`);
  }
  // when enlarging, antialias changes nothing
  const img = makeImage(randomFloats(30, 3), [5, 6]);
  assert.ok(
    maxAbsDiff(resize2d(img, { shape: [9, 13] }).data, resize2d(img, { shape: [9, 13], antialias: false }).data) < 1e-6,
  );
});

test('nearest keeps labels and the type: floor((j + 0.5) * nIn / nOut)', () => {
  const h = 6,
    w = 5;
  const lab = makeImage(
    Uint8Array.from({ length: h * w }, (_, i) => [0, 3, 7][(i * 7) % 3]!),
    [h, w],
  );
  const out = resize2d(lab, { shape: [4, 8], interpolation: 'nearest' });
  assert.ok(out.data instanceof Uint8Array);
  for (let j = 0; j < 4; j++)
    for (let i = 0; i < 8; i++) {
      const y = Math.floor(((j + 0.5) * h) / 4),
        x = Math.floor(((i + 0.5) * w) / 8);
      assert.equal(at(out, [j, i]), lab.data[y * w + x]);
    }
  assert.ok(Array.from(out.data).every((v) => v === 0 || v === 3 || v === 7));
  // exact ratio: 3 -> 6 duplicates every pixel (1.5 * 3 / 6 ... floor((2j + 1) / 4) = 0 0 1 1 2 2)
  const row = makeImage(Int32Array.from([5, -6, 2 ** 30]), [1, 3]);
  assert.deepEqual(Array.from(resize2d(row, { shape: [1, 6], interpolation: 'nearest' }).data), [
    5,
    5,
    -6,
    -6,
    2 ** 30,
    2 ** 30,
  ]);
});

test('geometry: spacing scales, the physical extent is unchanged', () => {
  const img = makeImage(new Float32Array(20 * 30), [20, 30], { spacing: [0.4, 0.2], origin: [5, -3] });
  const out = resize2d(img, { shape: [8, 12] });
  assert.deepEqual(out.spacing, [1, 0.5]);
  // the corner of the extent (first centre minus half a voxel) is the same before and after
  const edge = (im: Image) => worldOf(im, [-0.5, -0.5]);
  const a = edge(img),
    b = edge(out);
  for (let w = 0; w < 2; w++) assert.ok(Math.abs(a[w]! - b[w]!) < 1e-12);
});

test('volumes are resized slice by slice; depth untouched', () => {
  const vol = makeImage(randomFloats(3 * 10 * 12, 5), [3, 10, 12], { spacing: [2.5, 1, 1] });
  const out = resize2d(vol, { shape: [4, 4] });
  assert.deepEqual(out.shape, [3, 4, 4]);
  assert.equal(out.spacing[0], 2.5);
  for (let z = 0; z < 3; z++) {
    const slice = makeImage(vol.data.slice(z * 120, (z + 1) * 120), [10, 12]);
    assert.ok(maxAbsDiff(out.data.subarray(z * 16, (z + 1) * 16), pilBilinear(slice, 4, 4)) < 1e-3);
  }
});

test('bad options are rejected naming the parameter and the source', () => {
  const img = makeImage(new Float32Array(4), [2, 2], { source: '/cxr/a.png' });
  assert.throws(
    () => resize2d(img, { shape: [0, 2] }),
    /^RangeError: resize2d: \/cxr\/a\.png: shape\[0\] must be a positive integer/,
  );
  assert.throws(
    () => resize2d(img, { shape: [2] as unknown as [number, number] }),
    /resize2d: \/cxr\/a\.png: shape must be \[height, width\]/,
  );
  assert.throws(
    () => resize2d(img, { interpolation: 'cubic' as 'linear' }),
    /interpolation must be 'linear' or 'nearest'/,
  );
});
