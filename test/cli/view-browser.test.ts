/**
 * The viewer in a real browser (headless Debian Chromium, skipped with a plain message when it is missing):
 * `medcl view` serves a small U-Net exported by medcl export; the page opens a 128-slice phantom CT stored in
 * another orientation than medcl's canonical one (RAS, as many NIfTI files are), segments it with ONNX Runtime Web
 * and saves the mask. The saved mask must agree with `medcl predict` (libtorch) on the same file (Dice >= 0.99 per
 * class, same geometry), and the canvas must show the overlay. Bad input (a model without metadata, a PNG, a
 * 20 GB header, a 2-channel volume) gets a message in the page and the page keeps working. Prints the timings.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { manualSeed, noGrad } from '../../src/engine/index.js';
import { exportSavedModelFile } from '../../src/export/export-model.js';
import { predictImage } from '../../src/eval/predict.js';
import type { Image } from '../../src/io/image.js';
import { readImage, writeImage } from '../../src/io/read.js';
import { createModel } from '../../src/models/registry.js';
import { loadSegmentationModel, saveSegmentationModel } from '../../src/models/saved.js';
import { ctSubject } from '../../src/phantoms/ct.js';
import { startViewerServer, type ViewerServer } from '../../src/cli/view.js';
import { conv1x1Model } from '../io/onnx-fixture.js';
import { dicomFile, ds, pixelModule } from '../io/dicom-bytes.js';
import {
  act,
  browserSkipReason,
  colouredPixels,
  launchBrowser,
  pageState,
  text,
  waitActions,
  type Browser,
} from './browser.js';

const skip = browserSkipReason();
if (skip) console.log(`view-browser: ${skip}`);

const dir = mkdtempSync(join(tmpdir(), 'medcl-view-browser-'));
const files = {
  ct: join(dir, 'ct_ras.nii.gz'),
  model: join(dir, 'unet.onnx'),
  plain: join(dir, 'plain.onnx'),
  png: join(dir, 'slice.png'),
  huge: join(dir, 'huge.nii'),
  twoChannel: join(dir, 'two_channel.nii'),
  mask: join(dir, 'mask.nii.gz'),
  dicom: join(dir, 'dicom'),
  dicomMask: join(dir, 'dicom_mask.nii.gz'),
};
let srv: ViewerServer;
let browser: Browser;

/** the phantom with x and y stored reversed (RAS+ voxel order): the same world, another file layout */
function rasStored(img: Image): Image {
  const [nz, ny, nx] = img.shape as [number, number, number];
  const data = new (img.data.constructor as new (n: number) => Image['data'])(img.data.length);
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) data[(z * ny + y) * nx + x] = img.data[(z * ny + (ny - 1 - y)) * nx + (nx - 1 - x)]!;
  const [, sy, sx] = img.spacing as [number, number, number];
  const origin = [img.origin[0]! + (nx - 1) * sx, img.origin[1]! + (ny - 1) * sy, img.origin[2]!];
  return { ...img, data, origin, direction: [-1, 0, 0, 0, -1, 0, 0, 0, 1] };
}

/** a canonical int16 volume as an axial DICOM series (one native explicit-VR file per slice, test writer) */
function writeDicomSeries(img: Image, folder: string): void {
  mkdirSync(folder, { recursive: true });
  const [nz, ny, nx] = img.shape as [number, number, number];
  const [sz, sy, sx] = img.spacing as [number, number, number];
  for (let z = 0; z < nz; z++) {
    const words = Buffer.from(Int16Array.from(img.data.subarray(z * ny * nx, (z + 1) * ny * nx)).buffer);
    const position = [img.origin[0]!, img.origin[1]!, img.origin[2]! + z * sz];
    const els = [
      ...pixelModule({ rows: ny, cols: nx, bitsAllocated: 16, signed: true }),
      { tag: 0x0020000e, vr: 'UI', value: '1.2.826.0.1.3680043.2.1125.1' },
      { tag: 0x00200013, vr: 'IS', value: String(nz - z) },
      { tag: 0x00200032, vr: 'DS', value: ds(position) },
      { tag: 0x00200037, vr: 'DS', value: ds([1, 0, 0, 0, 1, 0]) },
      { tag: 0x00280030, vr: 'DS', value: ds([sy, sx]) },
      { tag: 0x7fe00010, vr: 'OW', value: words },
    ];
    writeFileSync(join(folder, `IM${String(z).padStart(4, '0')}`), dicomFile(els));
  }
}

