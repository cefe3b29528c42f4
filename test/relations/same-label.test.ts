import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sameLabelRelation } from '../../src/relations/same-label.js';
import { loopMask, toRows } from './helpers.js';

test('sameLabelRelation matches a double loop over labels (numbers and strings)', () => {
  const labels: (number | string)[] = [0, 1, 1, 2, 0, 'x', 'x', 1];
  const r = sameLabelRelation(labels.map((label) => ({ label })));
  assert.deepEqual(
    toRows(r),
    loopMask(labels.length, (i, j) => labels[i] === labels[j]),
  );
  // the number 1 and the string '1' are different labels
  assert.deepEqual(toRows(sameLabelRelation([{ label: 1 }, { label: '1' }])), [
    [1, 0],
    [0, 1],
  ]);
});

test('sameLabelRelation names the sample missing a label', () => {
  assert.throws(() => sameLabelRelation([{ label: 0 }, {}]), /sameLabelRelation: samples\[1\]\.label: required/);
});
