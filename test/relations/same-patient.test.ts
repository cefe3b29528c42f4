import { test } from 'node:test';
import assert from 'node:assert/strict';
import { samePatientRelation } from '../../src/relations/same-patient.js';
import { loopMask, toRows } from './helpers.js';

test('samePatientRelation matches a double loop over patient ids', () => {
  const patients = ['p01', 'p02', 'p01', 'p03', 'p02', 'p01'];
  const r = samePatientRelation(patients.map((patient) => ({ patient })));
  assert.deepEqual(
    toRows(r),
    loopMask(6, (i, j) => patients[i] === patients[j]),
  );
  // hand check of one row: p02 at 1 and 4
  assert.deepEqual(toRows(r)[1], [0, 1, 0, 0, 1, 0]);
});

test('samePatientRelation names the sample missing a patient', () => {
  assert.throws(
    () => samePatientRelation([{ patient: 'a' }, { patient: 'b' }, { id: 3 }]),
    /samePatientRelation: samples\[2\]\.patient: required/,
  );
});
