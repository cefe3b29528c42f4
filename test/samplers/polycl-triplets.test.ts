import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PolyclTripletSampler, type Triplet } from '../../src/samplers/polycl-triplets.js';

function flagsOf(n: number, from: number, to: number): boolean[] {
  return Array.from({ length: n }, (_, i) => i >= from && i < to);
}

const volumes = [
  { id: 's1', slices: 10, organFlags: flagsOf(10, 3, 7) },
  { id: 's2', slices: 6, organFlags: flagsOf(6, 2, 4) },
  { id: 's3', slices: 15, organFlags: flagsOf(15, 5, 12) },
  { id: 's4', slices: 4, organFlags: flagsOf(4, 0, 0) },
];
const total = 10 + 6 + 15 + 4;

function all(s: PolyclTripletSampler, e: number): Triplet[] {
  return s.epoch(e).flatMap((b) => b.items);
}

function key(t: Triplet): string {
  return `${t.anchor.id}>${t.positive.id}/${t.negative.id}`;
}

test('PolyCL-S: every triplet satisfies the scan definition; every slice is an anchor each epoch', () => {
  const s = new PolyclTripletSampler({ volumes, mode: 'scan', batchSize: 4, seed: 2 });
  for (let e = 0; e < 4; e++) {
    const ts = all(s, e);
    assert.equal(ts.length, Math.ceil(total / 4) * 4);
    for (const t of ts) {
      assert.equal(t.positive.volumeId, t.anchor.volumeId, 'positive from the same scan');
      assert.notEqual(t.positive.sliceIndex, t.anchor.sliceIndex, 'positive is another slice');
      assert.notEqual(t.negative.volumeId, t.anchor.volumeId, 'negative from a different scan');
      for (const r of [t.anchor, t.positive, t.negative]) {
        const v = volumes[r.volume]!;
        assert.equal(r.volumeId, v.id);
        assert.equal(r.slicesInVolume, v.slices);
        assert.ok(r.sliceIndex >= 0 && r.sliceIndex < v.slices);
        assert.equal(r.organFlag, v.organFlags[r.sliceIndex]);
      }
    }
    const anchors = new Set(ts.map((t) => `${t.anchor.volumeId}/${t.anchor.sliceIndex}`));
    assert.equal(anchors.size, total);
  }
});

test('PolyCL-O: every triplet satisfies the organ definition, positives come from several scans', () => {
  const s = new PolyclTripletSampler({ volumes, mode: 'organ', batchSize: 5, seed: 8 });
  const scansOfPositives = new Set<string>();
  for (let e = 0; e < 4; e++) {
    const ts = all(s, e);
    for (const t of ts) {
      // flags looked up from the input, not from the refs
      const flag = (r: Triplet['anchor']) => volumes[r.volume]!.organFlags[r.sliceIndex]!;
      assert.equal(flag(t.positive), flag(t.anchor), 'positive has the same flag');
      assert.notEqual(t.positive.id, t.anchor.id, 'positive is another slice');
      assert.notEqual(flag(t.negative), flag(t.anchor), 'negative has the other flag');
      if (t.positive.volumeId !== t.anchor.volumeId)
        scansOfPositives.add(`${t.anchor.volumeId}->${t.positive.volumeId}`);
    }
    assert.equal(new Set(ts.map((t) => t.anchor.id)).size, total);
  }
  assert.ok(scansOfPositives.size >= 6, 'positives are drawn from any scan');
});

test('PolyCL: pairs are re-drawn every epoch, deterministic given (seed, epoch)', () => {
  for (const mode of ['scan', 'organ'] as const) {
    const s = new PolyclTripletSampler({ volumes, mode, batchSize: 5, seed: 11 });
    const t = new PolyclTripletSampler({ volumes, mode, batchSize: 5, seed: 11 });
    t.epoch(5); // another epoch first changes nothing
    assert.deepEqual(t.epoch(1), s.epoch(1));
    // the pair of each anchor changes between epochs for most anchors
    const pairs = (e: number) =>
      new Map(
        all(s, e)
          .slice(0, total)
          .map((x) => [x.anchor.id, `${x.positive.id}/${x.negative.id}`]),
      );
    const p0 = pairs(0);
    const p1 = pairs(1);
    let changed = 0;
    for (const [a, p] of p0) if (p1.get(a) !== p) changed++;
    assert.ok(changed > total / 2, `${mode}: ${changed} of ${total} anchors got new pairs`);
    assert.notDeepEqual(
      all(s, 0).map(key),
      all(new PolyclTripletSampler({ volumes, mode, batchSize: 5, seed: 12 }), 0).map(key),
    );
  }
});

