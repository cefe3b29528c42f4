/**
 * The landmark grid on a box-shaped atlas lung against a hand computation (patch starts per axis, centres, lung
 * fractions, coverage, [-1, 1] locations, world coordinates), and the mapping of landmarks into a scan through a
 * known affine.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { axisStarts, landmarkGrid, mapLandmarks } from '../../src/preprocess/landmarks.js';
import type { Image } from '../../src/io/image.js';
import { assertClose } from '../engine/helpers.js';

/** atlas 1 mm grid [nz, ny, nx] = [70, 50, 90], lung box x 10..69, y 5..34, z 8..57 (inclusive) */
function boxAtlas(): Image<Uint8Array> {
  const [nz, ny, nx] = [70, 50, 90];
  const data = new Uint8Array(nz * ny * nx);
  for (let z = 8; z <= 57; z++)
    for (let y = 5; y <= 34; y++) data.fill(1, (z * ny + y) * nx + 10, (z * ny + y) * nx + 70);
  return {
    data,
    shape: [nz, ny, nx],
    spacing: [1, 1, 1],
    origin: [-5, 7, 100],
    direction: [1, 0, 0, 0, 1, 0, 0, 0, 1],
  };
}

test('axisStarts: the grid of one axis by hand', () => {
  // e = 60 > 32: n = ceil(28 / 26) + 1 = 3, span 84, s0 = 10 - floor(24 / 2) = -2
  assert.deepEqual(axisStarts(10, 69, 32, 26), [-2, 24, 50]);
  // e = 30 <= 32: one patch, s0 = 5 - floor(2 / 2) = 4
  assert.deepEqual(axisStarts(5, 34, 32, 26), [4]);
  // e = 50: n = ceil(18 / 26) + 1 = 2, span 58, s0 = 8 - 4 = 4
  assert.deepEqual(axisStarts(8, 57, 32, 26), [4, 30]);
  // e = 58 exactly fills two patches: no overhang
  assert.deepEqual(axisStarts(0, 57, 32, 26), [0, 26]);
});

test('landmarkGrid on a box lung: 3 × 1 × 2 patches, centres, fractions, coverage and locations by hand', () => {
  const atlas = boxAtlas();
  const g = landmarkGrid(atlas);
  assert.deepEqual(g.gridSize, [3, 1, 2]);
  assert.equal(g.landmarks.length, 6);
  // centres = start + 15.5; order z outer, then y, then x
  const xs = [13.5, 39.5, 65.5];
  const zs = [19.5, 45.5];
  const want = zs.flatMap((z) => xs.map((x) => [x, 19.5, z]));
  g.landmarks.forEach((l, i) => {
    assert.equal(l.index, i);
    assert.deepEqual(l.voxel, want[i]);
    // lung voxels: x overlap 20 / 32 / 20, y 30, z 28 (both z patches)
    const xOverlap = [20, 32, 20][i % 3]!;
    assertClose([l.lungFraction], [(xOverlap * 30 * 28) / 32768], { rtol: 0, atol: 1e-12 });
    // p = 2 v / (n - 1) - 1 over the atlas volume, x y z order
    assertClose(l.location, [(2 * l.voxel[0]) / 89 - 1, (2 * l.voxel[1]) / 49 - 1, (2 * l.voxel[2]) / 69 - 1], {
      rtol: 0,
      atol: 1e-12,
    });
    assertClose(l.world, [-5 + l.voxel[0], 7 + l.voxel[1], 100 + l.voxel[2]], { rtol: 0, atol: 1e-12 });
  });
  assert.equal(g.coverage, 1);
  // fraction threshold 0.6 keeps only the middle x column (32·30·28/32768 = 0.82; the sides 0.51)
  const mid = landmarkGrid(atlas, { minLungFraction: 0.6 });
  assert.deepEqual(
    mid.landmarks.map((l) => l.voxel),
    [
      [39.5, 19.5, 19.5],
      [39.5, 19.5, 45.5],
    ],
  );
  // lung x 10..69 (60 voxels), covered x 24..55 (32 voxels)
  assertClose([mid.coverage], [32 / 60], { rtol: 0, atol: 1e-12 });
  // a smaller patch with its own step: 16³, step 13 -> x: ceil(44/13)+1 = 5, y: ceil(14/13)+1 = 3, z: ceil(34/13)+1 = 4
  assert.deepEqual(landmarkGrid(atlas, { patchSize: 16, step: 13 }).gridSize, [5, 3, 4]);
  assert.throws(() => landmarkGrid({ ...atlas, data: new Uint8Array(atlas.data.length) }), /empty/);
});

test('mapLandmarks: atlas world -> T -> scan voxel index, by hand', () => {
  const scan = { shape: [40, 40, 40], spacing: [2, 2, 2], origin: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
  const t = {
    matrix: [2, 0, 0, 0, 1, 0, 0, 0, 1],
    translation: [4, 0, -2] as [number, number, number],
    center: [1, 1, 1] as [number, number, number],
  };
  // world (11, 21, 31): A(x − c) = (20, 20, 30); + c + t = (25, 21, 29); index = world / 2
  const [p] = mapLandmarks([{ world: [11, 21, 31] }], t, scan);
  assertClose(p!, [12.5, 10.5, 14.5], { rtol: 0, atol: 1e-12 });
});
