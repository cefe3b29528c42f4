import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GCL_PARTITIONS, samePartitionRelation, slicePartition } from '../../src/relations/same-partition.js';
import { loopMask, toRows } from './helpers.js';

test('slicePartition splits a volume into 4 equal z-ranges', () => {
  assert.equal(GCL_PARTITIONS, 4);
  // 8 slices: 2 per partition
  assert.deepEqual(
    Array.from({ length: 8 }, (_, m) => slicePartition(m, 8)),
    [0, 0, 1, 1, 2, 2, 3, 3],
  );
  // 10 slices: sizes 3, 2, 3, 2 (floor(m*4/10))
  assert.deepEqual(
    Array.from({ length: 10 }, (_, m) => slicePartition(m, 10)),
    [0, 0, 0, 1, 1, 2, 2, 2, 3, 3],
  );
  // fewer slices than partitions: every slice its own partition id
  assert.deepEqual(
    [0, 1, 2].map((m) => slicePartition(m, 3)),
    [0, 1, 2],
  );
});

test('samePartitionRelation matches a double loop with partitions counted by hand', () => {
  // partition by counting: slice m of n is in partition p when p*n <= 4*m < (p+1)*n
  const partOf = (m: number, n: number) => {
    for (let p = 0; p < 4; p++) if (p * n <= 4 * m && 4 * m < (p + 1) * n) return p;
    throw new Error('unreachable');
  };
  const s: [number, number][] = [
    [0, 12],
    [2, 12],
    [3, 12],
    [11, 12],
    [0, 7],
    [3, 7],
    [6, 7],
    [50, 100],
    [24, 100],
    [25, 100],
  ];
  const samples = s.map(([sliceIndex, slicesInVolume], i) => ({ sliceIndex, slicesInVolume, volume: `v${i % 4}` }));
  const expected = loopMask(s.length, (i, j) => partOf(...s[i]!) === partOf(...s[j]!));
  assert.deepEqual(toRows(samePartitionRelation(samples)), expected);
  // hand checks: slice 2 of 12 and slice 0 of 7 are both in partition 0; 24/100 (p0) vs 25/100 (p1)
  const r = toRows(samePartitionRelation(samples));
  assert.equal(r[1]![4], 1);
  assert.equal(r[8]![9], 0);
});

test('samePartitionRelation with another number of partitions', () => {
  const samples = [0, 1, 2, 3, 4, 5].map((m) => ({ sliceIndex: m, slicesInVolume: 6 }));
  // 2 partitions: slices 0-2 vs 3-5
  assert.deepEqual(
    toRows(samePartitionRelation(samples, { partitions: 2 })),
    loopMask(6, (i, j) => i < 3 === j < 3),
  );
  assert.throws(() => samePartitionRelation(samples, { partitions: 0 }), /partitions: expected an integer >= 1/);
  assert.throws(
    () => samePartitionRelation([{ slicesInVolume: 3 }]),
    /samePartitionRelation: samples\[0\]\.sliceIndex: required/,
  );
});