/** a NIfTI-1 file: header with these dims and datatype, then `voxelBytes` bytes */
function niftiFile(dims: number[], code: number, bitpix: number, voxelBytes: number): Uint8Array {
  const b = new Uint8Array(352 + voxelBytes);
  const v = new DataView(b.buffer);
  v.setInt32(0, 348, true);
  [dims.length, ...dims].forEach((d, i) => v.setInt16(40 + 2 * i, d, true));
  v.setInt16(70, code, true);
  v.setInt16(72, bitpix, true);
  [1, 1, 1, 1, 1].forEach((p, i) => v.setFloat32(76 + 4 * i, p, true));
  v.setFloat32(108, 352, true);
  b.set([0x6e, 0x2b, 0x31, 0], 344);
  return b;
}

before(async () => {
  if (skip) return;
  const phantom = ctSubject({ seed: 5, subjects: 1, shape: [128, 96, 96] }, 0);
  await writeImage(files.ct, rasStored(phantom.image));
  // a small U-Net, random weights, no classifier bias: several classes predicted
  manualSeed(21);
  const net = createModel('unet', { widths: [8, 16], numClasses: 3 });
  noGrad(() => net.stateDict().get('head.bias')!.zero_());
  const classes = ['background', 'tissue', 'other'];
  const meta = { model: 'unet' as const, options: { widths: [8, 16] }, numClasses: 3, classes };
  saveSegmentationModel(join(dir, 'unet'), net, { ...meta, preset: 'ct-polycl', size: 64 });
  exportSavedModelFile(join(dir, 'unet'), files.model);
  writeFileSync(files.plain, conv1x1Model({ metadata: {} }));
  const small = ctSubject({ seed: 6, subjects: 1, shape: [24, 48, 48] }, 0).image;
  writeDicomSeries({ ...small, spacing: small.spacing.map((v) => Math.round(v * 100) / 100) }, files.dicom);
  await writeImage(files.png, {
    ...phantom.image,
    data: new Uint8Array(96 * 96),
    shape: [96, 96],
    spacing: [1, 1],
    origin: [0, 0],
    direction: [1, 0, 0, 1],
  });
  writeFileSync(files.huge, niftiFile([4096, 4096, 320], 16, 32, 1024)); // says 20 GiB, holds 1 KiB
  writeFileSync(files.twoChannel, niftiFile([16, 16, 16, 2], 4, 16, 16 * 16 * 16 * 2 * 2));
  srv = await startViewerServer({ model: files.model });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await srv?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function openPage(): Promise<{ page: Page; loadMs: number }> {
  const page = await browser.context.newPage();
  page.on('pageerror', (e) => console.log(`view-browser: page error: ${e.message}`));
  const t0 = Date.now();
  await page.goto(srv.url);
  // two actions at start: the served model, then the served scan (none here)
  await waitActions(page, 2, 120_000);
  assert.equal(await pageState(page), 'ready', await text(page, 'message'));
  return { page, loadMs: Date.now() - t0 };
}

function dice(a: Uint8Array, b: Uint8Array, k: number): number {
  let inter = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] === k;
    const y = b[i] === k;
    if (x && y) inter++;
    if (x) na++;
    if (y) nb++;
  }
  return na + nb === 0 ? 1 : (2 * inter) / (na + nb);
}

/**
 * The saved mask against `medcl predict` (libtorch) on the same input: same grid and geometry, Dice >= 0.99 for
 * every class; returns the fraction of voxels with the same label.
 */
async function assertSameAsPredict(maskFile: string, inputPath: string): Promise<number> {
  const { model, meta } = loadSegmentationModel(join(dir, 'unet'));
  const want = predictImage(model, meta, await readImage(inputPath)).labels;
  const got = await readImage(maskFile);
  assert.deepEqual(got.shape, want.shape);
  for (const key of ['spacing', 'origin', 'direction'] as const)
    got[key].forEach((v, i) => assert.ok(Math.abs(v - want[key][i]!) < 1e-3, `${key}[${i}]: ${v} vs ${want[key][i]}`));
  for (let k = 0; k < meta.numClasses; k++) {
    const d = dice(got.data as Uint8Array, want.data, k);
    assert.ok(d >= 0.99, `class ${k}: Dice ${d.toFixed(4)} with medcl predict`);
  }
  return want.data.reduce((s, v, i) => s + (v === got.data[i] ? 1 : 0), 0) / want.data.length;
}

