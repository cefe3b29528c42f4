/**
 * Connected components against a brute-force breadth-first flood fill written here (raster-order seeds, so both
 * number components by first appearance), for 6- and 26-connectivity on random masks of several densities; and the
 * threshold lung mask on a synthetic chest (outside air, two lungs with vessels, a gas bubble, a lung reaching the
 * first slice) against the analytic lung voxels.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectedComponents } from '../../src/preprocess/components.js';
import { fillHolesPerSlice, labelLungMask, thresholdLungMask } from '../../src/preprocess/lung-mask.js';
import { Rng } from '../../src/util/rng.js';
import { inEllipsoid, synthChest, type ChestSpec } from './chest-volumes.js';

function floodFill(mask: Uint8Array, shape: number[], conn: 6 | 26): { labels: Int32Array; sizes: number[] } {
  const [nz, ny, nx] = shape as [number, number, number];
  const labels = new Int32Array(mask.length);
  const sizes = [0];
  const nbrs: number[][] = [];
  for (let dz = -1; dz <= 1; dz++)
    for (let dy = -1; dy <= 1; dy++)
      for (let dx = -1; dx <= 1; dx++) {
        const m = Math.abs(dz) + Math.abs(dy) + Math.abs(dx);
        if (m === 0 || (conn === 6 && m !== 1)) continue;
        nbrs.push([dz, dy, dx]);
      }
  let next = 0;
  for (let p = 0; p < mask.length; p++) {
    if (!mask[p] || labels[p]) continue;
    next++;
    sizes.push(0);
    const queue = [p];
    labels[p] = next;
    while (queue.length) {
      const q = queue.pop()!;
      sizes[next]!++;
      const z = Math.floor(q / (ny * nx));
      const y = Math.floor(q / nx) % ny;
      const x = q % nx;
      for (const [dz, dy, dx] of nbrs) {
        const zz = z + dz!;
        const yy = y + dy!;
        const xx = x + dx!;
        if (zz < 0 || zz >= nz || yy < 0 || yy >= ny || xx < 0 || xx >= nx) continue;
        const r = (zz * ny + yy) * nx + xx;
        if (mask[r] && !labels[r]) {
          labels[r] = next;
          queue.push(r);
        }
      }
    }
  }
  sizes[0] = mask.length - sizes.slice(1).reduce((a, b) => a + b, 0);
  return { labels, sizes };
}

test('connectedComponents equals a brute-force flood fill (6 and 26 connectivity, several densities)', () => {
  const rng = new Rng(7);
  for (const shape of [
    [5, 7, 9],
    [1, 12, 15],
    [9, 4, 11],
  ]) {
    for (const density of [0.2, 0.45, 0.6]) {
      const mask = new Uint8Array(shape[0]! * shape[1]! * shape[2]!);
      for (let i = 0; i < mask.length; i++) mask[i] = rng.next() < density ? 1 : 0;
      for (const conn of [6, 26] as const) {
        const got = connectedComponents(mask, shape, conn);
        const want = floodFill(mask, shape, conn);
        assert.equal(got.count, want.sizes.length - 1, `count ${shape} ${density} ${conn}`);
        assert.deepEqual(Array.from(got.labels), Array.from(want.labels), `labels ${shape} ${density} ${conn}`);
        assert.deepEqual(got.sizes, want.sizes);
      }
    }
  }
});

test('connectedComponents: a U shape merges late (union of two provisional trees), diagonal touch only with 26', () => {
  // a U in one slice: the two arms get separate provisional labels until the bottom row joins them
  const u = [
    [1, 0, 1],
    [1, 0, 1],
    [1, 1, 1],
  ].flat();
  const r = connectedComponents(u, [1, 3, 3]);
  assert.equal(r.count, 1);
  assert.deepEqual(r.sizes, [2, 7]);
  const diag = [1, 0, 0, 0, 0, 0, 0, 0, 1];
  assert.equal(connectedComponents(diag, [1, 3, 3], 6).count, 2);
  assert.equal(connectedComponents([1, 0, 0, 1], [2, 1, 2], 26).count, 1);
  assert.equal(connectedComponents([1, 0, 0, 1], [2, 1, 2], 6).count, 2);
  assert.throws(() => connectedComponents([1, 0], [1, 1, 3]), /needs 3/);
});

test('fillHolesPerSlice fills enclosed background in each slice only', () => {
  // slice 0: a ring (hole in the middle); slice 1: an open C (not enclosed)
  const ring = [1, 1, 1, 1, 0, 1, 1, 1, 1];
  const open = [1, 1, 1, 1, 0, 0, 1, 1, 1];
  const m = Uint8Array.from([...ring, ...open].map((v) => v));
  const padded = new Uint8Array(2 * 5 * 5);
  for (let z = 0; z < 2; z++)
    for (let y = 0; y < 3; y++)
      for (let x = 0; x < 3; x++) padded[z * 25 + (y + 1) * 5 + x + 1] = m[z * 9 + y * 3 + x]!;
  fillHolesPerSlice(padded, [2, 5, 5]);
  assert.equal(padded[0 * 25 + 2 * 5 + 2], 1, 'ring hole filled');
  assert.equal(padded[1 * 25 + 2 * 5 + 2], 0, 'open C not filled');
});

test('thresholdLungMask finds both lungs (vessels filled), drops outside air and a gas bubble', () => {
  const lungs = [
    { centre: [-14, 0, 4] as [number, number, number], radii: [11, 14, 20] as [number, number, number] },
    // reaches past the first slice (z = -20): lungs cut by the scan range are still lungs
    { centre: [14, 0, -4] as [number, number, number], radii: [11, 14, 20] as [number, number, number] },
  ];
  const spec: ChestSpec = {
    shape: [40, 44, 60],
    spacing: [1, 1, 1],
    origin: [-30, -22, -20],
    lungs,
    body: { centre: [0, 0], radii: [29, 21] },
    vessels: [
      { centre: [-14, 0, 4], radius: 2.5 },
      { centre: [14, 2, 0], radius: 2 },
    ],
  };
  const { image } = synthChest(spec);
  // a gas bubble in the body, away from the lungs
  const [nz, ny, nx] = spec.shape;
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        const x = -30 + i;
        const y = -22 + j;
        const z = -20 + k;
        if (Math.hypot(x, y - 17, z - 10) <= 2.5) image.data[(k * ny + j) * nx + i] = -900;
      }
  const r = thresholdLungMask(image);
  let mismatches = 0;
  let expected = 0;
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        const want = lungs.some((l) => inEllipsoid(l, -30 + i, -22 + j, -20 + k)) ? 1 : 0;
        expected += want;
        if (r.mask[(k * ny + j) * nx + i] !== want) mismatches++;
      }
  assert.equal(mismatches, 0, `${mismatches} voxels differ from the analytic lungs`);
  assert.equal(r.voxels, expected);
  // without hole filling the vessels stay out
  const noFill = thresholdLungMask(image, { fillHoles: false });
  assert.ok(noFill.voxels < expected - 50, `vessels should be holes without filling (${noFill.voxels} vs ${expected})`);
  // an all-body volume has no lung
  const body = { ...image, data: new Int16Array(image.data.length).fill(40) };
  assert.equal(thresholdLungMask(body).voxels, 0);
});

test('labelLungMask: every non-zero label by default, or the given classes', () => {
  const label = {
    data: Uint8Array.from([0, 1, 2, 3, 0, 2]),
    shape: [1, 2, 3],
    spacing: [1, 1, 1],
    origin: [0, 0, 0],
    direction: [1, 0, 0, 0, 1, 0, 0, 0, 1],
  };
  assert.deepEqual(Array.from(labelLungMask(label).mask), [0, 1, 1, 1, 0, 1]);
  const two = labelLungMask(label, [2]);
  assert.deepEqual(Array.from(two.mask), [0, 0, 1, 0, 0, 1]);
  assert.equal(two.voxels, 2);
});
