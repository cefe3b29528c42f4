/**
 * The preparation pipeline on synthetic chest scans written as NIfTI with a manifest: a scan whose label map has no
 * lung is skipped with a message while the others proceed; a scan without a label map gets a threshold lung mask;
 * a scan cut short in z loses the landmarks whose patch falls mostly outside it (with a warning); the atlas's patches
 * equal direct crops of its pre-processed volume at the hand-derivable grid starts; a second run reads everything
 * from the cache (same patches, no registration).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadManifest } from '../../src/io/manifest.js';
import { readImage } from '../../src/io/read.js';
import { parseDrasclrConfig } from '../../src/methods/drasclr-config.js';
import { prepareLandmarkPatches } from '../../src/data/landmark-prepare.js';
import { LoaderPool } from '../../src/data/loader-pool.js';
import { preprocessScan } from '../../src/preprocess/drasclr.js';
import { smallChest, writeChestSet } from '../preprocess/chest-volumes.js';

test('prepareLandmarkPatches: skips a lung-less scan with a message, drops outside landmarks, caches', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'medcl-drasclr-prep-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const short = smallChest([1, 1, 1], [0, 0, 0], { shape: [32, 44, 54], origin: [-40, -33, -25] });
  const manifestPath = await writeChestSet(dir, [
    { id: 'a1', patient: 'pa', spec: smallChest() },
    { id: 'b2', patient: 'pb', spec: smallChest([1.08, 0.95, 1.05], [2, -1, 3]) },
    { id: 'c3', patient: 'pc', spec: smallChest([1, 1, 1], [0, 0, 0], { emptyLabel: true }) },
    { id: 'd4', patient: 'pd', spec: smallChest([0.95, 1.05, 0.97], [-2, 1, -2]), label: false },
    { id: 'e5', patient: 'pe', spec: short },
  ]);
  const manifest = await loadManifest(manifestPath);
  const cfg = parseDrasclrConfig({ data: manifestPath, out: dir, minInsideFraction: 0.8, batchSize: 2, queueSize: 8 });
  const lines: string[] = [];
  const cacheDir = path.join(dir, 'cache');
  const first = await prepareLandmarkPatches(manifest, cfg, { cacheDir, log: (l) => lines.push(l) });
  const { report, dataset, grid } = first;

  // the lung-less scan is skipped with its reason; the other four are used
  const c3 = report.scans.find((s) => s.id === 'c3')!;
  assert.equal(c3.status, 'skipped');
  assert.match(c3.reason!, /no lung voxels/);
  assert.ok(
    lines.some((l) => l.startsWith('skipped c3') && /no lung voxels/.test(l)),
    lines.join('\n'),
  );
  assert.deepEqual(
    dataset.scans.map((s) => s.id),
    ['a1', 'b2', 'd4', 'e5'],
  );
  assert.equal(report.used, 4);
  assert.equal(report.skipped, 1);
  assert.equal(report.atlas.id, 'a1');
  for (const s of report.scans.filter((r) => r.status === 'used' && r.id !== 'a1'))
    assert.ok(s.dice! > 0.9, `${s.id}: Dice ${s.dice}`);

  // 2 × 1 × 2 landmarks on the atlas lungs (x extent 48 mm, y 30, z 44 at 1 mm)
  assert.deepEqual(grid.gridSize, [2, 1, 2]);
  assert.equal(dataset.landmarkCount, 4);

  // the short scan (z up to 21.5 mm) loses the upper landmarks: their patch is < 80 % inside it
  const e5 = report.scans.find((s) => s.id === 'e5')!;
  const topZ = Math.max(...grid.landmarks.map((l) => l.voxel[2]));
  assert.deepEqual(
    e5.dropped,
    grid.landmarks.filter((l) => l.voxel[2] === topZ).map((l) => l.index),
  );
  assert.equal(e5.warnings.length, 1);
  assert.ok(
    lines.some((l) => l.startsWith('warning: e5: 2 of 4 landmarks dropped')),
    lines.join('\n'),
  );
  for (const s of ['a1', 'b2', 'd4']) assert.deepEqual(report.scans.find((r) => r.id === s)!.dropped, []);

  // the atlas's patches are direct crops of its pre-processed volume at start = centre - 15.5
  const atlasPre = preprocessScan(
    await readImage(path.join(dir, 'img/a1.nii.gz')),
    await readImage(path.join(dir, 'lab/a1.nii.gz')),
  );
  const [nz, ny, nx] = atlasPre.image.shape as [number, number, number];
  for (const l of grid.landmarks) {
    const [si, sj, sk] = l.voxel.map((v) => v - 15.5);
    const patch = dataset.patch(0, l.index);
    let q = 0;
    let bad = 0;
    for (let w = 0; w < 32; w++)
      for (let v = 0; v < 32; v++)
        for (let u = 0; u < 32; u++, q++) {
          const i = si! + u;
          const j = sj! + v;
          const k = sk! + w;
          const inside = i >= 0 && i < nx && j >= 0 && j < ny && k >= 0 && k < nz;
          const want = inside ? atlasPre.image.data[(k * ny + j) * nx + i]! : -1;
          if (patch[q] !== want) bad++;
        }
    assert.equal(bad, 0, `landmark ${l.index}: ${bad} voxels differ`);
  }

  // second run: everything from the cache, identical patches
  const t0 = performance.now();
  const second = await prepareLandmarkPatches(manifest, cfg, { cacheDir });
  const seconds = (performance.now() - t0) / 1000;
  assert.deepEqual(
    second.report.scans.filter((s) => s.status === 'used').map((s) => s.cache),
    ['hit', 'hit', 'hit', 'hit'],
  );
  second.dataset.scans.forEach((s, i) => {
    assert.deepEqual(Array.from(s.slots), Array.from(dataset.scans[i]!.slots));
    assert.ok(Buffer.from(s.patches.buffer).equals(Buffer.from(dataset.scans[i]!.patches.buffer)), `${s.id} patches`);
    assert.equal(s.dice, dataset.scans[i]!.dice);
  });
  assert.ok(
    seconds < first.report.seconds,
    `cached run ${seconds.toFixed(2)} s vs ${first.report.seconds.toFixed(2)} s`,
  );
});

test('prepareLandmarkPatches: a named atlas that has no lung is a fatal, named error; fewer than 2 scans too', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'medcl-drasclr-prep-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const manifestPath = await writeChestSet(dir, [
    { id: 'a1', patient: 'pa', spec: smallChest() },
    { id: 'c3', patient: 'pc', spec: smallChest([1, 1, 1], [0, 0, 0], { emptyLabel: true }) },
  ]);
  const manifest = await loadManifest(manifestPath);
  const cacheDir = path.join(dir, 'cache');
  await assert.rejects(
    prepareLandmarkPatches(manifest, parseDrasclrConfig({ data: manifestPath, out: dir, atlas: 'c3' }), { cacheDir }),
    /atlas c3 \(item 1\) is unusable: .*no lung voxels/,
  );
  await assert.rejects(
    prepareLandmarkPatches(manifest, parseDrasclrConfig({ data: manifestPath, out: dir }), { cacheDir }),
    /only 1 usable scan\(s\) of 2[\s\S]*c3: .*no lung voxels/,
  );
});

test('prepareLandmarkPatches in loader threads: the same report, patches and cache as on the calling thread', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'medcl-drasclr-pool-'));
  const pool = new LoaderPool(2);
  t.after(async () => {
    await pool.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const manifestPath = await writeChestSet(dir, [
    { id: 'a1', patient: 'pa', spec: smallChest() },
    { id: 'b2', patient: 'pb', spec: smallChest([1.08, 0.95, 1.05], [2, -1, 3]) },
    { id: 'c3', patient: 'pc', spec: smallChest([1, 1, 1], [0, 0, 0], { emptyLabel: true }) },
    { id: 'd4', patient: 'pd', spec: smallChest([0.95, 1.05, 0.97], [-2, 1, -2]), label: false },
  ]);
  const manifest = await loadManifest(manifestPath);
  const cfg = parseDrasclrConfig({ data: manifestPath, out: dir, batchSize: 2, queueSize: 8 });
  const mainLines: string[] = [];
  const poolLines: string[] = [];
  const onMain = await prepareLandmarkPatches(manifest, cfg, {
    cacheDir: path.join(dir, 'main'),
    log: (l) => mainLines.push(l),
  });
  // count the scans sent to the workers
  const kinds: string[] = [];
  const run = pool.run.bind(pool);
  pool.run = ((task: Parameters<LoaderPool['run']>[0]) => {
    kinds.push(task.kind);
    return run(task);
  }) as LoaderPool['run'];
  const poolCache = path.join(dir, 'pool');
  const inPool = await prepareLandmarkPatches(manifest, cfg, {
    cacheDir: poolCache,
    pool,
    log: (l) => poolLines.push(l),
  });
  assert.deepEqual(kinds, ['drasclr-scan', 'drasclr-scan', 'drasclr-scan', 'drasclr-scan']);
  // the same lines in the same order (the workers' results are taken in manifest order), the skipped scan's reason
  assert.deepEqual(poolLines, mainLines);
  assert.match(inPool.report.scans.find((s) => s.id === 'c3')!.reason!, /no lung voxels/);
  const strip = (r: typeof onMain.report) => ({ ...r, seconds: 0 });
  assert.deepEqual(strip(inPool.report), strip(onMain.report));
  assert.equal(inPool.dataset.scans.length, 3);
  inPool.dataset.scans.forEach((s, i) => {
    const m = onMain.dataset.scans[i]!;
    assert.equal(s.id, m.id);
    assert.deepEqual(Array.from(s.slots), Array.from(m.slots));
    assert.ok(Buffer.from(s.patches.buffer).equals(Buffer.from(m.patches.buffer)), `${s.id} patches`);
  });
  // what the workers cached is read back on the calling thread
  const again = await prepareLandmarkPatches(manifest, cfg, { cacheDir: poolCache });
  assert.deepEqual(
    again.report.scans.filter((s) => s.status === 'used').map((s) => s.cache),
    ['hit', 'hit', 'hit'],
  );
});

test('prepareLandmarkPatches in a closed pool: one clear error, no stray rejections', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'medcl-drasclr-closed-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const manifestPath = await writeChestSet(dir, [
    { id: 'a1', patient: 'pa', spec: smallChest() },
    { id: 'b2', patient: 'pb', spec: smallChest([1.08, 0.95, 1.05], [2, -1, 3]) },
    { id: 'd4', patient: 'pd', spec: smallChest([0.95, 1.05, 0.97], [-2, 1, -2]) },
  ]);
  const cfg = parseDrasclrConfig({ data: manifestPath, out: dir, batchSize: 2, queueSize: 8 });
  const pool = new LoaderPool(2);
  await pool.close();
  const stray: unknown[] = [];
  const onStray = (e: unknown): void => void stray.push(e);
  process.on('unhandledRejection', onStray);
  try {
    await assert.rejects(
      prepareLandmarkPatches(await loadManifest(manifestPath), cfg, { cacheDir: path.join(dir, 'cache'), pool }),
      /loader: the pool is closed/,
    );
    await new Promise((r) => setTimeout(r, 50));
  } finally {
    process.off('unhandledRejection', onStray);
  }
  assert.deepEqual(stray, []);
});
