import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AcrossVolumesSampler } from '../../src/samplers/across-volumes.js';
import { positionRelation } from '../../src/relations/position.js';

const volumes = [
  { id: 'ct01', slices: 12, patient: 'p1' },
  { id: 'ct02', slices: 7, patient: 'p2' },
  { id: 'ct03', slices: 20, patient: 'p3' },
];

test('acrossVolumes: each epoch covers every (volume, slice) with full batches; items carry their geometry', () => {
  const s = new AcrossVolumesSampler({ volumes, batchSize: 8, seed: 3 });
  for (let e = 0; e < 3; e++) {
    const batches = s.epoch(e);
    assert.equal(batches.length, 5); // ceil(39 / 8)
    const seen = new Set<string>();
    for (const b of batches) {
      assert.equal(b.items.length, 8);
      assert.equal(new Set(b.items.map((r) => r.id)).size, 8);
      for (const r of b.items) {
        const v = volumes[r.volume]!;
        assert.equal(r.volumeId, v.id);
        assert.equal(r.slicesInVolume, v.slices);
        assert.equal(r.patient, v.patient);
        assert.ok(Number.isInteger(r.sliceIndex) && r.sliceIndex >= 0 && r.sliceIndex < v.slices);
        seen.add(`${r.volumeId}/${r.sliceIndex}`);
      }
    }
    assert.equal(seen.size, 12 + 7 + 20);
  }
  // global ids are consistent with (volume, slice): volumes numbered in order
  const offsets = [0, 12, 19];
  for (const b of s.epoch(0)) for (const r of b.items) assert.equal(r.id, offsets[r.volume]! + r.sliceIndex);
});

test('acrossVolumes: batches mix volumes, and the items feed positionRelation directly', () => {
  const s = new AcrossVolumesSampler({ volumes, batchSize: 8, seed: 3 });
  const mixed = s.epoch(0).filter((b) => new Set(b.items.map((r) => r.volume)).size > 1).length;
  assert.ok(mixed >= 4, 'most batches hold slices of several volumes');
  const b = s.epoch(0)[0]!;
  const m = positionRelation(b.items, { threshold: 0.1 });
  for (let i = 0; i < 8; i++)
    for (let j = 0; j < 8; j++) {
      const a = b.items[i]!;
      const c = b.items[j]!;
      // integer reference: |(a+1) n_c - (c+1) n_a| < 0.1 n_a n_c
      const expected =
        Math.abs((a.sliceIndex + 1) * c.slicesInVolume - (c.sliceIndex + 1) * a.slicesInVolume) * 10 <
        a.slicesInVolume * c.slicesInVolume;
      assert.equal(m.mask[i * 8 + j] === 1, expected);
    }
});

test('acrossVolumes: deterministic per seed, changes with seed and epoch', () => {
  const a = new AcrossVolumesSampler({ volumes, batchSize: 5, seed: 1 });
  assert.deepEqual(a.epoch(4), new AcrossVolumesSampler({ volumes, batchSize: 5, seed: 1 }).epoch(4));
  assert.notDeepEqual(a.epoch(0), a.epoch(1));
  assert.notDeepEqual(a.epoch(0), new AcrossVolumesSampler({ volumes, batchSize: 5, seed: 2 }).epoch(0));
});

test('acrossVolumes: validation', () => {
  assert.throws(() => new AcrossVolumesSampler({ volumes: [], batchSize: 4, seed: 0 }), /acrossVolumes: no volumes/);
  assert.throws(
    () => new AcrossVolumesSampler({ volumes: [{ id: 'a', slices: 0 }], batchSize: 4, seed: 0 }),
    /volumes\[0\]\.slices: expected an integer >= 1, got 0 \(volume a\)/,
  );
  assert.throws(
    () =>
      new AcrossVolumesSampler({
        volumes: [
          { id: 'a', slices: 2 },
          { id: 'a', slices: 3 },
        ],
        batchSize: 4,
        seed: 0,
      }),
    /duplicate volume ids: a \(volumes\[0\] and volumes\[1\]\)/,
  );
  assert.throws(
    () => new AcrossVolumesSampler({ volumes: [{ id: 'a', slices: 2 }], batchSize: 4, seed: 0 }),
    /needs at least batchSize=4 slices for a full batch; 1 volumes hold 2/,
  );
});
