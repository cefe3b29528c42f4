import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, tidy } from '../../src/engine/index.js';
import { checkKeys, checkMultipleOfBatch, labelTensor, ringSlots } from '../../src/queues/ring.js';

test('ringSlots: consecutive slots from the pointer, wrapping mod K (hand values)', () => {
  tidy(() => {
    const a = ringSlots(1, 3, 6, 'cpu');
    assert.equal(a.dtype, 'int64');
    assert.deepEqual(a.toArray(), [1, 2, 3]);
    assert.deepEqual(ringSlots(4, 3, 6, 'cpu').toArray(), [4, 5, 0]);
    assert.deepEqual(ringSlots(5, 6, 6, 'cpu').toArray(), [5, 0, 1, 2, 3, 4]);
    assert.deepEqual(ringSlots(0, 6, 6, 'cpu').toArray(), [0, 1, 2, 3, 4, 5]);
  });
});

test('checkMultipleOfBatch accepts divisors of K only, and suggests a size', () => {
  checkMultipleOfBatch('Q', 4096, 16);
  checkMultipleOfBatch('Q', 3072, 32);
  checkMultipleOfBatch('Q', 6, 6);
  assert.throws(
    () => checkMultipleOfBatch('Q', 100, 32),
    /Q: queue size 100 is not a multiple of the batch size 32 .*e\.g\. size 96/,
  );
  assert.throws(() => checkMultipleOfBatch('Q', 8, 0), /Q: batch size must be a positive integer, got 0/);
  assert.throws(() => checkMultipleOfBatch('Q', 8, 16), /a batch of 16 keys does not fit in a queue of size 8/);
});

test('labelTensor and checkKeys validate and convert', () => {
  tidy(() => {
    const t = labelTensor('Q', 'labels', [3, -1, 2 ** 40], 3, 'int64', 'cpu');
    assert.equal(t.dtype, 'int64');
    assert.deepEqual(t.toArray(), [3, -1, 2 ** 40]);
    const u = labelTensor('Q', 'ids', tensor([1, 2], { dtype: 'int64' }), 2, 'int32', 'cpu');
    assert.equal(u.dtype, 'int32');
    assert.deepEqual(u.toArray(), [1, 2]);
    assert.throws(
      () => labelTensor('Q', 'ids', [2 ** 31], 1, 'int32', 'cpu'),
      /Q: ids\[0\] must be an integer within ±2147483647/,
    );
    assert.throws(
      () => labelTensor('Q', 'ids', tensor([[1, 2]], { dtype: 'int64' }), 2, 'int32', 'cpu'),
      /ids must have shape \[2\], got \[1, 2\]/,
    );
    assert.throws(
      () => labelTensor('Q', 'ids', tensor([true, false], { dtype: 'bool' }), 2, 'int32', 'cpu'),
      /integer tensor, got bool/,
    );
    assert.equal(checkKeys('Q', tensor([0, 0, 0, 0, 0, 0], { shape: [2, 3] }), 3), 2);
    assert.throws(
      () => checkKeys('Q', tensor([0, 0, 0], { shape: [3] }), 3),
      /keys must have shape \[batch, 3\], got \[3\]/,
    );
    assert.throws(
      () => checkKeys('Q', tensor([0, 0, 0], { shape: [1, 3], dtype: 'int32' }), 3),
      /floating point, got int32/,
    );
  });
});
