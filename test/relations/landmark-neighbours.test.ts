/**
 * The landmark relation: the ℓ-nearest-neighbour table against a brute-force selection written here (repeated minimum
 * search, ties to the lower index), on a regular grid (many ties, like the paper's step-26 patch grid) and on random
 * points.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nearestLandmarks } from '../../src/relations/landmark-neighbours.js';
import { Rng } from '../../src/util/rng.js';

/** the k nearest by repeated selection of the smallest (distance, index) not yet taken, j excluded */
function bruteForce(coords: number[][], k: number): number[][] {
  return coords.map((a, j) => {
    const taken = new Set<number>([j]);
    const out: number[] = [];
    for (let t = 0; t < k; t++) {
      let best = -1;
      let bestD = Infinity;
      coords.forEach((b, i) => {
        if (taken.has(i)) return;
        const d = Math.sqrt((a[0]! - b[0]!) ** 2 + (a[1]! - b[1]!) ** 2 + (a[2]! - b[2]!) ** 2);
        if (d < bestD) {
          bestD = d;
          best = i;
        }
      });
      taken.add(best);
      out.push(best);
    }
    return out;
  });
}

test('nearestLandmarks: equals brute force on a grid with ties (step 26) and on random points, k = 0..4', () => {
  const grid: number[][] = [];
  for (let x = 0; x < 4; x++)
    for (let y = 0; y < 3; y++) for (let z = 0; z < 3; z++) grid.push([x * 26, y * 26, z * 26]);
  const rng = new Rng(1);
  const random = Array.from({ length: 60 }, () => [rng.uniform(0, 300), rng.uniform(0, 200), rng.uniform(0, 250)]);
  for (const [name, coords] of [
    ['grid', grid],
    ['random', random],
  ] as const) {
    for (const k of [0, 1, 2, 4]) {
      const got = nearestLandmarks(coords, k);
      assert.deepEqual(got, bruteForce(coords, k), `${name} k=${k}`);
      got.forEach((n, j) => {
        assert.equal(n.length, k);
        assert.ok(!n.includes(j), 'a landmark is not its own neighbour');
      });
    }
  }
  // on the grid every interior point's 2 nearest are at distance 26, the lower indices first
  assert.deepEqual(nearestLandmarks(grid, 2)[0], [1, 3]); // (0,0,26) and (0,26,0)
});

test('nearestLandmarks: duplicates, k bounds, bad coordinates', () => {
  const coords = [
    [0, 0, 0],
    [5, 0, 0],
    [0, 0, 0],
  ];
  assert.deepEqual(nearestLandmarks(coords, 1), [[2], [0], [0]], 'a duplicate point is the nearest, never j itself');
  assert.deepEqual(nearestLandmarks(coords, 2), [
    [2, 1],
    [0, 2],
    [0, 1],
  ]);
  assert.throws(() => nearestLandmarks(coords, 3), /k: 3 neighbours requested but there are only 3 landmarks/);
  assert.throws(() => nearestLandmarks(coords, -1), /k: expected an integer >= 0/);
  assert.throws(() => nearestLandmarks([], 0), /expected at least one landmark/);
  assert.throws(() => nearestLandmarks([[0, 0]], 0), /landmarks\[0\]: expected 3 coordinates/);
  assert.throws(() => nearestLandmarks([[0, Number.NaN, 0]], 0), /landmarks\[0\]\[1\]: expected a finite number/);
});
