import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RandomSampler } from '../../src/samplers/random.js';
import { counts } from './helpers.js';

test('random: deterministic for a seed, different for another seed and another epoch', () => {
  const a = new RandomSampler({ size: 50, batchSize: 8, seed: 1 });
  const b = new RandomSampler({ size: 50, batchSize: 8, seed: 1 });
  assert.deepEqual(a.epoch(3), b.epoch(3));
  // pure in the epoch: asking for epochs out of order changes nothing
  const e2 = a.epoch(2);
  a.epoch(7);
  assert.deepEqual(a.epoch(2), e2);
  assert.notDeepEqual(a.epoch(0), new RandomSampler({ size: 50, batchSize: 8, seed: 2 }).epoch(0));
  assert.notDeepEqual(a.epoch(0), a.epoch(1));
});

test('random (fill): every sample at least once, all batches full, repeats only in the last batch', () => {
  const s = new RandomSampler({ size: 50, batchSize: 8, seed: 3 });
  for (let e = 0; e < 4; e++) {
    const batches = s.epoch(e);
    assert.equal(batches.length, 7); // ceil(50/8)
    batches.forEach((b, i) => {
      assert.equal(b.items.length, 8);
      assert.equal(b.index, i);
      assert.equal(b.epoch, e);
      assert.equal(new Set(b.items).size, 8, 'no sample twice in a batch');
    });
    const c = counts(batches, (x) => x);
    assert.equal(c.size, 50);
    for (let i = 0; i < 50; i++) assert.ok((c.get(i) ?? 0) >= 1, `sample ${i} covered`);
    const firstSix = counts(batches.slice(0, 6), (x) => x);
    for (const v of firstSix.values()) assert.equal(v, 1);
    // 6 full batches cover 48 samples; the last holds the 2 others plus 6 repeats
    assert.equal(
      [...c.values()].reduce((p, q) => p + q, 0),
      56,
    );
  }
});

test('random (keep / drop)', () => {
  const keep = new RandomSampler({ size: 10, batchSize: 4, seed: 0, last: 'keep' }).epoch(0);
  assert.deepEqual(
    keep.map((b) => b.items.length),
    [4, 4, 2],
  );
  assert.deepEqual(
    keep.flatMap((b) => b.items).sort((x, y) => x - y),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
  const drop = new RandomSampler({ size: 10, batchSize: 4, seed: 0, last: 'drop' }).epoch(0);
  assert.deepEqual(
    drop.map((b) => b.items.length),
    [4, 4],
  );
});

test('random: validation', () => {
  assert.throws(() => new RandomSampler({ size: 0, batchSize: 4, seed: 0 }), /random: the data set is empty/);
  assert.throws(
    () => new RandomSampler({ size: 3, batchSize: 4, seed: 0 }),
    /random: needs at least batchSize=4 samples to fill a batch; data set has 3/,
  );
  assert.doesNotThrow(() => new RandomSampler({ size: 3, batchSize: 4, seed: 0, last: 'keep' }));
  assert.throws(() => new RandomSampler({ size: 3, batchSize: 0, seed: 0 }), /batchSize: expected an integer >= 1/);
  assert.throws(() => new RandomSampler({ size: 3, batchSize: 1, seed: 0.5 }), /seed: expected an integer/);
  assert.throws(
    () => new RandomSampler({ size: 3, batchSize: 1, seed: 0, last: 'pad' as 'fill' }),
    /last: expected "fill" \| "keep" \| "drop"/,
  );
  assert.throws(
    () => new RandomSampler({ size: 3, batchSize: 1, seed: 0 }).epoch(-1),
    /epoch: expected an integer >= 0/,
  );
});
