/** StateReader: the queues' one check of a checkpointed state (entry present, shape, pointer range). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, zeros, tidy } from '../../src/engine/index.js';
import { StateReader } from '../../src/queues/state.js';

test('StateReader: entries by name with their shapes; pointers in [0, size); errors name the owner', () => {
  tidy(() => {
    const sd = { keys: zeros([4, 2]), pointer: tensor(3, { dtype: 'int64' }), blob: zeros([7]) };
    for (const src of [sd, new Map(Object.entries(sd))]) {
      const r = new StateReader('Q.load', 'the queue', src);
      assert.deepEqual(r.get('keys', [4, 2]).shape, [4, 2]);
      assert.deepEqual(r.get('blob').shape, [7], 'no shape asked: any');
      assert.throws(
        () => r.get('keys', [4, 3]),
        /^RangeError: Q\.load: "keys" has shape \[4, 2\], the queue \[4, 3\]$/,
      );
      assert.throws(() => r.get('labels', [4]), /Q\.load: missing "labels"/);
      assert.equal(r.pointer(r.get('pointer', []).item(), 4, 'pointer'), 3);
      assert.throws(() => r.pointer(4, 4, 'pointer'), /Q\.load: pointer 4 outside \[0, 4\)/);
      assert.throws(() => r.pointer(-1, 4, 'pointers[2] ='), /pointers\[2\] = -1 outside/);
      assert.throws(() => r.pointer(1.5, 4, 'pointer'), /pointer 1\.5 outside/);
    }
  });
});
