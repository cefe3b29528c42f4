/**
 * Classifying the windows of a dense prediction: each grid point gets the classifier's value for the window centred
 * on it (a brute-force window mean, fixtures.ts), in batches of at most batchSize per location; a classifier that
 * returns the wrong count or a value outside [0, 1] is an error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Tensor } from '../../../src/engine/index.js';
import type { Vec3 } from '../../../src/io/geometry.js';
import { windowGrid, gridVoxel } from '../../../src/eval/dense/grid.js';
import { classifyWindows, type WindowGroup } from '../../../src/eval/dense/windows.js';
import { f, meanStub, scanWithLesion, windowMean } from './fixtures.js';

const { image } = scanWithLesion();
const grid = windowGrid(image.shape, 2, 'trilinear');
const groups: WindowGroup[] = [
  { p: [0.1, 0.2, 0.3], windows: [0, 1, 2, 5, 8, 13, 21, 34, 55, 89] },
  { p: [-0.4, 0, 0.9], windows: [3, 4, 144] },
];
const batching = { batchSize: 4, padding: 'constant' as const, padValue: -1 };

test('classifyWindows: P of each window, per grid point, batched per location', () => {
  for (const d of [5, 4]) {
    const calls: { p: Vec3; n: number }[] = [];
    const { gridProb, batches } = classifyWindows(image, grid, d, groups, { ...batching, classifier: meanStub(calls) });
    assert.equal(batches, 3 + 1);
    assert.deepEqual(
      calls.map((c) => c.n),
      [4, 4, 2, 3],
    );
    assert.deepEqual(calls[3]!.p, [-0.4, 0, 0.9]);
    const classified = new Set(groups.flatMap((g) => g.windows));
    for (let g = 0; g < gridProb.length; g++) {
      const want = classified.has(g) ? f(windowMean(image, gridVoxel(grid, g), d)) : 0;
      assert.ok(Math.abs(gridProb[g]! - want) < 1e-5, `d ${d} grid point ${g}: ${gridProb[g]} vs ${want}`);
    }
  }
});

test('classifyWindows: a wrong number of values or a value outside [0, 1] is refused', () => {
  const short = (x: Tensor): Float32Array => new Float32Array(x.shape[0]! - 1);
  assert.throws(
    () => classifyWindows(image, grid, 5, groups, { ...batching, classifier: short }),
    /the classifier returned 3 values for 4 windows/,
  );
  const over = (x: Tensor): Float32Array => new Float32Array(x.shape[0]!).fill(1.5);
  assert.throws(
    () => classifyWindows(image, grid, 5, groups, { ...batching, classifier: over }),
    /the classifier returned the probability 1.5/,
  );
});
