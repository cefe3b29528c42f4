/**
 * The window grid and the fill from it, against rules written here from the grid coordinates: a voxel needs the
 * nearest grid coordinate at or below it and at or above it on each axis; trilinear filling reproduces a function
 * linear in the coordinates exactly; 'nearest' takes the nearest coordinate's value (ties to the lower one).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fillFromGrid, neededGridPoints, windowGrid } from '../../../src/eval/dense/grid.js';
import { Rng } from '../../../src/util/rng.js';

const shape = [7, 9, 11];
const [nz, ny, nx] = shape as [number, number, number];
const step = 3;
/** 0, 3, 6, …, and n − 1 */
const coords = (n: number): number[] => {
  const g: number[] = [];
  for (let k = 0; k * step < n - 1; k++) g.push(k * step);
  return [...g, n - 1];
};
const G = [coords(nx), coords(ny), coords(nz)];
const lung = (() => {
  const rng = new Rng(3);
  return Uint8Array.from({ length: nx * ny * nz }, () => (rng.next() < 0.3 ? 1 : 0));
})();

test('windowGrid: coordinates 0, step, 2·step, … and n − 1 per axis', () => {
  const grid = windowGrid(shape, step, 'trilinear');
  assert.deepEqual(
    grid.axes.map((a) => a.coords),
    G,
  );
  assert.deepEqual(
    [grid.gx, grid.gy, grid.gz],
    G.map((g) => g.length),
  );
});

test('neededGridPoints: the grid points at or just below and at or just above each lung voxel', () => {
  const grid = windowGrid(shape, step, 'trilinear');
  const { needed, lungVoxels } = neededGridPoints(grid, lung);
  const want = new Set<number>();
  let count = 0;
  for (let z = 0, q = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++, q++) {
        if (!lung[q]) continue;
        count++;
        const near = [x, y, z].map((v, a) => [
          G[a]!.indexOf(Math.max(...G[a]!.filter((g) => g <= v))),
          G[a]!.indexOf(Math.min(...G[a]!.filter((g) => g >= v))),
        ]);
        for (const kz of near[2]!)
          for (const ky of near[1]!) for (const kx of near[0]!) want.add((kz * G[1]!.length + ky) * G[0]!.length + kx);
      }
  assert.equal(lungVoxels, count);
  assert.deepEqual(
    [...needed.keys()].filter((g) => needed[g]),
    [...want].sort((a, b) => a - b),
  );
});

test('fillFromGrid: trilinear reproduces a linear function of the coordinates; nearest takes the nearest point', () => {
  const value = (x: number, y: number, z: number): number => 0.2 + 0.03 * x - 0.02 * y + 0.05 * z;
  for (const fill of ['trilinear', 'nearest'] as const) {
    const grid = windowGrid(shape, step, fill);
    const gridProb = new Float32Array(grid.gx * grid.gy * grid.gz);
    for (let kz = 0; kz < grid.gz; kz++)
      for (let ky = 0; ky < grid.gy; ky++)
        for (let kx = 0; kx < grid.gx; kx++)
          gridProb[(kz * grid.gy + ky) * grid.gx + kx] = value(G[0]![kx]!, G[1]![ky]!, G[2]![kz]!);
    const threshold = 0.5;
    const r = fillFromGrid(grid, gridProb, lung, threshold);
    let predicted = 0;
    for (let z = 0, q = 0; z < nz; z++)
      for (let y = 0; y < ny; y++)
        for (let x = 0; x < nx; x++, q++) {
          if (!lung[q]) {
            assert.equal(r.probability[q], 0);
            assert.equal(r.mask[q], 0);
            continue;
          }
          const nearest = [x, y, z].map((v, a) =>
            G[a]!.reduce((best, g) => (Math.abs(g - v) < Math.abs(best - v) ? g : best), G[a]![0]!),
          );
          const want =
            fill === 'trilinear' ? value(x, y, z) : Math.fround(value(nearest[0]!, nearest[1]!, nearest[2]!));
          assert.ok(
            Math.abs(r.probability[q]! - want) < 1e-6,
            `${fill} at ${x},${y},${z}: ${r.probability[q]} vs ${want}`,
          );
          // the mask is probability >= threshold (away from the threshold, where float32 rounding cannot matter)
          if (Math.abs(want - threshold) > 1e-5) assert.equal(r.mask[q], want >= threshold ? 1 : 0);
          predicted += r.mask[q]!;
        }
    assert.equal(r.predictedVoxels, predicted);
    assert.ok(predicted > 0, `${fill}: some voxels above the threshold`);
  }
});
