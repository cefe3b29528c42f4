import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RandomSampler } from '../../src/samplers/random.js';
import { PatientGroupedSampler } from '../../src/samplers/patient-grouped.js';
import { DistributedSampler, globalItems, shardItems } from '../../src/samplers/distributed.js';

test('distributed sampler: per epoch, the ranks hold disjoint contiguous shards whose concatenation is the global batch', () => {
  const inner = new RandomSampler({ size: 40, batchSize: 8, seed: 5 });
  const ranks = [0, 1, 2, 3].map((r) => new DistributedSampler(inner, r, 4));
  for (const e of [0, 1, 7]) {
    const global = inner.epoch(e);
    const shards = ranks.map((s) => s.epoch(e));
    global.forEach((b, i) => {
      const parts = shards.map((s) => s[i]!);
      for (const p of parts) {
        assert.equal(p.items.length, 2);
        assert.equal(p.index, b.index);
        assert.equal(p.epoch, e);
        assert.deepEqual(p.global, b.items);
        assert.deepEqual(globalItems(p), b.items);
      }
      assert.deepEqual(
        parts.flatMap((p) => p.items),
        b.items,
      );
    });
    // a different epoch reshuffles (the inner sampler is seeded by (seed, epoch))
  }
  assert.notDeepEqual(ranks[0]!.epoch(0)[0]!.items, ranks[0]!.epoch(1)[0]!.items);
  // across a whole epoch the shards of one rank never meet another rank's in the same step
  const a = ranks[0]!.epoch(2).map((b) => b.items);
  const b = ranks[1]!.epoch(2).map((x) => x.items);
  a.forEach((items, i) => assert.equal(items.filter((x) => b[i]!.includes(x)).length, 0));
});

test('distributed sampler: a batch not divisible by the world size is padded by repeating its first items', () => {
  assert.deepEqual(shardItems([10, 11, 12, 13, 14], 0, 3), { local: [10, 11], global: [10, 11, 12, 13, 14, 10] });
  assert.deepEqual(shardItems([10, 11, 12, 13, 14], 2, 3).local, [14, 10]);
  const keep = new RandomSampler({ size: 7, batchSize: 4, seed: 1, last: 'keep' });
  const last = new DistributedSampler(keep, 1, 2).epoch(0)[1]!;
  assert.equal(last.global.length, 4);
  assert.equal(last.items.length, 2);
});

test('distributed sampler: contiguous shards keep patient groups on one rank', () => {
  const patients = Array.from({ length: 24 }, (_, i) => `p${i % 6}`);
  const inner = new PatientGroupedSampler({ patients, patientsPerBatch: 4, imagesPerPatient: 2, seed: 3 });
  for (const r of [0, 1]) {
    for (const batch of new DistributedSampler(inner, r, 2).epoch(0)) {
      const ps = batch.items.map((i) => patients[i]);
      assert.equal(new Set(ps).size, 2, `rank ${r}: two patients of two images each, got ${ps.join(',')}`);
    }
  }
});

test('distributed sampler: bad rank or world size name the field', () => {
  const inner = new RandomSampler({ size: 8, batchSize: 4, seed: 1 });
  assert.throws(() => new DistributedSampler(inner, 2, 2), /rank/);
  assert.throws(() => new DistributedSampler(inner, 0, 0), /worldSize/);
});
