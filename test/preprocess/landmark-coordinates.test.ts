/** Landmark coordinates: the [-1, 1] scaling that Loc-CondConv's routing takes, against hand values. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scaleLandmarkCoordinates } from '../../src/preprocess/landmark-coordinates.js';

test('scaleLandmarkCoordinates: bounding box to [-1, 1] per axis, explicit bounds, flat axis to 0, errors', () => {
  const coords = [
    [10, 0, 7],
    [30, 50, 7],
    [20, 100, 7],
  ];
  assert.deepEqual(scaleLandmarkCoordinates(coords), [
    [-1, -1, 0],
    [1, 0, 0],
    [0, 1, 0],
  ]);
  const b = scaleLandmarkCoordinates(coords, { min: [0, 0, 0], max: [40, 200, 14] });
  assert.deepEqual(b, [
    [-0.5, -1, 0],
    [0.5, -0.5, 0],
    [0, 0, 0],
  ]);
  assert.throws(
    () => scaleLandmarkCoordinates(coords, { min: [0, 0, 0], max: [20, 200, 14] }),
    /landmarks\[1\]\[0\] = 30 is outside the bounds \[0, 20\]/,
  );
  assert.throws(
    () => scaleLandmarkCoordinates(coords, { min: [0, 0, 9], max: [40, 200, 8] }),
    /axis 2: expected finite min <= max/,
  );
});
