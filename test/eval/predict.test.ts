/**
 * predictImage with stand-in networks (constant or broken logits), so that the mapping back to the input grid can
 * be checked against hand-computed extents: which input voxels the preprocessed (resampled, cropped) image covers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cat, full, ones, zeros, type Tensor } from '../../src/engine/index.js';
import { predictImage } from '../../src/eval/predict.js';
import type { Image } from '../../src/io/image.js';
import { Rng } from '../../src/util/rng.js';

/** a network that says class 1 everywhere (logits 0 for class 0, 1 for class 1) */
const allOnes = {
  forward: (x: Tensor) => {
    const [b, , h, w] = x.shape as [number, number, number, number];
    return cat([zeros([b, 1, h, w]), ones([b, 1, h, w])], 1);
  },
  eval: () => undefined,
};

function volume(shape: [number, number, number], spacing: number[]): Image {
  const rng = new Rng(5);
  const data = new Int16Array(shape[0] * shape[1] * shape[2]);
  for (let i = 0; i < data.length; i++) data[i] = Math.round(rng.uniform(-1000, 1000));
  return { data, shape, spacing, origin: [10, -20, 30], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1], source: 'vol.nii.gz' };
}

/** rows r0..r1 and columns c0..c1 (inclusive) of every slice are 1, the rest 0 */
function box(shape: [number, number, number], r0: number, r1: number, c0: number, c1: number): number[] {
  const [D, H, W] = shape;
  const out: number[] = [];
  for (let z = 0; z < D; z++)
    for (let r = 0; r < H; r++) for (let c = 0; c < W; c++) out.push(r >= r0 && r <= r1 && c >= c0 && c <= c1 ? 1 : 0);
  return out;
}

test('predictImage: ct-pcl pad/crop: input voxels cropped away are background, the covered ones predicted', () => {
  const shape: [number, number, number] = [2, 20, 30];
  const img = volume(shape, [3, 1, 1]);
  // spacing 1 = the input's: no resampling; crop 20x30 -> 16x16 keeps rows 2..17 and columns 7..22
  const p = predictImage(allOnes, { preset: 'ct-pcl', size: 16, spacing: 1, numClasses: 2 }, img);
  assert.deepEqual(p.preprocessed.shape, [2, 16, 16]);
  assert.deepEqual([...p.labels.data], box(shape, 2, 17, 7, 22));
  assert.deepEqual(p.labels.origin, img.origin);
  assert.deepEqual(p.labels.spacing, img.spacing);
});

test('predictImage: ct-pcl resampled to 0.5 mm then cropped: the covered extent in input voxels', () => {
  const shape: [number, number, number] = [2, 20, 30];
  const img = volume(shape, [3, 1, 1]);
  // 20 rows of 1 mm -> 40 of 0.5 mm, crop to 16 keeps resampled rows 12..27, centred at input rows 5.75..13.25:
  // the extent 5.5..13.5 mm overlaps input rows 6..13; columns: 60 -> keep 22..37 -> extent 10.5..18.5 -> 11..18
  const p = predictImage(allOnes, { preset: 'ct-pcl', size: 16, spacing: 0.5, numClasses: 2 }, img);
  assert.deepEqual([...p.labels.data], box(shape, 6, 13, 11, 18));
});

test('predictImage: broken networks are errors naming the image', () => {
  const img = volume([2, 8, 8], [1, 1, 1]);
  const nan = { forward: (x: Tensor) => full([x.shape[0]!, 2, 8, 8], NaN), eval: () => undefined };
  assert.throws(
    () => predictImage(nan, { preset: 'ct-pcl', size: 8, numClasses: 2 }, img),
    /vol\.nii\.gz: the network gave non-finite logits/,
  );
  assert.throws(
    () => predictImage(allOnes, { preset: 'ct-pcl', size: 8, numClasses: 3 }, img),
    /vol\.nii\.gz: the network gave logits \[2, 2, 8, 8\], expected \[2, 3, 8, 8\]/,
  );
  assert.throws(
    () => predictImage(allOnes, { preset: 'ct-pcl', size: 8, numClasses: 2 }, img, { batchSize: 0 }),
    /batchSize/,
  );
});
