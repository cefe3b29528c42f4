import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyStandardizer, fitStandardizer, toMatrix, toVector } from '../../../src/eval/readout/index.js';

test('toMatrix accepts rows or flat data and names bad input', () => {
  const a = toMatrix(
    [
      [1, 2],
      [3, 4],
    ],
    'w',
  );
  assert.deepEqual([Array.from(a.data), a.rows, a.cols], [[1, 2, 3, 4], 2, 2]);
  const b = toMatrix({ data: new Float32Array([1, 2, 3, 4, 5, 6]), cols: 3 }, 'w');
  assert.deepEqual([b.rows, b.cols], [2, 3]);
  assert.throws(() => toMatrix([[1, 2], [3]], 'fit: x'), /fit: x: row 1 has 1 features, row 0 has 2/);
  assert.throws(() => toMatrix({ data: [1, 2, NaN, 4], cols: 2 }, 'fit: x'), /\[row 1, column 0\] is NaN/);
  assert.throws(() => toVector([1, 2], 3, 'fit: y'), /fit: y: has 2 entries but there are 3 samples/);
});

test('standardizer: population mean/sd per column, constant columns only centred', () => {
  const m = toMatrix(
    [
      [1, 5, 0],
      [3, 5, 10],
      [5, 5, 20],
    ],
    't',
  );
  const s = fitStandardizer(m);
  assert.deepEqual(Array.from(s.mean), [3, 5, 10]);
  const sd0 = Math.sqrt(8 / 3);
  assert.ok(Math.abs(s.scale[0]! - sd0) < 1e-15);
  assert.equal(s.scale[1], 1);
  const z = applyStandardizer(m, s);
  assert.ok(Math.abs(z.data[0]! - -2 / sd0) < 1e-15);
  assert.deepEqual([z.data[1], z.data[4], z.data[7]], [0, 0, 0]);
});
