import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sameOrganFlagRelation } from '../../src/relations/same-organ-flag.js';
import { loopMask, toRows } from './helpers.js';

test('sameOrganFlagRelation matches a double loop over flags, across scans', () => {
  const flags = [true, false, false, true, true, false];
  const volumes = ['a', 'a', 'b', 'b', 'c', 'c'];
  const r = sameOrganFlagRelation(flags.map((organFlag, i) => ({ organFlag, volume: volumes[i]! })));
  assert.deepEqual(
    toRows(r),
    loopMask(6, (i, j) => flags[i] === flags[j]),
  );
  assert.deepEqual(toRows(r)[0], [1, 0, 0, 1, 1, 0]);
});

test('sameOrganFlagRelation rejects missing or non-boolean flags', () => {
  assert.throws(() => sameOrganFlagRelation([{ organFlag: true }, {}]), /samples\[1\]\.organFlag: required/);
  assert.throws(
    () => sameOrganFlagRelation([{ organFlag: 1 as unknown as boolean }]),
    /samples\[0\]\.organFlag: expected a boolean/,
  );
});
