/**
 * CL-TCI-SimCLR keeps patients with a single image (their only positive is their other augmented view): on a
 * hand-made data set with single-image patients every image is in some batch of every epoch, and no batch holds an
 * image twice.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SliceDataset, type SliceSample } from '../../src/data/slice-dataset.js';
import { parseManifest } from '../../src/io/manifest.js';
import { cltciSimclr } from '../../src/methods/cltci-simclr.js';
import { tinyConfig } from './fixtures.js';

test('cltci-simclr: single-image patients are in the batches, with no image twice in a batch', () => {
  const patients = ['a', 'b', 'b', 'c', 'd', 'd', 'd', 'e', 'f', 'f', 'g'];
  const manifest = parseManifest(
    JSON.stringify({
      version: 1,
      items: patients.map((p, i) => ({ image: `x${i}.png`, patient: p, kind: '2d' })),
    }),
    '/data/m.json',
  );
  const size = 32;
  const samples: SliceSample[] = patients.map((patient, i) => ({
    id: i,
    item: i,
    patient,
    volumeId: String(i),
    volume: i,
    sliceIndex: 0,
    slicesInVolume: 1,
  }));
  const ds = new SliceDataset(
    manifest,
    size,
    samples,
    patients.map(() => new Float32Array(size * size)),
    patients.map(() => null),
    patients.map((patient, i) => ({ id: String(i), slices: 1, patient })),
    patients.map(() => [1, 1] as [number, number]),
  );
  // batch 8 = 4 patients × 2 images
  const run = cltciSimclr.create({ dataset: ds, config: tinyConfig('cltci-simclr', { batchSize: 8 }) });
  for (let e = 0; e < 3; e++) {
    const seen = new Set<number>();
    for (const b of run.sampler.epoch(e)) {
      const items = b.items as number[];
      assert.equal(new Set(items).size, items.length, `epoch ${e}: an image twice in batch ${b.index}`);
      assert.equal(new Set(items.map((i) => patients[i])).size, 4, 'four patients per batch');
      items.forEach((i) => seen.add(i));
    }
    assert.deepEqual(
      [...seen].sort((x, y) => x - y),
      patients.map((_, i) => i),
      `epoch ${e} covers every image`,
    );
  }
});
