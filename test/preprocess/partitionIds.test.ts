import { test } from 'node:test';
import assert from 'node:assert/strict';
import { partitionIds } from '../../src/preprocess/partitionIds.js';

test('4 partitions, larger ones first (hand values for n = 4, 5, 7, 10)', () => {
  assert.deepEqual(partitionIds(4), [0, 1, 2, 3]);
  assert.deepEqual(partitionIds(5), [0, 0, 1, 2, 3]);
  assert.deepEqual(partitionIds(7), [0, 0, 1, 1, 2, 2, 3]);
  assert.deepEqual(partitionIds(10), [0, 0, 0, 1, 1, 1, 2, 2, 3, 3]);
  assert.deepEqual(partitionIds(3), [0, 1, 2]);
  assert.deepEqual(partitionIds(6, { partitions: 1 }), [0, 0, 0, 0, 0, 0]);
  assert.deepEqual(partitionIds(7, { partitions: 3 }), [0, 0, 0, 1, 1, 2, 2]);
});

test('sizes differ by at most one, ids are non-decreasing and every slice has one', () => {
  for (let n = 1; n <= 60; n++) {
    for (const P of [2, 4, 5]) {
      const ids = partitionIds(n, { partitions: P });
      assert.equal(ids.length, n);
      for (let i = 1; i < n; i++) assert.ok(ids[i]! - ids[i - 1]! === 0 || ids[i]! - ids[i - 1]! === 1);
      const sizes = new Array<number>(P).fill(0);
      for (const id of ids) sizes[id]!++;
      // numpy.array_split: the first n % P get ceil(n / P)
      sizes.forEach((s, p) => assert.equal(s, Math.floor(n / P) + (p < n % P ? 1 : 0)));
    }
  }
});

test('bad input is rejected', () => {
  assert.throws(() => partitionIds(0), /partitionIds: n \(slices in the volume\) must be a positive integer, got 0/);
  assert.throws(() => partitionIds(5, { partitions: 0 }), /partitionIds: partitions must be a positive integer, got 0/);
});
