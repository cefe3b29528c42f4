import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getRelation, relationNames, isRelationName, positivesPerRow, isPositive } from '../../src/relations/index.js';

test('registry: the six relations by name, each computing its rule', () => {
  assert.deepEqual([...relationNames].sort(), [
    'identity',
    'position',
    'sameLabel',
    'sameOrganFlag',
    'samePartition',
    'samePatient',
  ]);
  const samples = [
    { id: 0, patient: 'a', sliceIndex: 0, slicesInVolume: 8, label: 1, organFlag: true },
    { id: 1, patient: 'b', sliceIndex: 1, slicesInVolume: 8, label: 1, organFlag: false },
    { id: 2, patient: 'a', sliceIndex: 7, slicesInVolume: 8, label: 2, organFlag: true },
  ];
  // positives of sample 0 (besides itself) under each rule, by hand
  const expected: Record<string, number[]> = {
    identity: [],
    samePatient: [2],
    position: [1], // |1/8 - 2/8| = 0.125 < 0.35 ; |1/8 - 1| no
    samePartition: [1], // partitions 0, 0, 3
    sameLabel: [1],
    sameOrganFlag: [2],
  };
  for (const name of relationNames) {
    const m = getRelation(name)(samples, { threshold: 0.35 });
    const pos = [1, 2].filter((j) => isPositive(m, 0, j));
    assert.deepEqual(pos, expected[name], name);
    assert.equal(positivesPerRow(m)[0], expected[name]!.length, name);
  }
});

test('registry: unknown names are rejected with the known list', () => {
  assert.equal(isRelationName('samePatient'), true);
  assert.equal(isRelationName('toString'), false);
  assert.throws(() => getRelation('patient'), /relation: unknown name "patient"; known: identity, samePatient/);
});
