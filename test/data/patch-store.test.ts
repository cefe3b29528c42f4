/**
 * DrasCLR's disk-backed patch store against the in-memory patches it replaces: random patches of scans with dropped
 * landmarks written to the store, then every (scan, landmark) patch read back — ahead through the loader's worker
 * threads, and synchronously for a patch nobody asked for — equals the in-memory one element by element, also after
 * a landmark restriction; only the window asked for is held in memory, and closing deletes the file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LandmarkPatchDataset, type ScanPatches } from '../../src/data/landmark-patches.js';
import { LoaderPool } from '../../src/data/loader-pool.js';
import { PatchStore } from '../../src/data/patch-store.js';
import type { AtlasLandmark } from '../../src/preprocess/landmarks.js';
import { Rng } from '../../src/util/rng.js';

const D = 4;

function landmarks(n: number): AtlasLandmark[] {
  return Array.from({ length: n }, (_, i) => ({
    index: i,
    voxel: [i, 0, 0],
    world: [10 * i, 0, 0],
    lungFraction: 1,
    location: [i / n, 0, 0],
  }));
}

/** scans with random patches; slots -1 where `dropped` says */
function randomScans(dropped: number[][], L: number): ScanPatches[] {
  const rng = new Rng(11);
  return dropped.map((drop, s) => {
    let count = 0;
    const slots = Int32Array.from({ length: L }, (_, l) => (drop.includes(l) ? -1 : count++));
    const patches = new Float32Array(count * D ** 3);
    for (let i = 0; i < patches.length; i++) patches[i] = rng.uniform(-1, 1);
    return { id: `s${s}`, patient: `p${s % 3}`, item: s, dice: 1, slots, patches };
  });
}

function pairs(ds: LandmarkPatchDataset): [number, number][] {
  const out: [number, number][] = [];
  for (let s = 0; s < ds.length; s++) for (let l = 0; l < ds.landmarkCount; l++) if (ds.has(s, l)) out.push([s, l]);
  return out;
}

for (const workers of [0, 2]) {
  test(`patches read back from the store (${workers} workers) = the in-memory patches`, async (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'medcl-patch-store-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const L = 5;
    const scans = randomScans([[], [1], [0, 4], [], [2, 3]], L);
    const memory = new LandmarkPatchDataset(landmarks(L), D, scans);
    const file = path.join(dir, 'patches.f32');
    const store = new PatchStore(file, D, workers > 0 ? new LoaderPool(workers) : null);
    const stored = new LandmarkPatchDataset(
      landmarks(L),
      D,
      scans.map((s) => store.add(s)),
      false,
      store,
    );
    try {
      const total = scans.reduce((a, s) => a + s.patches.length / D ** 3, 0);
      assert.equal(store.length, total);
      assert.equal(statSync(file).size, total * D ** 3 * 4);
      assert.equal(stored.memoryBytes(), 0, 'nothing in memory before a read');

      // ahead: one "batch" per landmark (all its scans), made ready through the loader, then read
      type B = { landmark: number };
      const loader = stored.batchLoader((b: B) => stored.scansWith(b.landmark).map((s) => [s, b.landmark]))!;
      for (let l = 0; l < L; l++) {
        loader.prefetch({ landmark: l });
        await loader.ready({ landmark: l });
        const scansAt = stored.scansWith(l);
        assert.ok(stored.memoryBytes() <= scansAt.length * D ** 3 * 4, 'only the batch is resident');
        for (const s of scansAt) assert.deepEqual(stored.patch(s, l), memory.patch(s, l), `scan ${s} landmark ${l}`);
        assert.deepEqual(stored.batch(scansAt, l).toFloat32Array(), memory.batch(scansAt, l).toFloat32Array());
        loader.release({ landmark: l });
      }
      assert.equal(stored.memoryBytes(), 0, 'released patches are dropped (cap 0)');
      // synchronous reads of patches nobody asked for, and a restriction sharing the store
      for (const [s, l] of pairs(memory)) assert.deepEqual(stored.patch(s, l), memory.patch(s, l));
      const keep = [4, 0, 2];
      const rm = memory.restrictLandmarks(keep);
      const rs = stored.restrictLandmarks(keep);
      for (const [s, l] of pairs(rm)) assert.deepEqual(rs.patch(s, l), rm.patch(s, l), `restricted ${s} ${l}`);
      assert.throws(() => stored.patch(1, 1), /no patch at landmark 1/);
    } finally {
      await store.close();
    }
    assert.equal(existsSync(file), false, 'close deletes the file');
  });
}

test('the store refuses a scan that does not hold whole patches and indices outside it', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'medcl-patch-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const store = new PatchStore(path.join(dir, 'p.f32'), D, null);
  try {
    const bad = { ...randomScans([[]], 1)[0]!, patches: new Float32Array(D ** 3 + 1) };
    assert.throws(() => store.add(bad), /holds 65 values, not whole 4³ patches/);
    assert.throws(() => store.readNow(0), /patch 0 outside \[0, 0\)/);
  } finally {
    await store.close();
  }
});