test('PolyCL-S: over many epochs every valid positive and negative of an anchor is drawn, and nothing else', () => {
  const small = [
    { id: 'a', slices: 3 },
    { id: 'b', slices: 2 },
    { id: 'c', slices: 4 },
  ];
  const s = new PolyclTripletSampler({ volumes: small, mode: 'scan', batchSize: 3, seed: 0 });
  const pos = new Map<number, Set<number>>();
  const neg = new Map<number, Set<number>>();
  for (let e = 0; e < 200; e++)
    for (const t of all(s, e)) {
      if (!pos.has(t.anchor.id)) pos.set(t.anchor.id, new Set());
      if (!neg.has(t.anchor.id)) neg.set(t.anchor.id, new Set());
      pos.get(t.anchor.id)!.add(t.positive.id);
      neg.get(t.anchor.id)!.add(t.negative.id);
    }
  const vol = [0, 0, 0, 1, 1, 2, 2, 2, 2];
  for (let a = 0; a < 9; a++) {
    const expPos = [...vol.keys()].filter((g) => vol[g] === vol[a] && g !== a);
    const expNeg = [...vol.keys()].filter((g) => vol[g] !== vol[a]);
    assert.deepEqual([...pos.get(a)!].sort(), expPos, `positives of ${a}`);
    assert.deepEqual([...neg.get(a)!].sort(), expNeg, `negatives of ${a}`);
  }
});

test('PolyCL-O: over many epochs every valid positive and negative of an anchor is drawn, and nothing else', () => {
  const flags = [true, false, true, false, false, true, true];
  const small = [
    { id: 'a', slices: 3, organFlags: flags.slice(0, 3) },
    { id: 'b', slices: 4, organFlags: Uint8Array.from(flags.slice(3).map(Number)) },
  ];
  const s = new PolyclTripletSampler({ volumes: small, mode: 'organ', batchSize: 7, seed: 3 });
  const pos = new Map<number, Set<number>>();
  const neg = new Map<number, Set<number>>();
  for (let e = 0; e < 150; e++)
    for (const t of all(s, e)) {
      (pos.get(t.anchor.id) ?? pos.set(t.anchor.id, new Set()).get(t.anchor.id)!).add(t.positive.id);
      (neg.get(t.anchor.id) ?? neg.set(t.anchor.id, new Set()).get(t.anchor.id)!).add(t.negative.id);
    }
  for (let a = 0; a < 7; a++) {
    assert.deepEqual(
      [...pos.get(a)!].sort(),
      [...flags.keys()].filter((g) => flags[g] === flags[a] && g !== a),
    );
    assert.deepEqual(
      [...neg.get(a)!].sort(),
      [...flags.keys()].filter((g) => flags[g] !== flags[a]),
    );
  }
});

test('PolyCL: clear errors when the data cannot give positives or negatives', () => {
  assert.throws(
    () => new PolyclTripletSampler({ volumes: [{ id: 'x', slices: 9 }], mode: 'scan', batchSize: 2, seed: 0 }),
    /polyclTriplets\(scan\): needs at least 2 scans .* data has 1 \(x\)/,
  );
  assert.throws(
    () =>
      new PolyclTripletSampler({
        volumes: [
          { id: 'x', slices: 9 },
          { id: 'y', slices: 1 },
        ],
        mode: 'scan',
        batchSize: 2,
        seed: 0,
      }),
    /every scan needs >= 2 slices .*; 1 slice: y/,
  );
  assert.throws(
    () => new PolyclTripletSampler({ volumes: [{ id: 'x', slices: 3 }], mode: 'organ', batchSize: 2, seed: 0 }),
    /volumes\[0\]\.organFlags: required \(volume x\)/,
  );
  assert.throws(
    () =>
      new PolyclTripletSampler({
        volumes: [{ id: 'x', slices: 3, organFlags: [true, false] }],
        mode: 'organ',
        batchSize: 2,
        seed: 0,
      }),
    /volumes\[0\]\.organFlags: expected 3 flags \(one per slice\), got 2/,
  );
  assert.throws(
    () =>
      new PolyclTripletSampler({
        volumes: [{ id: 'x', slices: 5, organFlags: [true, false, false, false, false] }],
        mode: 'organ',
        batchSize: 2,
        seed: 0,
      }),
    /needs >= 2 slices with the organ and >= 2 without .*; data has 1 with, 4 without/,
  );
  assert.throws(
    () => new PolyclTripletSampler({ volumes, mode: 'both' as 'scan', batchSize: 2, seed: 0 }),
    /mode: expected "scan" \| "organ"/,
  );
});
