/**
 * LandmarkBatchSampler: one landmark per batch, every landmark (and every patient at every landmark) each epoch, the
 * landmark index changing across batches (docs/methods.md §6: the authors' loader likely froze it), determinism,
 * resume, and the neighbour table / locations it carries.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LandmarkBatchSampler, asLandmarkBatch, type LandmarkBatch } from '../../src/samplers/landmark-batches.js';
import { SamplerCursor } from '../../src/samplers/sampler.js';
import { Rng } from '../../src/util/rng.js';

function landmarks(n: number, seed: number): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => [rng.int(0, 200), rng.int(0, 150), rng.int(0, 180)]);
}

/** how often the landmark differs between consecutive batches */
function changes(batches: readonly LandmarkBatch[]): number {
  let c = 0;
  for (let i = 1; i < batches.length; i++) if (batches[i]!.landmark !== batches[i - 1]!.landmark) c++;
  return c;
}

test('landmarkBatches: every landmark, and every patient at every landmark, in every epoch (fill / keep)', () => {
  const L = 23;
  const P = 10;
  for (const order of ['shuffled', 'grouped'] as const) {
    for (const last of ['fill', 'keep'] as const) {
      const s = new LandmarkBatchSampler({
        landmarks: landmarks(L, 1),
        patients: P,
        batchSize: 4,
        seed: 5,
        order,
        last,
      });
      for (let e = 0; e < 3; e++) {
        const batches = s.epoch(e);
        assert.equal(batches.length, L * 3, 'ceil(10 / 4) batches per landmark');
        assert.equal(batches.length, s.batchesPerEpoch());
        const seen = new Map<number, number[]>();
        batches.forEach((b, i) => {
          assert.equal(b.index, i);
          assert.equal(b.epoch, e);
          assert.equal(new Set(b.items).size, b.items.length, 'distinct patients in a batch');
          assert.ok(b.items.every((p) => Number.isInteger(p) && p >= 0 && p < P));
          if (last === 'fill') assert.equal(b.items.length, 4);
          const list = seen.get(b.landmark) ?? [];
          list.push(...b.items);
          seen.set(b.landmark, list);
        });
        assert.deepEqual(
          [...seen.keys()].sort((a, b) => a - b),
          Array.from({ length: L }, (_, i) => i),
          `${order}/${last} epoch ${e}: every landmark visited`,
        );
        for (const [j, list] of seen) {
          assert.deepEqual(
            [...new Set(list)].sort((a, b) => a - b),
            Array.from({ length: P }, (_, i) => i),
            `landmark ${j}: every patient`,
          );
          assert.equal(list.length, last === 'fill' ? 12 : 10);
        }
      }
    }
  }
});

test('landmarkBatches: the landmark index changes across batches (shuffled: mostly; grouped: L - 1 times per epoch)', () => {
  const L = 30;
  const shuffled = new LandmarkBatchSampler({ landmarks: landmarks(L, 2), patients: 16, batchSize: 4, seed: 1 });
  const grouped = new LandmarkBatchSampler({
    landmarks: landmarks(L, 2),
    patients: 16,
    batchSize: 4,
    seed: 1,
    order: 'grouped',
  });
  for (let e = 0; e < 2; e++) {
    const a = shuffled.epoch(e);
    // 120 batches over 30 landmarks in random order: far more changes than the grouped order's 29
    assert.ok(changes(a) > 60, `shuffled epoch ${e}: ${changes(a)} changes`);
    const b = grouped.epoch(e);
    assert.equal(changes(b), L - 1, 'grouped: each landmark in one run of batches');
    // the landmark order itself is shuffled, and differs between epochs
    const runs = b.filter((_, i) => i % 4 === 0).map((x) => x.landmark);
    assert.notDeepEqual(
      runs,
      Array.from({ length: L }, (_, i) => i),
    );
    if (e === 1)
      assert.notDeepEqual(
        runs,
        grouped
          .epoch(0)
          .filter((_, i) => i % 4 === 0)
          .map((x) => x.landmark),
      );
  }
  // through a cursor, as a training loop sees it: the first 8 batches do not all share one landmark
  const cursor = new SamplerCursor(shuffled);
  const seen = new Set(Array.from({ length: 8 }, () => asLandmarkBatch(cursor.next()).landmark));
  assert.ok(seen.size > 1, 'the landmark moves on');
});

