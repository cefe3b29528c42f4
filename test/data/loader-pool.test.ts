/**
 * The loader's worker threads: a slice volume loaded in a worker equals the one loaded on the main thread, value
 * for value; a worker's error names the file; tasks spread over the workers; a pool left open does not keep the
 * process alive, a closed pool rejects what was in flight and exits, and closing twice is harmless; close() is waited
 * for even when an answer arrives after it began; a worker that exits on its own rejects its task, naming the file,
 * and the pool goes on with the others.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { defaultLoaderWorkers, LoaderPool, resolveLoaderWorkers } from '../../src/data/loader-pool.js';
import { loadSliceVolume, type SliceVolumeSettings } from '../../src/data/slice-volume.js';
import { loadManifest } from '../../src/io/manifest.js';
import { smallPhantoms } from '../methods/fixtures.js';

const settings: SliceVolumeSettings = { preset: 'ct-polycl', size: 16, centralFraction: 0.5 };

test('defaultLoaderWorkers: one per core left over, 1 to 4; loaderWorkers 0 stays 0, a bad count is refused', () => {
  assert.deepEqual(
    [1, 2, 3, 5, 16].map((c) => defaultLoaderWorkers(c)),
    [1, 1, 2, 4, 4],
  );
  assert.equal(resolveLoaderWorkers(0), 0);
  assert.equal(resolveLoaderWorkers(3), 3);
  assert.equal(resolveLoaderWorkers(undefined), defaultLoaderWorkers());
  assert.throws(() => resolveLoaderWorkers(-1), /loaderWorkers must be an integer >= 0/);
  assert.throws(() => new LoaderPool(0), /size must be an integer >= 1/);
});

test('a volume read and preprocessed in a worker = on the main thread, element by element', async () => {
  const manifest = await loadManifest((await smallPhantoms()).ct);
  const pool = new LoaderPool(2);
  try {
    const fromWorkers = await Promise.all(
      manifest.items.map((item) => pool.run({ kind: 'slice-volume', item, settings })),
    );
    assert.equal(pool.inFlight, 0);
    for (const [i, item] of manifest.items.entries()) {
      const here = await loadSliceVolume(item, settings);
      const there = fromWorkers[i]!;
      assert.ok(there.images instanceof Float32Array);
      assert.equal(there.kept, here.kept);
      assert.deepEqual(there.shape, here.shape);
      assert.deepEqual(there.spacing, here.spacing);
      assert.deepEqual(there.images, here.images, `item ${i} images`);
      assert.deepEqual(there.labels, here.labels, `item ${i} labels`);
    }
  } finally {
    await pool.close();
    await pool.close();
  }
});

test("a worker's error names the file; the pool goes on with the next task", async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'medcl-pool-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const bad = path.join(dir, 'broken.nii.gz');
  writeFileSync(bad, 'this is not a gzipped NIfTI file');
  const manifest = await loadManifest((await smallPhantoms()).ct);
  const item = { ...manifest.items[0]!, image: bad, label: undefined };
  const pool = new LoaderPool(1);
  try {
    await assert.rejects(pool.run({ kind: 'slice-volume', item, settings }), (e: Error) => {
      assert.match(e.message, /^loader: /);
      assert.ok(e.message.includes(bad), e.message);
      return true;
    });
    const missing = path.join(dir, 'missing.bin');
    await assert.rejects(pool.run({ kind: 'read-ranges', file: missing, ranges: [[0, 4]] }), (e: Error) =>
      e.message.includes(missing),
    );
    const good = await pool.run({ kind: 'slice-volume', item: manifest.items[0]!, settings });
    assert.ok(good.kept > 0);
  } finally {
    await pool.close();
  }
});

/** runs `body` (ES module code with `LoaderPool` and `loadManifest` in scope) in a child node process */
function runChild(body: string, manifest: string) {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const src = (p: string) => JSON.stringify(path.join(here, '..', '..', 'src', p));
  const code = [
    `import { LoaderPool } from ${src('data/loader-pool.js')};`,
    `import { loadManifest } from ${src('io/manifest.js')};`,
    `const manifest = await loadManifest(${JSON.stringify(manifest)});`,
    `const settings = ${JSON.stringify(settings)};`,
    body,
  ].join('\n');
  const dir = mkdtempSync(path.join(tmpdir(), 'medcl-pool-child-'));
  try {
    const file = path.join(dir, 'child.mjs');
    writeFileSync(file, code);
    return spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 30_000 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('shutdown: an idle pool left open does not hold the process; close() rejects tasks in flight and exits', async () => {
  const { ct } = await smallPhantoms();
  const open = runChild(
    `const pool = new LoaderPool(2);
     const v = await pool.run({ kind: 'slice-volume', item: manifest.items[0], settings });
     console.log('loaded', v.kept);`,
    ct,
  );
  assert.equal(open.status, 0, open.stderr);
  assert.equal(open.signal, null, 'the child was killed by the timeout: the pool held it');
  assert.match(open.stdout, /loaded \d+/);

  const closed = runChild(
    `const pool = new LoaderPool(1);
     const pending = pool.run({ kind: 'slice-volume', item: manifest.items[1], settings });
     await pool.close();
     try { await pending; console.log('resolved'); } catch (e) { console.log('rejected:', e.message); }`,
    ct,
  );
  assert.equal(closed.status, 0, closed.stderr);
  assert.equal(closed.signal, null);
  assert.match(closed.stdout, /rejected: loader: the pool was closed/);
});

test('close() while an answer is on its way: the process waits until the workers have exited', async () => {
  const { ct } = await smallPhantoms();
  // The second task is answered while the main thread is blocked (the worker is warm: a 4-byte read takes a
  // millisecond), so its answer is delivered after close() has begun. Taking the worker's last task off must not unref
  // it then: terminate() refs it so that close() is waited for, and without that ref the child ended with close()
  // pending (exit code 13, 'closed' never printed).
  const r = runChild(
    `const read = (pool) => pool.run({ kind: 'read-ranges', file: manifest.source, ranges: [[0, 4]] });
     for (let round = 0; round < 3; round++) {
       const pool = new LoaderPool(1);
       await read(pool);
       const task = read(pool);
       task.catch(() => {});
       Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
       await pool.close();
       console.log('closed', round, (await task).length);
     }`,
    ct,
  );
  assert.equal(r.signal, null, 'the child was killed by the timeout');
  assert.equal(r.status, 0, `the child ended with close() pending (exit code ${r.status}): ${r.stderr}`);
  assert.match(r.stdout, /closed 0 4\nclosed 1 4\nclosed 2 4/);
});

test('a worker that exits on its own: its task rejects naming the file; the others take the next tasks', async () => {
  const manifest = await loadManifest((await smallPhantoms()).ct);
  const item = manifest.items[0]!;
  const pool = new LoaderPool(2);
  try {
    const task = pool.run({ kind: 'slice-volume', item, settings });
    // a worker crash, as far as the pool can tell: the thread of the task's worker (the first) ends
    await (pool as unknown as { slots: { worker: Worker }[] }).slots[0]!.worker.terminate();
    await assert.rejects(task, (e: Error) => {
      assert.match(e.message, /^loader: a worker exited \(code \d+\) with /);
      assert.ok(e.message.includes(item.image), e.message);
      return true;
    });
    assert.equal(pool.inFlight, 0);
    // the worker left takes every task; none goes to the one that exited
    const volumes = await Promise.all([0, 1, 2].map(() => pool.run({ kind: 'slice-volume', item, settings })));
    assert.ok(volumes.every((v) => v.kept > 0));
  } finally {
    await pool.close();
  }
  await assert.rejects(
    pool.run({ kind: 'read-ranges', file: manifest.source, ranges: [[0, 4]] }),
    (e: Error) => e.message.includes('the pool is closed') && e.message.includes(manifest.source),
  );
});

test('every worker gone: a task is refused at once, naming its file', async () => {
  const { ct } = await smallPhantoms();
  const pool = new LoaderPool(1);
  try {
    await (pool as unknown as { slots: { worker: Worker }[] }).slots[0]!.worker.terminate();
    await assert.rejects(pool.run({ kind: 'read-ranges', file: ct, ranges: [[0, 4]] }), (e: Error) => {
      assert.match(e.message, /^loader: no worker left \(a worker exited \(code \d+\)\); /);
      assert.ok(e.message.includes(ct), e.message);
      return true;
    });
  } finally {
    await pool.close();
  }
});
