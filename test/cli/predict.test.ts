/**
 * `medcl predict`: a network saved with saveSegmentationModel segments a CT phantom volume (NIfTI out) and a
 * non-square 2D image (PNG out). The reference runs the same network directly on the training data set's
 * preprocessing (buildSliceDataset) and maps the labels back with the nearest-neighbour index rule written here:
 * output pixel j of an axis of n pixels resized from m takes index floor((2j + 1) m / (2n)), after undoing the
 * X-ray preset's centred square padding.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { manualSeed, noGrad } from '../../src/engine/index.js';
import { register } from '../../src/cli/predict.js';
import { createModel } from '../../src/models/registry.js';
import { saveSegmentationModel } from '../../src/models/saved.js';
import { buildSliceDataset } from '../../src/data/slice-dataset.js';
import { loadManifest } from '../../src/io/manifest.js';
import { readImage } from '../../src/io/read.js';
import { writePng } from '../../src/io/png.js';
import { Rng } from '../../src/util/rng.js';
import { captureStdout, program, smallPhantoms } from './fixtures.js';

const data = await smallPhantoms('medcl-cli-predict-');
after(() => rm(data.dir, { recursive: true, force: true }));

const medcl = (): Command => program(register);

function predict(args: string[]): Promise<string> {
  return captureStdout(() => medcl().parseAsync(['node', 'medcl', 'predict', ...args]));
}

/** nearest source index of output index j when an axis of m pixels is brought to n pixels */
function nearest(j: number, m: number, n: number): number {
  return Math.floor(((2 * j + 1) * m) / (2 * n));
}

/** argmax labels (uint8) of the network on a data set's samples, run directly */
function runDirect(
  model: ReturnType<typeof createModel>,
  ds: Awaited<ReturnType<typeof buildSliceDataset>>,
  ids: number[],
): Uint8Array {
  model.eval();
  return noGrad(() => model.forward(ds.imageBatch(ids)).argmax(1).to({ dtype: 'uint8' }).data() as Uint8Array);
}

/**
 * A small random U-Net whose classifier has no bias (so the argmax follows the features, and a random network
 * predicts several classes rather than the class of its largest bias).
 */
function testNetwork(numClasses: number, seed: number): ReturnType<typeof createModel> {
  manualSeed(seed);
  const model = createModel('unet', { widths: [4, 8], numClasses });
  noGrad(() => model.stateDict().get('head.bias')!.zero_());
  return model;
}

function assertCloseList(a: number[], b: number[], what: string): void {
  assert.equal(a.length, b.length, what);
  a.forEach((x, i) => assert.ok(Math.abs(x - b[i]!) < 1e-4, `${what}[${i}]: ${x} vs ${b[i]}`));
}

test('predict: a CT volume, ct-pcl preset, NIfTI out with the input geometry = the network run directly', async () => {
  const model = testNetwork(3, 11);
  const dir = join(data.dir, 'model-ct');
  saveSegmentationModel(dir, model, {
    model: 'unet',
    options: { widths: [4, 8] },
    numClasses: 3,
    preset: 'ct-pcl',
    size: 16,
    classes: ['background', 'a', 'b'],
  });
  const manifest = await loadManifest(data.ct);
  const input = manifest.items[0]!.image;
  const out = join(data.dir, 'pred-ct.nii.gz');
  const printed = await predict(['--model', dir, '--input', input, '--out', out, '--batch-size', '10']);
  assert.match(printed, /pred-ct\.nii\.gz: 10x24x20 labels/);

  const scan = await readImage(input);
  const labels = await readImage(out);
  assert.deepEqual(labels.shape, scan.shape);
  assertCloseList(labels.spacing, scan.spacing, 'spacing');
  assertCloseList(labels.origin, scan.origin, 'origin');
  assertCloseList(labels.direction, scan.direction, 'direction');
  assert.ok(labels.data instanceof Uint8Array);

  const ds = await buildSliceDataset(manifest, { preset: 'ct-pcl', size: 16, items: [0] });
  const ids = ds.samples.map((s) => s.id);
  assert.equal(ids.length, 10);
  const direct = runDirect(model, ds, ids);
  const [D, H, W] = scan.shape as [number, number, number];
  const want = new Uint8Array(D * H * W);
  for (let z = 0; z < D; z++)
    for (let r = 0; r < H; r++)
      for (let c = 0; c < W; c++)
        want[(z * H + r) * W + c] = direct[(z * 16 + nearest(r, 16, H)) * 16 + nearest(c, 16, W)]!;
  assert.deepEqual([...labels.data], [...want]);
  const values = new Set(labels.data);
  for (const v of values) assert.ok(v >= 0 && v < 3, `label ${v}`);
  assert.ok(values.size >= 2, 'the test network predicts more than one class');
});