test(
  'open, segment and save a 128-slice CT: the mask = medcl predict, on the input grid; the overlay shows',
  { skip: skip ?? false, timeout: 300_000 },
  async () => {
    const { page, loadMs } = await openPage();
    assert.match(await text(page, 'model-name'), /unet\.onnx/);
    const t1 = Date.now();
    assert.equal(
      await act(page, () => page.setInputFiles('#scan-input', files.ct)),
      'ready',
      await text(page, 'message'),
    );
    const openMs = Date.now() - t1;
    assert.match(await text(page, 'scan-info'), /96 x 96 x 128 voxels/);
    const before = await colouredPixels(await page.locator('#gl').screenshot());
    const t2 = Date.now();
    assert.equal(await act(page, () => page.click('#segment')), 'segmented', await text(page, 'message'));
    const inferMs = Date.now() - t2;
    const shot = await page.locator('#gl').screenshot();
    const overlay = (await colouredPixels(shot)) - before;
    assert.ok(overlay > 2000, `the overlay adds only ${overlay} coloured pixels`);
    const t3 = Date.now();
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save')]);
    await download.saveAs(files.mask);
    const saveMs = Date.now() - t3;
    assert.equal(download.suggestedFilename(), 'ct_ras_mask.nii.gz');

    const agree = await assertSameAsPredict(files.mask, files.ct);
    const backend = await text(page, 'backend');
    console.log(
      `view-browser timings: page load ${loadMs} ms, open scan ${openMs} ms, segment 128 slices ${inferMs} ms ` +
        `(${backend}), save ${saveMs} ms; voxels agreeing with medcl predict ${(100 * agree).toFixed(3)}%`,
    );
    await page.close();
  },
);

test(
  "medcl view --scan (the report's links): the page opens the served scan by itself and segments it",
  { skip: skip ?? false, timeout: 180_000 },
  async () => {
    const served = await startViewerServer({ model: files.model, scan: files.ct });
    const page = await browser.context.newPage();
    try {
      await page.goto(served.url);
      await waitActions(page, 2, 120_000);
      assert.equal(await pageState(page), 'ready', await text(page, 'message'));
      assert.match(await text(page, 'scan-info'), /ct_ras\.nii\.gz: 96 x 96 x 128 voxels/);
      assert.equal(await act(page, () => page.click('#segment')), 'segmented', await text(page, 'message'));
    } finally {
      await page.close();
      await served.close();
    }
  },
);

test(
  'bad input: a message in the page, and the page keeps working',
  { skip: skip ?? false, timeout: 180_000 },
  async () => {
    const { page } = await openPage();
    const expectError = async (input: string, file: string, pattern: RegExp): Promise<void> => {
      assert.equal(await act(page, () => page.setInputFiles(input, file)), 'error', `${file} was accepted`);
      assert.match(await text(page, 'message'), pattern);
    };
    await expectError('#model-input', files.plain, /plain\.onnx: no medcl preprocessing .*medcl export/s);
    await expectError('#scan-input', files.png, /slice\.png: a 2D picture \(PNG\), not a volume/);
    await expectError('#scan-input', files.huge, /huge\.nii: too large for the browser: 4096 x 4096 x 320 voxels/);
    await expectError('#scan-input', files.twoChannel, /two_channel\.nii: 2 channels per voxel .* the model takes 1/);
    // still usable: a good model and scan load after the errors
    assert.equal(
      await act(page, () => page.setInputFiles('#model-input', files.model)),
      'ready',
      await text(page, 'message'),
    );
    assert.equal(
      await act(page, () => page.setInputFiles('#scan-input', files.ct)),
      'ready',
      await text(page, 'message'),
    );
    assert.equal(await page.locator('#segment').isEnabled(), true);
    await page.close();
  },
);

test(
  'a DICOM series (its files chosen together): the mask = medcl predict on the folder',
  { skip: skip ?? false, timeout: 180_000 },
  async () => {
    const { page } = await openPage();
    const slices = readdirSync(files.dicom).map((f) => join(files.dicom, f));
    assert.equal(
      await act(page, () => page.setInputFiles('#scan-input', slices)),
      'ready',
      await text(page, 'message'),
    );
    assert.match(await text(page, 'scan-info'), /48 x 48 x 24 voxels/);
    assert.equal(await act(page, () => page.click('#segment')), 'segmented', await text(page, 'message'));
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save')]);
    await download.saveAs(files.dicomMask);
    await assertSameAsPredict(files.dicomMask, files.dicom);
    await page.close();
  },
);
