import { test } from 'node:test';
import assert from 'node:assert/strict';
import { imageEmbeddings, meanPatchEmbedding } from '../../../src/eval/readout/index.js';

test('meanPatchEmbedding: the mean of the patch rows, from rows or a flat array', () => {
  const rows = [
    [1, 2, 3],
    [3, 2, 1],
    [2, 5, -1],
  ];
  assert.deepEqual(Array.from(meanPatchEmbedding(rows)), [2, 3, 1]);
  assert.deepEqual(Array.from(meanPatchEmbedding({ data: new Float32Array(rows.flat()), cols: 3 })), [2, 3, 1]);
  assert.throws(() => meanPatchEmbedding([]), /no samples/);
  assert.throws(() => meanPatchEmbedding({ data: [1, 2, 3, 4], cols: 3 }), /not a multiple of cols = 3/);
  assert.throws(() => meanPatchEmbedding([[1, Infinity]]), /row 0, column 1\] is Infinity/);
});

test('imageEmbeddings groups patches by scan id in first-appearance order', () => {
  const patches = [
    [1, 1],
    [10, 0],
    [3, 3],
    [20, 2],
    [5, 5],
  ];
  const r = imageEmbeddings(patches, ['a', 'b', 'a', 'b', 'a']);
  assert.deepEqual(r.ids, ['a', 'b']);
  assert.deepEqual(r.counts, [3, 2]);
  assert.deepEqual(Array.from(r.embeddings[0]!), [3, 3]);
  assert.deepEqual(Array.from(r.embeddings[1]!), [15, 1]);
  assert.throws(() => imageEmbeddings(patches, ['a']), /scanIds has 1 entries but there are 5 patches/);
});