test('predict: a non-square 2D image, xray preset (pad to square + resize), PNG out', async () => {
  // a 40 x 56 grey image: a smooth gradient plus seeded noise and a bright disc
  const H = 40;
  const W = 56;
  const rng = new Rng(3);
  const px = new Uint16Array(H * W);
  for (let r = 0; r < H; r++)
    for (let c = 0; c < W; c++) {
      const disc = (r - 20) ** 2 + (c - 35) ** 2 < 80 ? 20000 : 0;
      px[r * W + c] = Math.round(1000 + 300 * c + 100 * r + disc + rng.uniform(0, 2000));
    }
  const img = join(data.dir, 'wide.png');
  await writePng(img, { data: px, shape: [H, W], spacing: [1, 1], origin: [0, 0], direction: [1, 0, 0, 1] });
  const manifestPath = join(data.dir, 'wide.json');
  writeFileSync(manifestPath, JSON.stringify({ version: 1, items: [{ image: 'wide.png', patient: 'w', kind: '2d' }] }));

  const model = testNetwork(3, 12);
  const dir = join(data.dir, 'model-xray');
  saveSegmentationModel(dir, model, {
    model: 'unet',
    options: { widths: [4, 8] },
    numClasses: 3,
    preset: 'xray',
    size: 16,
  });
  const out = join(data.dir, 'pred-wide.png');
  await predict(['--model', join(dir, 'model.safetensors'), '--input', img, '--out', out]);
  const labels = await readImage(out);
  assert.deepEqual(labels.shape, [H, W]);
  assert.ok(labels.data instanceof Uint8Array);

  const ds = await buildSliceDataset(await loadManifest(manifestPath), { preset: 'xray', size: 16 });
  const direct = runDirect(model, ds, [0]);
  const side = W;
  const before = Math.floor((side - H) / 2); // rows of padding above the image
  const want = new Uint8Array(H * W);
  for (let r = 0; r < H; r++)
    for (let c = 0; c < W; c++) want[r * W + c] = direct[nearest(r + before, 16, side) * 16 + nearest(c, 16, side)]!;
  assert.deepEqual([...labels.data], [...want]);
  assert.ok(new Set(labels.data).size >= 2, 'the test network predicts more than one class');
});

test('predict: errors name the file or option', async () => {
  manualSeed(13);
  const model = createModel('unet', { widths: [4, 8], numClasses: 2 });
  const dir = join(data.dir, 'model-err');
  saveSegmentationModel(dir, model, {
    model: 'unet',
    options: { widths: [4, 8] },
    numClasses: 2,
    preset: 'ct-pcl',
    size: 16,
  });
  const ct = (await loadManifest(data.ct)).items[0]!.image;
  const xr = (await loadManifest(data.xray)).items[0]!.image;
  await assert.rejects(
    predict(['--model', dir, '--input', ct, '--out', join(data.dir, 'x.jpg')]),
    /--out .*x\.jpg: expected a \.nii/,
  );
  await assert.rejects(
    predict(['--model', join(data.dir, 'no-model'), '--input', ct, '--out', join(data.dir, 'x.nii.gz')]),
    /no-model: not found/,
  );
  await assert.rejects(predict(['--model', dir, '--input', xr, '--out', join(data.dir, 'x.nii.gz')]), (e: Error) => {
    assert.match(e.message, /expects a 3D volume/);
    assert.ok(e.message.includes(xr), e.message);
    return true;
  });
  await assert.rejects(
    predict(['--model', dir, '--input', ct, '--out', join(data.dir, 'x.png')]),
    /a PNG holds one 2D image, the input .* is a volume of 10 slices/,
  );
  await assert.rejects(
    predict(['--model', dir, '--input', join(data.dir, 'missing.nii.gz'), '--out', join(data.dir, 'x.nii.gz')]),
    /missing\.nii\.gz/,
  );
  await assert.rejects(predict(['--model', dir, '--input', ct]), /--out/);
  await assert.rejects(
    predict(['--model', dir, '--input', ct, '--out', join(data.dir, 'x.nii'), '--batch-size', '0']),
    /positive integer/,
  );
});
