/**
 * The resident cache of loading off the main thread, on a source whose loads finish when the test says: lookups
 * wait only for what is not loaded, pinned values survive any cap, unpinned ones are evicted least recently used
 * first down to the cap, a failed load surfaces at `ready`, a key read before it was made ready is an error (or a
 * synchronous load where the source has one), and the values never depend on the order loads finish in.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResidentCache, type ResidentSource } from '../../src/data/resident-cache.js';

/** values = [key, key, ...] of `size` float32s; loads resolve when `finish(key)` is called (or fail with `fail`) */
function controlled(size = 4) {
  const waiting = new Map<number, { resolve: (v: Float32Array) => void; reject: (e: Error) => void }>();
  const started: number[] = [];
  const source: ResidentSource<Float32Array> = {
    load: (key) =>
      new Promise((resolve, reject) => {
        started.push(key);
        waiting.set(key, { resolve, reject });
      }),
    bytes: (v) => v.byteLength,
    describe: (key) => `value ${key}`,
  };
  return {
    source,
    started,
    finish: (key: number) => waiting.get(key)!.resolve(new Float32Array(size).fill(key)),
    fail: (key: number, msg: string) => waiting.get(key)!.reject(new Error(msg)),
  };
}

const tick = () => new Promise((r) => setImmediate(r));

test('prefetch starts loads without waiting; ready waits for its keys only; get returns the loaded values', async () => {
  const c = controlled();
  const cache = new ResidentCache(c.source, 1 << 20);
  cache.prefetch([1, 2]);
  cache.prefetch([2]);
  assert.deepEqual(c.started, [1, 2], 'one load per key');
  let ready = false;
  const r = cache.ready([2]).then(() => (ready = true));
  c.finish(1);
  await tick();
  assert.equal(ready, false, 'key 2 is not loaded yet');
  c.finish(2);
  await r;
  assert.deepEqual(Array.from(cache.get(2)), [2, 2, 2, 2]);
  assert.deepEqual(Array.from(cache.get(1)), [1, 1, 1, 1]);
  assert.equal(cache.bytes, 32);
  assert.throws(() => cache.get(3), /value 3 was read before it was made ready/);
});

test('eviction: unpinned values go least recently used first down to the cap; pinned ones stay over it', async () => {
  const c = controlled();
  const cache = new ResidentCache(c.source, 32); // room for two values of 16 bytes
  for (const k of [1, 2, 3]) cache.prefetch([k]);
  for (const k of [1, 2, 3]) c.finish(k);
  await cache.ready([1, 2, 3]);
  assert.equal(cache.bytes, 48, 'three pinned values, over the cap');
  cache.release([2]);
  // 2 unpinned but 1 and 3 pinned: 2 goes
  assert.equal(cache.bytes, 32);
  assert.throws(() => cache.get(2));
  cache.release([1, 3]);
  assert.equal(cache.bytes, 32, 'both fit under the cap');
  // a use makes 1 the most recent: loading 4 evicts 3
  cache.prefetch([1]);
  cache.release([1]);
  cache.prefetch([4]);
  c.finish(4);
  await cache.ready([4]);
  cache.release([4]);
  assert.deepEqual(Array.from(cache.get(1)).slice(0, 1), [1]);
  assert.throws(() => cache.get(3), /value 3/);
  assert.equal(cache.bytes, 32);
});

test('a failed load rejects ready with its error; a cap of 0 keeps only what is pinned', async () => {
  const c = controlled();
  const cache = new ResidentCache(c.source, 0);
  cache.prefetch([7, 8]);
  c.fail(7, 'broken.nii.gz: bad magic');
  c.finish(8);
  await assert.rejects(cache.ready([8, 7]), /broken\.nii\.gz: bad magic/);
  assert.throws(() => cache.get(7), /bad magic/);
  assert.equal(cache.bytes, 16);
  cache.release([8]);
  assert.equal(cache.bytes, 0);
});

test('a source with a synchronous load serves keys nobody made ready', () => {
  const cache = new ResidentCache<number[]>(
    { load: async (k) => [k], loadSync: (k) => [k, -k], bytes: () => 8, describe: String },
    0,
  );
  assert.deepEqual(cache.get(5), [5, -5]);
});

test('the values do not depend on the order loads finish in', async () => {
  const results: number[][] = [];
  for (const order of [
    [1, 2, 3],
    [3, 1, 2],
  ]) {
    const c = controlled(2);
    const cache = new ResidentCache(c.source, 1 << 20);
    cache.prefetch([1, 2, 3]);
    for (const k of order) c.finish(k);
    await cache.ready([1, 2, 3]);
    results.push([1, 2, 3].flatMap((k) => Array.from(cache.get(k))));
  }
  assert.deepEqual(results[0], results[1]);
});
