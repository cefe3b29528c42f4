/**
 * The viewer in a real browser (headless Debian Chromium, skipped with a plain message when it is missing):
 * `medcl view` serves a small U-Net exported by medcl export; the page opens a 128-slice phantom CT stored in
 * another orientation than medcl's canonical one (RAS, as many NIfTI files are), segments it with ONNX Runtime Web
 * and saves the mask. The saved mask must agree with `medcl predict` (libtorch) on the same file (Dice >= 0.99 per
 * class, same geometry), and the canvas must show the overlay. Bad input (a model without metadata, a PNG, a
 * 20 GB header, a 2-channel volume) gets a message in the page and the page keeps working. The plain-files copy
 * (`medcl view --export`) opened from the disk (file://) segments the same scan, chosen in the page, to the same
 * mask. Prints the timings.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { manualSeed, noGrad } from '../../src/engine/index.js';
import { exportSavedModelFile } from '../../src/export/export-model.js';
import { predictImage } from '../../src/eval/predict.js';
import { readImage, writeImage } from '../../src/io/read.js';
import { createModel } from '../../src/models/registry.js';
import { loadSegmentationModel, saveSegmentationModel } from '../../src/models/saved.js';
import { ctSubject } from '../../src/phantoms/ct.js';
import { exportPlainViewer, startViewerServer, type ViewerServer } from '../../src/cli/view.js';
import { conv1x1Model } from '../io/onnx-fixture.js';
import { niftiFile, rasStored, writeDicomSeries } from './view-fixtures.js';
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
  plainViewer: join(dir, 'plain-viewer'),
  plainMask: join(dir, 'plain_mask.nii.gz'),
};
let srv: ViewerServer;
let browser: Browser;

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

test(
  'the plain files opened from the disk (file://): model dropped, scan chosen in the page, the mask = medcl predict',
  { skip: skip ?? false, timeout: 300_000 },
  async () => {
    const index = exportPlainViewer(files.plainViewer);
    const page = await browser.context.newPage();
    page.on('pageerror', (e) => console.log(`view-browser: plain files: page error: ${e.message}`));
    const t0 = Date.now();
    await page.goto(pathToFileURL(index).href);
    await waitActions(page, 2, 120_000);
    assert.equal(await pageState(page), 'ready', await text(page, 'message'));
    const loadMs = Date.now() - t0;
    const t1 = Date.now();
    const chosen = async (input: string, file: string): Promise<void> =>
      assert.equal(await act(page, () => page.setInputFiles(input, file)), 'ready', await text(page, 'message'));
    // the model dropped on the page (a drop event carrying the file), the scan through the file input
    const base64 = readFileSync(files.model).toString('base64');
    const dropped = await act(page, () =>
      page.evaluate(`{
        const bytes = Uint8Array.from(atob('${base64}'), (c) => c.charCodeAt(0));
        const dt = new DataTransfer();
        dt.items.add(new File([bytes], 'unet.onnx'));
        window.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, cancelable: true }));
      }`),
    );
    assert.equal(dropped, 'ready', await text(page, 'message'));
    assert.match(await text(page, 'model-name'), /unet\.onnx/);
    const modelMs = Date.now() - t1;
    assert.equal(await text(page, 'backend'), 'wasm (1 thread)');
    await chosen('#scan-input', files.ct);
    assert.match(await text(page, 'scan-info'), /ct_ras\.nii\.gz: 96 x 96 x 128 voxels/);
    const before = await colouredPixels(await page.locator('#gl').screenshot());
    const t2 = Date.now();
    assert.equal(await act(page, () => page.click('#segment')), 'segmented', await text(page, 'message'));
    const inferMs = Date.now() - t2;
    const overlay = (await colouredPixels(await page.locator('#gl').screenshot())) - before;
    assert.ok(overlay > 2000, `the overlay adds only ${overlay} coloured pixels`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save')]);
    await download.saveAs(files.plainMask);
    const agree = await assertSameAsPredict(files.plainMask, files.ct);
    console.log(
      `view-browser plain files (file://): page load ${loadMs} ms, model ${modelMs} ms (wasm decoded from ` +
        `base64), segment 128 slices ${inferMs} ms (1 thread); voxels agreeing with medcl predict ` +
        `${(100 * agree).toFixed(3)}%`,
    );
    await page.close();
  },
);