test('landmarkBatches: deterministic per (seed, epoch), pure in the epoch, resumable with a cursor', () => {
  const opts = { landmarks: landmarks(12, 3), patients: 9, batchSize: 4, seed: 11 };
  const a = new LandmarkBatchSampler(opts);
  const b = new LandmarkBatchSampler(opts);
  assert.deepEqual(a.epoch(2), b.epoch(2));
  const e1 = a.epoch(1);
  a.epoch(5);
  assert.deepEqual(a.epoch(1), e1);
  assert.notDeepEqual(a.epoch(0), a.epoch(1));
  assert.notDeepEqual(a.epoch(0), new LandmarkBatchSampler({ ...opts, seed: 12 }).epoch(0));

  const c1 = new SamplerCursor(a);
  for (let i = 0; i < 40; i++) c1.next();
  const state = c1.getState();
  const expected = Array.from({ length: 10 }, () => c1.next());
  const c2 = new SamplerCursor(new LandmarkBatchSampler(opts));
  c2.setState(state);
  assert.deepEqual(
    Array.from({ length: 10 }, () => c2.next()),
    expected,
  );
});

test('landmarkBatches: batches carry N(j) = the ℓ nearest landmarks and the table / locations are exposed', () => {
  const coords = [
    [0, 0, 0],
    [10, 0, 0],
    [0, 30, 0],
    [0, 0, 5],
    [100, 100, 100],
  ];
  const s = new LandmarkBatchSampler({ landmarks: coords, patients: 3, batchSize: 3, seed: 0, neighbours: 2 });
  assert.deepEqual(s.neighbourTable, [
    [3, 1],
    [0, 3],
    [0, 3],
    [0, 1],
    [2, 1],
  ]);
  for (const b of s.epoch(0)) assert.deepEqual(b.neighbours, s.neighbourTable[b.landmark]);
  assert.deepEqual(s.locations[0], [-1, -1, -1]);
  assert.deepEqual(s.locations[4], [1, 1, 1]);
  assert.ok(s.locations.flat().every((v) => v >= -1 && v <= 1));
  const three = new LandmarkBatchSampler({ landmarks: coords, patients: 3, batchSize: 3, seed: 0, neighbours: 3 });
  assert.equal(three.neighbourTable[0]!.length, 3);
});

test('landmarkBatches: drop policy, batch counts, validation', () => {
  const lm = landmarks(5, 4);
  const drop = new LandmarkBatchSampler({ landmarks: lm, patients: 10, batchSize: 4, seed: 0, last: 'drop' });
  assert.equal(drop.batchesPerLandmark(), 2);
  assert.equal(drop.epoch(0).length, 10);
  assert.ok(drop.epoch(0).every((b) => b.items.length === 4));
  const exact = new LandmarkBatchSampler({ landmarks: lm, patients: 8, batchSize: 4, seed: 0 });
  assert.equal(exact.batchesPerLandmark(), 2);
  assert.throws(
    () => new LandmarkBatchSampler({ landmarks: lm, patients: 3, batchSize: 4, seed: 0 }),
    /needs at least batchSize=4 patients to fill a batch; data set has 3/,
  );
  assert.throws(
    () => new LandmarkBatchSampler({ landmarks: lm, patients: 0, batchSize: 4, seed: 0 }),
    /patients: expected an integer >= 1/,
  );
  assert.throws(
    () => new LandmarkBatchSampler({ landmarks: lm, patients: 8, batchSize: 4, seed: 0, order: 'random' as never }),
    /order: expected "shuffled" \| "grouped"/,
  );
  assert.throws(
    () => new LandmarkBatchSampler({ landmarks: lm, patients: 8, batchSize: 4, seed: 0, neighbours: 5 }),
    /5 neighbours requested but there are only 5 landmarks/,
  );
  assert.throws(() => asLandmarkBatch({ epoch: 0, index: 0, items: [1] }), /does not come from a LandmarkBatchSampler/);
});
