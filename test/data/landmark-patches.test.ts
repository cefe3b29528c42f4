/**
 * Patch placement and extraction against direct indexing written here (inside, partly outside with constant and
 * edge padding), the inside fraction by hand, the data set's batches and landmark restriction, and the replacement
 * of scans that lack the batch's landmark.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  extractPatch,
  patchPlacement,
  LandmarkPatchDataset,
  type ScanPatches,
} from '../../src/data/landmark-patches.js';
import { batchScansFor } from '../../src/methods/drasclr.js';
import type { AtlasLandmark } from '../../src/preprocess/landmarks.js';
import { Rng } from '../../src/util/rng.js';

function randomVolume(shape: number[], seed: number): { data: Float32Array; shape: number[] } {
  const rng = new Rng(seed);
  const data = new Float32Array(shape[0]! * shape[1]! * shape[2]!);
  for (let i = 0; i < data.length; i++) data[i] = rng.uniform(-1, 1);
  return { data, shape };
}

/** value at (i, j, k) with the padding rule, by direct indexing */
function at(
  vol: { data: Float32Array; shape: number[] },
  i: number,
  j: number,
  k: number,
  pad: 'constant' | 'edge',
  value: number,
): number {
  const [nz, ny, nx] = vol.shape as [number, number, number];
  const inside = i >= 0 && i < nx && j >= 0 && j < ny && k >= 0 && k < nz;
  if (!inside && pad === 'constant') return value;
  const c = (v: number, n: number): number => Math.min(Math.max(v, 0), n - 1);
  return vol.data[(c(k, nz) * ny + c(j, ny)) * nx + c(i, nx)]!;
}

test('patchPlacement: start = floor(c − (d − 1)/2 + 0.5), inside fraction by hand', () => {
  // centre 20.0 with d = 8: 20 - 3.5 + 0.5 = 17 -> voxels 17..24
  assert.deepEqual(patchPlacement([20, 20, 20], [50, 50, 50], 8), { start: [17, 17, 17], insideFraction: 1 });
  // a grid centre s + 3.5 starts exactly at s
  assert.deepEqual(patchPlacement([5.5, 9.5, 0.5], [50, 50, 50], 8).start, [2, 6, -3]);
  // x: start -2 -> 6 of 8 inside; z: start 46 in 50 -> 4 of 8 inside; y fully inside
  const p = patchPlacement([1.5, 10, 49.5], [50, 40, 30], 8);
  assert.deepEqual(p.start, [-2, 7, 46]);
  assert.equal(p.insideFraction, (6 / 8) * 1 * (4 / 8));
  // wholly outside
  assert.equal(patchPlacement([-20, 5, 5], [10, 10, 10], 8).insideFraction, 0);
});

test('extractPatch equals direct indexing: inside, and overhanging with constant and edge padding', () => {
  const vol = randomVolume([12, 10, 14], 3);
  const d = 6;
  for (const start of [
    [3, 2, 4],
    [-2, 7, 9],
    [10, -3, -1],
  ]) {
    for (const pad of ['constant', 'edge'] as const) {
      const got = extractPatch(vol, start, d, undefined, 0, pad, -1);
      let q = 0;
      for (let w = 0; w < d; w++)
        for (let v = 0; v < d; v++)
          for (let u = 0; u < d; u++, q++)
            assert.equal(
              got[q],
              at(vol, start[0]! + u, start[1]! + v, start[2]! + w, pad, -1),
              `${start} ${pad} at ${q}`,
            );
    }
  }
  // writes at an offset of a shared buffer, leaving the rest alone
  const buf = new Float32Array(3 * d ** 3).fill(7);
  extractPatch(vol, [0, 0, 0], d, buf, d ** 3);
  assert.equal(buf[0], 7);
  assert.equal(buf[d ** 3], vol.data[0]);
  assert.equal(buf[2 * d ** 3], 7);
});

function landmark(index: number, world: [number, number, number]): AtlasLandmark {
  return { index, voxel: world, world, lungFraction: 1, location: [0, 0, 0] };
}

function tinyDataset(): LandmarkPatchDataset {
  const d = 2;
  const vol = d ** 3;
  const lms = [landmark(0, [0, 0, 0]), landmark(1, [10, 0, 0]), landmark(2, [20, 0, 0])];
  // scan s, landmark l: every value is 100 s + l
  const mk = (s: number, slots: number[], patient: string): ScanPatches => {
    const present = slots.map((sl, l) => [sl, l]).filter(([sl]) => sl! >= 0);
    const patches = new Float32Array(present.length * vol);
    for (const [sl, l] of present) patches.fill(100 * s + l!, sl! * vol, (sl! + 1) * vol);
    return { id: `s${s}`, patient, item: s, dice: 1, slots: Int32Array.from(slots), patches };
  };
  return new LandmarkPatchDataset(lms, d, [
    mk(0, [0, 1, 2], 'a'),
    mk(1, [0, -1, 1], 'b'),
    mk(2, [-1, 0, 1], 'a'),
    mk(3, [0, 1, -1], 'c'),
  ]);
}

test('LandmarkPatchDataset: patches, batches, patient ids, scans per landmark, restriction', () => {
  const ds = tinyDataset();
  assert.deepEqual(ds.patientIds, [0, 1, 0, 2]);
  assert.deepEqual(ds.scansWith(1), [0, 2, 3]);
  assert.equal(ds.has(1, 1), false);
  assert.throws(() => ds.patch(1, 1), /no patch at landmark 1/);
  const b = ds.batch([3, 0, 2], 1);
  assert.deepEqual(b.shape, [3, 1, 2, 2, 2]);
  const v = b.toFloat32Array();
  assert.deepEqual([v[0], v[8], v[16], v[23]], [301, 1, 201, 201]);
  const mixed = ds.batch([0, 1], [2, 0]).toFloat32Array();
  assert.deepEqual([mixed[0], mixed[8]], [2, 100]);
  const r = ds.restrictLandmarks([2, 0]);
  assert.equal(r.landmarkCount, 2);
  assert.deepEqual(
    r.landmarks.map((l) => l.index),
    [0, 1],
  );
  assert.deepEqual(
    r.landmarks.map((l) => l.world[0]),
    [20, 0],
  );
  assert.equal(r.patch(2, 0)[0], 202);
  assert.equal(r.has(3, 0), false);
  assert.equal(r.patch(3, 1)[0], 300);
});

test('batchScansFor replaces scans without the landmark by unused scans that have it', () => {
  const ds = tinyDataset();
  const rng = new Rng(1);
  // landmark 1: scan 1 lacks it; the only unused scan with it besides the batch is 3
  const r = batchScansFor(ds, [0, 1, 2], 1, rng);
  assert.deepEqual(r.scans, [0, 2, 3]);
  assert.equal(r.substituted, 1);
  // landmark 2: scan 3 lacks it and every holder is in the batch already -> a repeat of a holder
  const r2 = batchScansFor(ds, [0, 1, 2, 3], 2, rng);
  assert.equal(r2.substituted, 1);
  assert.equal(r2.scans.length, 4);
  assert.ok(r2.scans.every((s) => ds.has(s, 2)));
  assert.deepEqual(batchScansFor(ds, [0, 3], 0, rng), { scans: [0, 3], substituted: 0 });
});
