import { test } from 'node:test';
import assert from 'node:assert/strict';
import { identityRelation } from '../../src/relations/identity.js';
import { loopMask, toRows } from './helpers.js';

test('identityRelation: only the diagonal without ids', () => {
  const r = identityRelation([{}, {}, {}, {}]);
  assert.equal(r.n, 4);
  assert.deepEqual(toRows(r), [
    [1, 0, 0, 0],
    [0, 1, 0, 0],
    [0, 0, 1, 0],
    [0, 0, 0, 1],
  ]);
});

test('identityRelation: equal ids (a sample drawn twice) are the same sample', () => {
  const ids = [7, 3, 7, 'a', 3, 'a', 9];
  const samples = ids.map((id) => ({ id }));
  const expected = loopMask(ids.length, (i, j) => i === j || ids[i] === ids[j]);
  assert.deepEqual(toRows(identityRelation(samples)), expected);
  // hand check: sample 0 (id 7) relates to 0 and 2 only
  assert.deepEqual(toRows(identityRelation(samples))[0], [1, 0, 1, 0, 0, 0, 0]);
});

test('identityRelation: empty batch', () => {
  const r = identityRelation([]);
  assert.equal(r.n, 0);
  assert.equal(r.mask.length, 0);
});
