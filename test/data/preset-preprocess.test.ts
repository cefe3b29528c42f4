/**
 * preprocessForPreset (inference) against buildSliceDataset (training), two separate code paths over the same
 * preprocessing steps: every slice the data set keeps must be the same numbers, and the geometry must follow the
 * steps (so that predictions can be mapped back).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { preprocessForPreset } from '../../src/data/preset-preprocess.js';
import { buildSliceDataset, type SlicePreset } from '../../src/data/slice-dataset.js';
import { loadManifest } from '../../src/io/manifest.js';
import { readImage } from '../../src/io/read.js';
import { smallPhantoms } from '../cli/fixtures.js';

const data = await smallPhantoms('medcl-preset-');
after(() => rm(data.dir, { recursive: true, force: true }));

async function compare(manifestPath: string, preset: SlicePreset, size: number, spacing?: number): Promise<void> {
  const manifest = await loadManifest(manifestPath);
  const ds = await buildSliceDataset(manifest, { preset, size, ...(spacing !== undefined ? { spacing } : {}) });
  const n = size * size;
  for (const item of manifest.items) {
    const image = await readImage(item.image);
    const pre = preprocessForPreset(image, { preset, size, ...(spacing !== undefined ? { spacing } : {}) });
    const depth = image.shape.length === 3 ? image.shape[0]! : 1;
    assert.deepEqual(pre.shape, image.shape.length === 3 ? [depth, size, size] : [size, size]);
    const samples = ds.samples.filter((s) => s.item === item.index);
    assert.ok(samples.length > 0);
    // the data set keeps slices [first, first + kept) of the volume; preprocessForPreset keeps every slice
    const first = preset === 'ct-polycl' ? Math.floor((depth - samples.length) / 2) : 0;
    for (const s of samples) {
      const z = first + s.sliceIndex;
      const mine = pre.data.subarray(z * n, (z + 1) * n);
      assert.deepEqual(Array.from(mine), Array.from(ds.images[s.id]!), `${item.image} slice ${z}`);
    }
    // in-plane extent is kept by resizing (not by pad/crop): spacing x size == input spacing x input size
    if (spacing === undefined) {
      const nd = image.shape.length;
      const side = preset === 'xray' ? Math.max(image.shape[nd - 2]!, image.shape[nd - 1]!) : undefined;
      for (const k of [nd - 2, nd - 1]) {
        const extent = (side ?? image.shape[k]!) * image.spacing[k]!;
        assert.ok(Math.abs(pre.spacing[k]! * size - extent) < 1e-9 * extent, `axis ${k} extent`);
      }
    } else {
      assert.deepEqual(pre.spacing.slice(1), [spacing, spacing]);
    }
  }
}

test('preprocessForPreset(xray) = the xray data set images', async () => {
  await compare(data.xray, 'xray', 24);
});

test('preprocessForPreset(ct-pcl) = the ct-pcl data set slices, resized and resampled+padded', async () => {
  await compare(data.ct, 'ct-pcl', 16);
  await compare(data.ct, 'ct-pcl', 16, 12);
});

test('preprocessForPreset(ct-polycl) = the central slices of the ct-polycl data set, and keeps every slice', async () => {
  await compare(data.ct, 'ct-polycl', 16);
});

test('preprocessForPreset: a 2D image for a CT preset (and the reverse) is an error naming the file', async () => {
  const manifest = await loadManifest(data.xray);
  const xr = await readImage(manifest.items[0]!.image);
  assert.throws(
    () => preprocessForPreset(xr, { preset: 'ct-pcl', size: 16 }),
    (e: Error) => {
      assert.match(e.message, /expects a 3D volume/);
      assert.ok(e.message.includes(manifest.items[0]!.image));
      return true;
    },
  );
  const ct = await readImage((await loadManifest(data.ct)).items[0]!.image);
  assert.throws(() => preprocessForPreset(ct, { preset: 'xray', size: 16 }), /expects a 2D image/);
});
