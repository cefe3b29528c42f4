/**
 * embedSamples with stand-in encoders on a hand-made data set: the embedding is the spatial mean of each feature
 * channel divided by the vector's norm, computed here by hand; batches of any size give the same rows; a zero
 * feature is an error naming the sample.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cat, type Tensor } from '../../src/engine/index.js';
import { embedSamples } from '../../src/eval/embed.js';
import { SliceDataset, type SliceSample } from '../../src/data/slice-dataset.js';
import { parseManifest } from '../../src/io/manifest.js';

const manifest = parseManifest(
  JSON.stringify({
    version: 1,
    items: [
      { image: 'a.png', patient: 'p1', kind: '2d' },
      { image: 'b.png', patient: 'p2', kind: '2d' },
      { image: 'c.png', patient: 'p2', kind: '2d' },
    ],
  }),
  '/data/m.json',
);

function dataset(images: number[][]): SliceDataset {
  const samples: SliceSample[] = images.map((_, i) => ({
    id: i,
    item: i,
    patient: manifest.items[i]!.patient,
    volumeId: String(i),
    volume: i,
    sliceIndex: 0,
    slicesInVolume: 1,
  }));
  return new SliceDataset(
    manifest,
    2,
    samples,
    images.map((v) => Float32Array.from(v)),
    images.map(() => null),
    images.map((_, i) => ({ id: String(i), slices: 1 })),
    images.map(() => [1, 1] as [number, number]),
  );
}

/** features: channel 0 = x, channel 1 = x² (so the pooled vector is (mean x, mean x²)) */
const encoder = {
  forward: (x: Tensor) => cat([x, x.square()], 1),
  eval: () => undefined,
};

test('embedSamples: GAP per channel, L2-normalised, in any batch size', () => {
  const imgs = [
    [1, 2, 3, 4],
    [-1, 0, 0, 1],
    [0.5, 0.5, 0.5, 0.5],
  ];
  const ds = dataset(imgs);
  const want = imgs.map((v) => {
    const m1 = v.reduce((a, b) => a + b, 0) / 4;
    const m2 = v.reduce((a, b) => a + b * b, 0) / 4;
    const n = Math.hypot(m1, m2);
    return [m1 / n, m2 / n];
  });
  for (const batchSize of [1, 2, 32]) {
    const e = embedSamples(encoder, ds, undefined, { batchSize });
    assert.equal(e.n, 3);
    assert.equal(e.dim, 2);
    assert.deepEqual(e.ids, [0, 1, 2]);
    want.flat().forEach((w, i) => assert.ok(Math.abs(e.data[i]! - w) < 1e-6, `batch ${batchSize} value ${i}`));
  }
  const sub = embedSamples(encoder, ds, [2, 0]);
  assert.deepEqual(sub.ids, [2, 0]);
  assert.ok(Math.abs(sub.data[0]! - want[2]![0]!) < 1e-6 && Math.abs(sub.data[3]! - want[0]![1]!) < 1e-6);
});

test('embedSamples: a zero feature vector cannot be normalised: an error naming the image', () => {
  const ds = dataset([
    [1, 1, 1, 1],
    [0, 0, 0, 0],
  ]);
  assert.throws(() => embedSamples(encoder, ds), /\/data\/b\.png: the pooled encoder feature has norm 0/);
  assert.throws(() => embedSamples(encoder, ds, []), /no samples/);
});
