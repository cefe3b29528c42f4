import assert from 'node:assert/strict';
import { test } from 'node:test';
import { imageAffine, lpsAxisMapping, reorientFromLps, reorientToLps } from '../../src/io/orient.js';
import { assertSameWorld, gridOfImage } from './fixtures.js';

/** all 6 permutations x 8 sign patterns of the file axes */
function* signedPermutations(): Generator<{ perm: number[]; sign: number[] }> {
  const perms = [
    [0, 1, 2],
    [0, 2, 1],
    [1, 0, 2],
    [1, 2, 0],
    [2, 0, 1],
    [2, 1, 0],
  ];
  for (const perm of perms)
    for (let m = 0; m < 8; m++) yield { perm, sign: [m & 1 ? -1 : 1, m & 2 ? -1 : 1, m & 4 ? -1 : 1] };
}

test('every axis permutation/flip is undone: same world position for every voxel, identity direction', () => {
  const size: [number, number, number] = [4, 3, 5];
  const spacing = [0.5, 2, 3.25]; // of file axes i, j, k
  const n = size[0] * size[1] * size[2];
  const data = Float32Array.from({ length: n }, (_, q) => q * 1.5 + 0.25);
  for (const { perm, sign } of signedPermutations()) {
    // file axis v points along world axis perm[v] with sign[v]
    const m = new Array(9).fill(0);
    for (let v = 0; v < 3; v++) m[3 * perm[v] + v] = sign[v] * spacing[v];
    const t = [7, -3, 11];
    const affine = [m[0], m[1], m[2], t[0], m[3], m[4], m[5], t[1], m[6], m[7], m[8], t[2]];
    const img = reorientToLps(data, size, affine);
    const label = `perm ${perm} sign ${sign}`;
    assert.deepEqual(img.direction, [1, 0, 0, 0, 1, 0, 0, 0, 1], label);
    // world axis w gets file axis v with perm[v] = w: shape/spacing are listed z, y, x
    const fileOf = [0, 1, 2].map((w) => perm.indexOf(w));
    assert.deepEqual(img.shape, [size[fileOf[2]], size[fileOf[1]], size[fileOf[0]]], label);
    assert.deepEqual(img.spacing, [spacing[fileOf[2]], spacing[fileOf[1]], spacing[fileOf[0]]], label);
    assertSameWorld(
      { size, m, t, value: (i, j, k) => data[i + size[0] * (j + size[1] * k)] },
      gridOfImage(img),
      300,
      1e-9,
    );
  }
});

test('greedy nearest-axis rule for an oblique matrix (30 degrees about x)', () => {
  const th = (30 * Math.PI) / 180;
  const [c, s] = [Math.cos(th), Math.sin(th)];
  // columns: i -> x; j -> (0, c, s) mostly +y; k -> (0, -s, c) mostly +z
  assert.deepEqual(lpsAxisMapping([1, 0, 0, 0, 0, c, -s, 0, 0, s, c, 0]), { perm: [0, 1, 2], sign: [1, 1, 1] });
  // 60 degrees: j -> (0, 0.5, 0.87) now mostly +z, k -> (0, -0.87, 0.5) mostly -y
  const [c6, s6] = [Math.cos(2 * th), Math.sin(2 * th)];
  assert.deepEqual(lpsAxisMapping([1, 0, 0, 0, 0, c6, -s6, 0, 0, s6, c6, 0]), { perm: [0, 2, 1], sign: [1, -1, 1] });
  assert.throws(() => lpsAxisMapping([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]), /degenerate/);
});

test('imageAffine is the voxel -> world map of the documented layout', () => {
  const img = {
    data: new Uint8Array(24),
    shape: [2, 3, 4],
    spacing: [5, 6, 7],
    origin: [1, 2, 3],
    direction: [0, -1, 0, 1, 0, 0, 0, 0, 1],
  };
  // column x = (0, 1, 0) * 7, column y = (-1, 0, 0) * 6, column z = (0, 0, 1) * 5
  assert.deepEqual(imageAffine(img), [0, -6, 0, 1, 7, 0, 0, 2, 0, 0, 5, 3]);
  const flat = { data: new Uint8Array(6), shape: [2, 3], spacing: [2, 3], origin: [4, 5], direction: [1, 0, 0, 1] };
  assert.deepEqual(imageAffine(flat), [3, 0, 0, 4, 0, 2, 0, 5, 0, 0, 1, 0]);
});

test('reorientFromLps puts canonical values back at the file voxel of the same world position', () => {
  const size: [number, number, number] = [3, 4, 2];
  const spacing = [1.5, 0.75, 2];
  const n = size[0] * size[1] * size[2];
  for (const { perm, sign } of signedPermutations()) {
    const m = new Array(9).fill(0);
    for (let v = 0; v < 3; v++) m[3 * perm[v] + v] = sign[v] * spacing[v];
    const t = [-4, 9, 2.5];
    const affine = [m[0], m[1], m[2], t[0], m[3], m[4], m[5], t[1], m[6], m[7], m[8], t[2]];
    const canonical = reorientToLps(new Int16Array(n), size, affine);
    const values = Int16Array.from({ length: n }, (_, q) => 3 * q - 7);
    const file = reorientFromLps(values, size, affine);
    assert.equal(file.constructor, Int16Array);
    assertSameWorld(
      { size, m, t, value: (i, j, k) => file[i + size[0] * (j + size[1] * k)] },
      gridOfImage({ ...canonical, data: values }),
      200,
      1e-9,
    );
  }
  assert.throws(() => reorientFromLps(new Uint8Array(5), size, [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0]), /5 values/);
});
