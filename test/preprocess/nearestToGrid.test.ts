import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nearestToGrid } from '../../src/preprocess/nearestToGrid.js';
import { padCrop } from '../../src/preprocess/padCrop.js';
import { padToSquare } from '../../src/preprocess/padToSquare.js';
import { resample } from '../../src/preprocess/resample.js';
import { resize2d } from '../../src/preprocess/resize2d.js';
import { makeImage } from './fixtures.js';

/** an image whose value is its own flat index (so a transfer shows where every output voxel came from) */
function indexImage(shape: number[], extra: Parameters<typeof makeImage>[2] = {}) {
  const n = shape.reduce((a, b) => a * b, 1);
  return makeImage(
    Int32Array.from({ length: n }, (_, i) => i),
    shape,
    extra,
  );
}

test('nearestToGrid: hand values, a 1x4 row onto a grid twice as fine covering the same extent', () => {
  // input centres at x = 10, 12, 14, 16 (spacing 2); output spacing 1 starting at x = 9.5: centres 9.5 .. 16.5
  const img = makeImage(Uint8Array.from([5, 6, 7, 8]), [1, 4], { spacing: [1, 2], origin: [10, 0] });
  const out = nearestToGrid(img, { shape: [1, 8], spacing: [1, 1], origin: [9.5, 0], direction: [1, 0, 0, 1] });
  // output x: 9.5 10.5 11.5 12.5 13.5 14.5 15.5 16.5 -> input index (x - 10) / 2 rounded half up:
  //          -0.25 0.25 0.75 1.25 1.75 2.25 2.75 3.25 -> 0 0 1 1 2 2 3 3
  assert.deepEqual([...out.data], [5, 5, 6, 6, 7, 7, 8, 8]);
  assert.ok(out.data instanceof Uint8Array);
  assert.deepEqual(out.spacing, [1, 1]);
  assert.deepEqual(out.origin, [9.5, 0]);
});

test('nearestToGrid undoes padToSquare + resize2d exactly for an integer upsampling', () => {
  const img = indexImage([6, 10], { spacing: [0.7, 0.7], origin: [3, -4] });
  // pad 6x10 -> 10x10 (2 rows before), resize to 20x20 (nearest): every input pixel becomes a 2x2 block
  const pre = resize2d(padToSquare(img, { value: -1 }), { shape: [20, 20], interpolation: 'nearest' });
  const back = nearestToGrid(pre, img);
  assert.deepEqual([...back.data], [...img.data]);
  assert.deepEqual(back.shape, img.shape);
  assert.deepEqual(back.origin, img.origin);
});

test('nearestToGrid matches the resize2d nearest rule for a non-integer factor', () => {
  // a label map made on a 32x32 grid, brought back to 24x20: reference index floor((2j + 1) * 32 / (2n)) per axis
  const small = indexImage([32, 32]);
  const orig = makeImage(new Uint8Array(24 * 20), [24, 20], { spacing: [0.9, 1.3], origin: [7, 2] });
  // the preprocessed grid of `orig` resized to 32x32 (what resize2d computes for the geometry)
  const pre = resize2d(makeImage(new Float32Array(24 * 20), [24, 20], orig), { shape: [32, 32] });
  small.spacing = pre.spacing;
  small.origin = pre.origin;
  const back = nearestToGrid(small, orig);
  for (let r = 0; r < 24; r++)
    for (let c = 0; c < 20; c++) {
      const rr = Math.floor(((2 * r + 1) * 32) / (2 * 24));
      const cc = Math.floor(((2 * c + 1) * 32) / (2 * 20));
      assert.equal(back.data[r * 20 + c], rr * 32 + cc, `pixel ${r},${c}`);
    }
});

test('nearestToGrid undoes an in-plane resample to a finer spacing and a pad, in 3D', () => {
  const img = indexImage([3, 5, 4], { spacing: [2.5, 1.2, 0.8], origin: [-10, 20, 5] });
  // 1.2 -> 0.4 and 0.8 -> 0.4: exact factors 3 and 2, then pad to 20x12
  const rs = resample(img, { spacing: [null, 0.4, 0.4], interpolation: 'nearest' });
  assert.deepEqual(rs.shape, [3, 15, 8]);
  const pre = padCrop(rs, { shape: [3, 20, 12], value: -1 });
  const back = nearestToGrid(pre, img, { fill: -7 });
  assert.deepEqual([...back.data], [...img.data]);
});

test('nearestToGrid: regions outside the source extent take `fill`, inside the border margin the edge', () => {
  const img = indexImage([1, 10]);
  const cropped = padCrop(img, { shape: [1, 6] }); // keeps input columns 2..7
  // default: output voxels overlapping the input's extent; columns 1 and 8 only touch it
  const back = nearestToGrid(cropped, img, { fill: -1 });
  assert.deepEqual([...back.data], [-1, -1, 2, 3, 4, 5, 6, 7, -1, -1]);
  // a margin of 1.5 input voxels: columns 1 and 8 (centres 1 voxel beyond the edge centres) take the edge values
  const wide = nearestToGrid(cropped, img, { fill: -1, margin: 1.5 });
  assert.deepEqual([...wide.data], [-1, 2, 2, 3, 4, 5, 6, 7, 7, -1]);
  // output voxels four times as wide as the input's: the default margin is 2 input voxels
  const coarse = { shape: [1, 3], spacing: [1, 4], origin: [-2, 0], direction: [1, 0, 0, 1] };
  // output centres at x = -2, 2, 6 (input index of the cropped grid: -4, 0, 4; extent -0.5..5.5, margin 2)
  assert.deepEqual([...nearestToGrid(cropped, coarse, { fill: -1 }).data], [-1, 2, 6]);
  // without fill: edge replication everywhere
  const edge = nearestToGrid(cropped, img);
  assert.deepEqual([...edge.data], [2, 2, 2, 3, 4, 5, 6, 7, 7, 7]);
});

test('nearestToGrid: bad grids are errors naming the problem', () => {
  const img = indexImage([2, 2]);
  assert.throws(
    () =>
      nearestToGrid(img, {
        shape: [2, 2, 2],
        spacing: [1, 1, 1],
        origin: [0, 0, 0],
        direction: [1, 0, 0, 0, 1, 0, 0, 0, 1],
      }),
    /2 axes/,
  );
  assert.throws(
    () => nearestToGrid(img, { shape: [2, 2], spacing: [1, 1], origin: [0, 0], direction: [0, 1, 1, 0] }),
    /directions differ/,
  );
  assert.throws(
    () => nearestToGrid(img, { shape: [2, 0], spacing: [1, 1], origin: [0, 0], direction: [1, 0, 0, 1] }),
    /invalid size/,
  );
  const u8 = makeImage(new Uint8Array(4), [2, 2]);
  assert.throws(() => nearestToGrid(u8, u8, { fill: -1 }), /cannot be stored/);
});
