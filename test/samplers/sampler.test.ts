import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chunkOrder, epochRng, SamplerCursor } from '../../src/samplers/sampler.js';
import { RandomSampler } from '../../src/samplers/random.js';
import { Rng } from '../../src/util/rng.js';

test('epochRng: same (seed, epoch) same stream; other seed or epoch another stream', () => {
  const draw = (r: Rng) => Array.from({ length: 8 }, () => r.nextU32());
  assert.deepEqual(draw(epochRng(42, 3)), draw(epochRng(42, 3)));
  assert.notDeepEqual(draw(epochRng(42, 3)), draw(epochRng(42, 4)));
  assert.notDeepEqual(draw(epochRng(42, 3)), draw(epochRng(43, 3)));
  // negative seeds are allowed (two's complement to 64 bits) and distinct from positive ones
  assert.notDeepEqual(draw(epochRng(-1, 0)), draw(epochRng(1, 0)));
});

test('chunkOrder: fill completes the last batch with distinct earlier entries; keep and drop', () => {
  const order = [9, 4, 7, 1, 0, 3, 8, 2, 6, 5, 10];
  const fill = chunkOrder(order, 4, 'fill', new Rng(1));
  assert.equal(fill.length, 3);
  assert.deepEqual(fill[0], [9, 4, 7, 1]);
  assert.deepEqual(fill[1], [0, 3, 8, 2]);
  const last = fill[2]!;
  assert.deepEqual(last.slice(0, 3), [6, 5, 10]);
  assert.equal(last.length, 4);
  assert.ok(order.slice(0, 8).includes(last[3]!), 'fill comes from earlier entries');
  assert.deepEqual(chunkOrder(order, 4, 'keep', new Rng(1)), [
    [9, 4, 7, 1],
    [0, 3, 8, 2],
    [6, 5, 10],
  ]);
  assert.deepEqual(chunkOrder(order, 4, 'drop', new Rng(1)), [
    [9, 4, 7, 1],
    [0, 3, 8, 2],
  ]);
  // an exact multiple has no partial batch under any policy
  for (const p of ['fill', 'keep', 'drop'] as const)
    assert.equal(chunkOrder(order.slice(0, 8), 4, p, new Rng(1)).length, 2);
});

test('SamplerCursor: saving and restoring the position reproduces an uninterrupted run exactly', () => {
  const make = () => new SamplerCursor(new RandomSampler({ size: 23, batchSize: 5, seed: 7 }));
  const straight = make();
  const all = Array.from({ length: 17 }, () => straight.next()); // 5 batches per epoch: crosses 3 epochs
  assert.deepEqual(
    all.map((b) => b.epoch),
    [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3],
  );
  const first = make();
  for (let i = 0; i < 8; i++) first.next();
  const saved = JSON.parse(JSON.stringify(first.getState()));
  assert.deepEqual(saved, { sampler: 'random', seed: 7, epoch: 1, batch: 3 });
  const resumed = make();
  resumed.setState(saved);
  const rest = Array.from({ length: 9 }, () => resumed.next());
  assert.deepEqual(rest, all.slice(8));
  // restOfEpoch gives the remaining batches of the epoch and moves on
  const c = make();
  c.setState({ sampler: 'random', seed: 7, epoch: 2, batch: 3 });
  assert.deepEqual(c.restOfEpoch(), all.slice(13, 15));
  assert.deepEqual(c.next(), all[15]);
});

test('SamplerCursor: refuses a state from another sampler or seed', () => {
  const c = new SamplerCursor(new RandomSampler({ size: 10, batchSize: 5, seed: 7 }));
  assert.throws(
    () => c.setState({ sampler: 'random', seed: 8, epoch: 0, batch: 0 }),
    /state is for sampler random seed 8/,
  );
  assert.throws(() => c.setState({ sampler: 'patientGrouped', seed: 7, epoch: 0, batch: 0 }), /patientGrouped/);
  assert.throws(() => c.setState({ sampler: 'random', seed: 7, epoch: -1, batch: 0 }), /epoch/);
});
