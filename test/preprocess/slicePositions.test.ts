import { test } from 'node:test';
import assert from 'node:assert/strict';
import { slicePositions } from '../../src/preprocess/slicePositions.js';

test('pos = (index + 1) / n (hand values)', () => {
  assert.deepEqual(slicePositions(4), [0.25, 0.5, 0.75, 1]);
  assert.deepEqual(slicePositions(1), [1]);
  const p = slicePositions(10);
  assert.equal(p.length, 10);
  assert.equal(p[0], 0.1);
  assert.equal(p[9], 1);
  // the positions are strictly increasing with steps 1/n
  for (let i = 1; i < 10; i++) assert.ok(Math.abs(p[i]! - p[i - 1]! - 0.1) < 1e-15);
});

test('n must be a positive integer', () => {
  assert.throws(
    () => slicePositions(0),
    /slicePositions: n \(slices in the volume\) must be a positive integer, got 0/,
  );
  assert.throws(() => slicePositions(2.5), /got 2.5/);
});
