/**
 * A streamed slice data set (loaderWorkers > 0: slices read in worker threads into a byte-capped cache of
 * preprocessed volumes) against the in-memory one built on the main thread: the same samples, volumes and geometry,
 * and, batch after batch of a seeded sampler, the same image tensors element by element — with a cap far below the
 * data set, so volumes are evicted and loaded again. A worker's error names the file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildSliceDataset, type SliceDataset, type SlicePreset } from '../../src/data/slice-dataset.js';
import { loadManifest } from '../../src/io/manifest.js';
import { RandomSampler } from '../../src/samplers/random.js';
import { smallPhantoms } from '../methods/fixtures.js';

function sameMeta(a: SliceDataset, b: SliceDataset): void {
  assert.deepEqual(a.samples, b.samples);
  assert.deepEqual(a.volumes, b.volumes);
  assert.deepEqual(a.spacing, b.spacing);
  assert.deepEqual(a.geometry, b.geometry);
  assert.deepEqual(a.preprocessing, b.preprocessing);
}

/** every batch of 2 epochs, loaded one batch ahead, compared with the in-memory data set */
async function sameBatches(memory: SliceDataset, streamed: SliceDataset): Promise<void> {
  const sampler = new RandomSampler({ size: memory.length, batchSize: 5, seed: 3 });
  const batches = [0, 1].flatMap((e) => sampler.epoch(e));
  const loader = streamed.batchLoader((b: (typeof batches)[number]) => b.items)!;
  assert.ok(loader);
  loader.prefetch(batches[0]!);
  for (const [i, batch] of batches.entries()) {
    if (i + 1 < batches.length) loader.prefetch(batches[i + 1]!);
    await loader.ready(batch);
    const a = memory.imageBatch(batch.items).toFloat32Array();
    const b = streamed.imageBatch(batch.items).toFloat32Array();
    assert.deepEqual(b, a, `epoch ${batch.epoch} batch ${batch.index}`);
    loader.release(batch);
  }
}

for (const preset of ['ct-polycl', 'ct-pcl'] as SlicePreset[]) {
  test(`${preset}: streamed through 2 workers with a tiny cap = in memory, batch for batch, element by element`, async () => {
    const manifest = await loadManifest((await smallPhantoms()).ct);
    const memory = await buildSliceDataset(manifest, { preset, size: 16, loaderWorkers: 0 });
    // about one volume of room: every batch evicts
    const capMiB = (memory.images[0]!.byteLength * 4) / 2 ** 20;
    const streamed = await buildSliceDataset(manifest, { preset, size: 16, loaderWorkers: 2, stream: { capMiB } });
    try {
      assert.ok(streamed.stream);
      assert.equal(streamed.images.length, 0, 'no pixels held by the data set itself');
      sameMeta(memory, streamed);
      const volumes = memory.volumes.length;
      await sameBatches(memory, streamed);
      const cache = streamed.stream!.cache;
      assert.ok(cache.bytes <= cache.capBytes, `${cache.bytes} resident bytes over the cap ${cache.capBytes}`);
      assert.ok(cache.loads > volumes, `volumes were evicted and loaded again (${cache.loads} loads)`);
      assert.throws(() => streamed.labelBatch([0]), /streamed data set holds no label maps/);
    } finally {
      await streamed.close();
    }
  });
}

test('streamed from the on-disk cache of preprocessed volumes, on the main thread (0 workers) = in memory', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'medcl-stream-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const manifest = await loadManifest((await smallPhantoms()).ct);
  const memory = await buildSliceDataset(manifest, { preset: 'ct-polycl', size: 16 });
  const opts = { preset: 'ct-polycl' as const, size: 16, cacheDir: dir, stream: { capMiB: 0 } };
  const streamed = await buildSliceDataset(manifest, { ...opts, loaderWorkers: 0 });
  sameMeta(memory, streamed);
  await sameBatches(memory, streamed);
  // a sample nobody made ready is an error, not a silent read on the main thread
  assert.throws(() => streamed.image(0), /was read before it was made ready/);
  // a subset shares the stream, keyed by manifest item
  const sub = streamed.subset([manifest.items[1]!.index]);
  const loader = sub.batchLoader((ids: number[]) => ids)!;
  await loader.ready([0, 1]);
  const item = manifest.items[1]!.index;
  const want = memory.samples.find((s) => s.item === item && s.sliceIndex === 1)!.id;
  assert.deepEqual(sub.image(1), memory.image(want));
  await streamed.close();
});

test('a file that cannot be decoded fails the build, naming it, and the workers end', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'medcl-stream-bad-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const bad = path.join(dir, 'corrupt.nii.gz');
  writeFileSync(bad, Buffer.alloc(400, 7));
  const manifest = await loadManifest((await smallPhantoms()).ct);
  const broken = { ...manifest, items: [manifest.items[0]!, { ...manifest.items[1]!, image: bad, label: undefined }] };
  await assert.rejects(
    buildSliceDataset(broken, { preset: 'ct-pcl', size: 16, loaderWorkers: 2, stream: { capMiB: 1 } }),
    (e: Error) => e.message.includes(bad),
  );
});
