/**
 * buildSliceDataset on small hand-made PNG / NIfTI files whose preprocessed numbers are recomputed here, in float64,
 * from the papers' rules (pad to square, antialiased linear resize, numpy-'linear' percentiles, CT window, central
 * slices, nearest labels), independently of src/preprocess.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSliceDataset } from '../../src/data/slice-dataset.js';
import { loadManifest, parseManifest } from '../../src/io/manifest.js';
import { writePng } from '../../src/io/png.js';
import { writeNifti } from '../../src/io/nifti.js';
import type { Image, PixelArray } from '../../src/io/image.js';
import { Rng } from '../../src/util/rng.js';
import { assertClose } from '../engine/helpers.js';

// ---------- independent references (float64) ----------

/** numpy.percentile(a, p) with the default 'linear' method */
function npPercentile(values: ArrayLike<number>, p: number): number {
  const a = Float64Array.from(values).sort();
  const r = (p / 100) * (a.length - 1);
  const i = Math.floor(r);
  const t = r - i;
  return i + 1 < a.length ? a[i]! + (a[i + 1]! - a[i]!) * t : a[i]!;
}

/** PIL's BILINEAR (triangle filter, antialiased when shrinking) 1D resample weights, in PIL's own formulation */
function pilWeights(nIn: number, nOut: number): { start: number; w: number[] }[] {
  const scale = nIn / nOut;
  const filterscale = Math.max(scale, 1);
  const support = filterscale; // triangle support 1, widened by the filter scale
  const out: { start: number; w: number[] }[] = [];
  for (let j = 0; j < nOut; j++) {
    const center = (j + 0.5) * scale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), nIn);
    const w: number[] = [];
    for (let x = xmin; x < xmax; x++) w.push(Math.max(0, 1 - Math.abs((x + 0.5 - center) / filterscale)));
    const total = w.reduce((a, b) => a + b, 0);
    out.push({ start: xmin, w: w.map((v) => v / total) });
  }
  return out;
}

/** resize an h×w float64 image to n×n: rows then columns, PIL bilinear */
function pilResize(img: Float64Array, h: number, w: number, n: number): Float64Array {
  const wy = pilWeights(h, n);
  const wx = pilWeights(w, n);
  const tmp = new Float64Array(n * w);
  for (let j = 0; j < n; j++)
    for (let x = 0; x < w; x++) {
      let acc = 0;
      wy[j]!.w.forEach((c, t) => (acc += c * img[(wy[j]!.start + t) * w + x]!));
      tmp[j * w + x] = acc;
    }
  const out = new Float64Array(n * n);
  for (let j = 0; j < n; j++)
    for (let i = 0; i < n; i++) {
      let acc = 0;
      wx[i]!.w.forEach((c, t) => (acc += c * tmp[j * w + wx[i]!.start + t]!));
      out[j * n + i] = acc;
    }
  return out;
}

/** nearest-neighbour resize of an h×w label map to n×n: source index floor((j + 0.5) * nIn / nOut) */
function nearestResize(lab: ArrayLike<number>, h: number, w: number, n: number): number[] {
  const out: number[] = [];
  for (let j = 0; j < n; j++)
    for (let i = 0; i < n; i++) {
      const y = Math.floor(((j + 0.5) * h) / n);
      const x = Math.floor(((i + 0.5) * w) / n);
      out.push(lab[y * w + x]!);
    }
  return out;
}

/** pad an h×w image to a square with `value`: floor(diff / 2) before, the rest after */
function padSquare(img: ArrayLike<number>, h: number, w: number, value: number): { data: Float64Array; side: number } {
  const side = Math.max(h, w);
  const top = Math.floor((side - h) / 2);
  const left = Math.floor((side - w) / 2);
  const data = new Float64Array(side * side).fill(value);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[(y + top) * side + x + left] = img[y * w + x]!;
  return { data, side };
}

function minMaxClip(values: Float64Array, low: number, high: number): Float64Array {
  const lo = npPercentile(values, low);
  const hi = npPercentile(values, high);
  return values.map((v) => (Math.min(Math.max(v, lo), hi) - lo) / (hi - lo));
}

// ---------- fixtures ----------

function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'medcl-sliceds-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

function image2d<T extends PixelArray>(data: T, h: number, w: number): Image<T> {
  return { data, shape: [h, w], spacing: [1, 1], origin: [0, 0], direction: [1, 0, 0, 1] };
}

function volume<T extends PixelArray>(data: T, shape: [number, number, number], spacing = [2, 1, 1]): Image<T> {
  return { data, shape, spacing, origin: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
}

interface ItemSpec {
  image: string;
  label?: string;
  patient: string;
  kind: '2d' | '3d';
}

function writeManifest(dir: string, items: ItemSpec[], classes?: string[]): string {
  const file = join(dir, 'manifest.json');
  writeFileSync(file, JSON.stringify({ version: 1, ...(classes ? { classes } : {}), items }));
  return file;
}

/** slice z of a [d, h, w] array as a plain array */
function sliceOf(data: ArrayLike<number>, z: number, h: number, w: number): number[] {
  return Array.from({ length: h * w }, (_, i) => data[z * h * w + i]!);
}

// ---------- xray ----------

test('xray preset: pad to square with 0, antialiased resize, 1st/99th percentile to [0, 1]; labels nearest', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const rng = new Rng(11);
    // a wide 7×10 image (odd padding difference: 1 row before, 2 after) and a tall 8×5 one of another patient
    const h1 = 7;
    const w1 = 10;
    const img1 = Uint16Array.from({ length: h1 * w1 }, () => 100 + rng.int(0, 60000));
    const lab1 = Uint8Array.from({ length: h1 * w1 }, (_, i) => (i % 10 < 3 ? 0 : i % 10 < 7 ? 1 : 2));
    const h2 = 8;
    const w2 = 5;
    const img2 = Uint16Array.from({ length: h2 * w2 }, (_, i) => 1000 + 37 * i);
    const lab2 = Uint8Array.from({ length: h2 * w2 }, (_, i) => (Math.floor(i / w2) >= 4 ? 2 : 0));
    await writePng(join(dir, 'a.png'), image2d(img1, h1, w1), { bitDepth: 16 });
    await writePng(join(dir, 'a-lab.png'), image2d(lab1, h1, w1), { bitDepth: 8 });
    await writePng(join(dir, 'b.png'), image2d(img2, h2, w2), { bitDepth: 16 });
    await writePng(join(dir, 'b-lab.png'), image2d(lab2, h2, w2), { bitDepth: 8 });
    const manifest = await loadManifest(
      writeManifest(dir, [
        { image: 'a.png', label: 'a-lab.png', patient: 'P1', kind: '2d' },
        { image: 'b.png', label: 'b-lab.png', patient: 'P2', kind: '2d' },
      ]),
    );
    const size = 8;
    const ds = await buildSliceDataset(manifest, { preset: 'xray', size });
    assert.equal(ds.length, 2);
    assert.equal(ds.numClasses, 3); // no class list: largest label + 1
    for (const [k, [img, lab, h, w]] of (
      [
        [img1, lab1, h1, w1],
        [img2, lab2, h2, w2],
      ] as const
    ).entries()) {
      const sq = padSquare(img, h, w, 0);
      const resized = pilResize(sq.data, sq.side, sq.side, size);
      const expected = minMaxClip(resized, 1, 99);
      assertClose(ds.images[k]!, expected, { rtol: 1e-5, atol: 2e-6, msg: `image ${k}` });
      // the percentile clip: exactly 0 and 1 are reached, nothing outside [0, 1]
      assert.equal(Math.min(...ds.images[k]!), 0);
      assert.ok(Math.abs(Math.max(...ds.images[k]!) - 1) < 1e-6);
      const lsq = padSquare(lab, h, w, 0);
      assert.deepEqual(Array.from(ds.labels[k]!), nearestResize(lsq.data, sq.side, sq.side, size), `label ${k}`);
      const s = ds.samples[k]!;
      assert.deepEqual(
        [s.id, s.item, s.patient, s.sliceIndex, s.slicesInVolume, s.volume],
        [k, k, k === 0 ? 'P1' : 'P2', 0, 1, k],
      );
    }
    // the batches hold exactly those numbers
    const x = ds.imageBatch([1, 0]);
    assert.deepEqual(x.shape, [2, 1, size, size]);
    assertClose(x.toFloat64Array().subarray(0, size * size), ds.images[1]!);
    const y = ds.labelBatch([0]);
    assert.deepEqual(y.shape, [1, size, size]);
    assert.equal(y.dtype, 'int64');
    assert.deepEqual(Array.from(y.toFloat64Array()), Array.from(ds.labels[0]!));
  } finally {
    cleanup();
  }
});

test('xray preset without resize (padded side = size): exact pad + percentile numbers', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const h = 5;
    const w = 8;
    // distinct values 0, 7, 14, ... with one bright outlier that the 99th percentile clips
    const img = Uint16Array.from({ length: h * w }, (_, i) => (i === 17 ? 60000 : 7 * i));
    await writePng(join(dir, 'x.png'), image2d(img, h, w), { bitDepth: 16 });
    const manifest = await loadManifest(writeManifest(dir, [{ image: 'x.png', patient: 'P', kind: '2d' }]));
    const ds = await buildSliceDataset(manifest, { preset: 'xray', size: 8 });
    const sq = padSquare(img, h, w, 0); // rows 0 and 6, 7 are padding (floor(3 / 2) = 1 before)
    assert.equal(sq.data[0], 0);
    const expected = minMaxClip(sq.data, 1, 99);
    assertClose(ds.images[0]!, expected, { rtol: 1e-6, atol: 1e-7 });
    // the outlier is clipped to exactly 1, the padding to exactly 0 (the 1st percentile of 64 values with 24 zeros)
    assert.equal(ds.images[0]![(1 + 2) * 8 + 1], 1);
    assert.equal(ds.images[0]![0], 0);
    assert.equal(ds.labels[0], null);
    assert.equal(ds.samples[0]!.organFlag, undefined);
    assert.throws(() => ds.labelBatch([0]), /sample 0 \(.*x\.png\) has no label/);
  } finally {
    cleanup();
  }
});

// ---------- ct-polycl ----------

test('ct-polycl preset: window 40/400 HU to [0, 1], central 30% of slices, nearest labels, organ flags', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const hu = [-1000, -200, -160, -100, 0, 40, 100, 200, 240, 1000];
    // item 0: 10 slices of 8×8 (no resize); item 1: 7 slices of 16×16 (resized to 8×8)
    const shapes: [number, number, number][] = [
      [10, 8, 8],
      [7, 16, 16],
    ];
    const vols: Int16Array[] = [];
    const labs: Uint8Array[] = [];
    for (const [v, [d, h, w]] of shapes.entries()) {
      const data = Int16Array.from({ length: d * h * w }, (_, i) => hu[(i * (v + 3) + Math.floor(i / 7)) % hu.length]!);
      // labels: class 1 (spleen) everywhere in a corner; class 2 (liver) as a 4×4 block on every third slice
      const lab = new Uint8Array(d * h * w);
      for (let z = 0; z < d; z++)
        for (let y = 0; y < h; y++)
          for (let x = 0; x < w; x++) {
            const i = (z * h + y) * w + x;
            if (y < 2 && x < 2) lab[i] = 1;
            if (z % 3 === 1 && y >= 4 && y < 8 && x >= 4 && x < 8) lab[i] = 2;
          }
      vols.push(data);
      labs.push(lab);
      await writeNifti(join(dir, `v${v}.nii.gz`), volume(data, [d, h, w]));
      await writeNifti(join(dir, `l${v}.nii.gz`), volume(lab, [d, h, w]));
    }
    const manifest = await loadManifest(
      writeManifest(
        dir,
        shapes.map((_, v) => ({ image: `v${v}.nii.gz`, label: `l${v}.nii.gz`, patient: `S${v}`, kind: '3d' })),
        ['background', 'spleen', 'liver'],
      ),
    );
    const size = 8;
    // kept slices by hand: k = round(0.3 n), start = floor((n - k) / 2): n = 10 -> 3..5, n = 7 -> 2..3
    const kept = [
      [3, 4, 5],
      [2, 3],
    ];
    for (const cacheDir of [undefined, join(dir, 'cache'), join(dir, 'cache')]) {
      // the second run with the cache reads the entries the first one wrote
      const ds = await buildSliceDataset(manifest, { preset: 'ct-polycl', size, cacheDir });
      assert.equal(ds.length, 5, `cache ${cacheDir}`);
      assert.equal(ds.numClasses, 3);
      let id = 0;
      for (const [v, [, h, w]] of shapes.entries()) {
        assert.deepEqual(ds.volumes[v]!.slices, kept[v]!.length);
        for (const [k, z] of kept[v]!.entries()) {
          const s = ds.samples[id]!;
          assert.deepEqual(
            [s.item, s.volume, s.sliceIndex, s.slicesInVolume, s.patient],
            [v, v, k, kept[v]!.length, `S${v}`],
          );
          const windowed = Float64Array.from(sliceOf(vols[v]!, z, h, w), (x) =>
            Math.min(Math.max((x - (40 - 200)) / 400, 0), 1),
          );
          const expected = h === size ? windowed : pilResize(windowed, h, w, size);
          assertClose(ds.images[id]!, expected, { rtol: 1e-5, atol: 1e-6, msg: `volume ${v} slice ${z}` });
          const lab = sliceOf(labs[v]!, z, h, w);
          const expLab = h === size ? lab : nearestResize(lab, h, w, size);
          assert.deepEqual(Array.from(ds.labels[id]!), expLab);
          for (const l of ds.labels[id]!) assert.ok(l === 0 || l === 1 || l === 2);
          // organ = "liver" (class 2 by the class list), present on slices z % 3 === 1; class 1 does not count
          assert.equal(s.organFlag, lab.includes(2), `flag of volume ${v} slice ${z}`);
          assert.equal(s.organFlag, z % 3 === 1);
          assert.equal(ds.volumes[v]!.organFlags![k], s.organFlag);
          id++;
        }
      }
    }
    // a known HU -> value table, by hand: -160 -> 0, 40 -> 0.5, 240 -> 1, clipped outside
    const ds = await buildSliceDataset(manifest, { preset: 'ct-polycl', size, items: [0] });
    const z = 3;
    const raw = sliceOf(vols[0]!, z, 8, 8);
    const table = new Map([
      [-1000, 0],
      [-200, 0],
      [-160, 0],
      [-100, 0.15],
      [0, 0.4],
      [40, 0.5],
      [100, 0.65],
      [200, 0.9],
      [240, 1],
      [1000, 1],
    ]);
    raw.forEach((v, i) => assert.ok(Math.abs(ds.images[0]![i]! - table.get(v)!) < 1e-6, `HU ${v}`));
  } finally {
    cleanup();
  }
});

test('ct-polycl: organClass option and a manifest without a class list (organ = class 1)', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const [d, h, w] = [10, 8, 8];
    const data = new Int16Array(d * h * w).fill(40);
    const lab = new Uint8Array(d * h * w);
    lab[4 * 64 + 10] = 1; // slice 4: one voxel of class 1
    lab[5 * 64 + 20] = 3; // slice 5: one voxel of class 3
    await writeNifti(join(dir, 'v.nii.gz'), volume(data, [d, h, w]));
    await writeNifti(join(dir, 'l.nii.gz'), volume(lab, [d, h, w]));
    const manifest = await loadManifest(
      writeManifest(dir, [{ image: 'v.nii.gz', label: 'l.nii.gz', patient: 'S', kind: '3d' }]),
    );
    const byDefault = await buildSliceDataset(manifest, { preset: 'ct-polycl', size: 8 });
    assert.deepEqual(
      byDefault.samples.map((s) => s.organFlag),
      [false, true, false], // slices 3, 4, 5
    );
    const three = await buildSliceDataset(manifest, { preset: 'ct-polycl', size: 8, organClass: 3 });
    assert.deepEqual(
      three.samples.map((s) => s.organFlag),
      [false, false, true],
    );
    assert.equal(byDefault.numClasses, 4);
  } finally {
    cleanup();
  }
});

// ---------- ct-pcl ----------

async function pclFixture(dir: string): Promise<{ vols: Float32Array[]; labs: Uint8Array[]; depths: number[] }> {
  const rng = new Rng(5);
  const depths = [5, 3, 4];
  const vols: Float32Array[] = [];
  const labs: Uint8Array[] = [];
  const items: ItemSpec[] = [];
  for (const [v, d] of depths.entries()) {
    const data = Float32Array.from({ length: d * 64 }, () => Math.fround(rng.uniform(-500, 1500)));
    const lab = Uint8Array.from({ length: d * 64 }, (_, i) => (i % 8) % 3);
    await writeNifti(join(dir, `v${v}.nii`), volume(data, [d, 8, 8], [3, 2, 2]));
    await writeNifti(join(dir, `l${v}.nii`), volume(lab, [d, 8, 8], [3, 2, 2]));
    vols.push(data);
    labs.push(lab);
    items.push({ image: `v${v}.nii`, label: `l${v}.nii`, patient: v === 2 ? 'A' : `P${v}`, kind: '3d' });
  }
  items[0]!.patient = 'A'; // items 0 and 2: one patient, two volumes
  writeManifest(dir, items, ['bg', 'a', 'b']);
  return { vols, labs, depths };
}

test('ct-pcl preset: per-volume 1st/99th percentile to [0, 1], every slice kept with its position', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const { vols, labs, depths } = await pclFixture(dir);
    const manifest = await loadManifest(join(dir, 'manifest.json'));
    const ds = await buildSliceDataset(manifest, { preset: 'ct-pcl', size: 8 });
    assert.equal(ds.length, 5 + 3 + 4);
    let id = 0;
    for (const [v, d] of depths.entries()) {
      // percentiles over the WHOLE volume, not per slice
      const norm = minMaxClip(Float64Array.from(vols[v]!), 1, 99);
      assert.equal(ds.volumes[v]!.slices, d);
      for (let z = 0; z < d; z++) {
        const s = ds.samples[id]!;
        assert.deepEqual([s.volume, s.sliceIndex, s.slicesInVolume, s.volumeId], [v, z, d, String(v)]);
        // PCL's position (index + 1) / n, from the sample's fields
        assert.equal((s.sliceIndex + 1) / s.slicesInVolume, (z + 1) / d);
        assertClose(ds.images[id]!, norm.subarray(z * 64, (z + 1) * 64), { rtol: 1e-5, atol: 1e-6 });
        assert.deepEqual(Array.from(ds.labels[id]!), sliceOf(labs[v]!, z, 8, 8));
        id++;
      }
      assert.deepEqual(ds.spacing[v], [2, 2]);
    }
    assert.deepEqual(
      ds.samples.map((s) => s.patient),
      [...Array(5).fill('A'), ...Array(3).fill('P1'), ...Array(4).fill('A')],
    );
    assert.deepEqual(ds.idsOfPatients(new Set(['P1'])), [5, 6, 7]);
  } finally {
    cleanup();
  }
});

test('ct-pcl with spacing: in-plane resample to the spacing, then centred padding with the background value', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const { vols, labs } = await pclFixture(dir);
    const manifest = await loadManifest(join(dir, 'manifest.json'));
    // 8 px of 2 mm resampled to 4 mm: 4 px, each the mean of a 2×2 block (linear at the block centre); then padded
    // to 8 with 2 px of background (0 after min-max) on each side. Labels: the block's pixel (2j + 1, 2i + 1).
    const ds = await buildSliceDataset(manifest, { preset: 'ct-pcl', size: 8, spacing: 4, items: [1] });
    assert.equal(ds.length, 3);
    const norm = minMaxClip(Float64Array.from(vols[1]!), 1, 99);
    for (let z = 0; z < 3; z++) {
      const expected = new Float64Array(64);
      const expLab = new Array<number>(64).fill(0);
      for (let j = 0; j < 4; j++)
        for (let i = 0; i < 4; i++) {
          const at = (y: number, x: number) => norm[z * 64 + y * 8 + x]!;
          expected[(j + 2) * 8 + i + 2] =
            (at(2 * j, 2 * i) + at(2 * j + 1, 2 * i) + at(2 * j, 2 * i + 1) + at(2 * j + 1, 2 * i + 1)) / 4;
          expLab[(j + 2) * 8 + i + 2] = labs[1]![z * 64 + (2 * j + 1) * 8 + 2 * i + 1]!;
        }
      assertClose(ds.images[z]!, expected, { rtol: 1e-5, atol: 1e-6, msg: `slice ${z}` });
      assert.deepEqual(Array.from(ds.labels[z]!), expLab);
    }
    assert.deepEqual(ds.spacing[0], [4, 4]);
  } finally {
    cleanup();
  }
});

// ---------- subset ----------

test('subset keeps the chosen items, renumbers samples and volumes, and shares the arrays', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await pclFixture(dir);
    const manifest = await loadManifest(join(dir, 'manifest.json'));
    const ds = await buildSliceDataset(manifest, { preset: 'ct-pcl', size: 8 });
    const sub = ds.subset([2, 0]);
    // items 0 (5 slices) then 2 (4 slices), in data set order whatever the order asked
    assert.equal(sub.length, 9);
    assert.deepEqual(
      sub.samples.map((s) => s.id),
      [0, 1, 2, 3, 4, 5, 6, 7, 8],
    );
    assert.deepEqual(
      sub.samples.map((s) => [s.item, s.volume, s.sliceIndex]),
      [...[0, 1, 2, 3, 4].map((z) => [0, 0, z]), ...[0, 1, 2, 3].map((z) => [2, 1, z])],
    );
    assert.deepEqual(
      sub.volumes.map((v) => [v.id, v.slices]),
      [
        ['0', 5],
        ['2', 4],
      ],
    );
    // original ids 0..4 and 8..11; the same arrays, not copies
    for (let k = 0; k < 9; k++) {
      const orig = k < 5 ? k : k + 3;
      assert.equal(sub.images[k], ds.images[orig]);
      assert.equal(sub.labels[k], ds.labels[orig]);
      assert.equal(sub.image(k), ds.image(orig));
    }
    assert.throws(() => ds.subset([7]), /no sample belongs to the selected items/);
    assert.throws(() => sub.image(9), /no sample 9 \(have 9\)/);
    // building with `items` gives the same samples as subset (same numbers in the same order)
    const direct = await buildSliceDataset(manifest, { preset: 'ct-pcl', size: 8, items: [0, 2] });
    assert.deepEqual(
      direct.samples.map((s) => [s.item, s.volume, s.sliceIndex]),
      sub.samples.map((s) => [s.item, s.volume, s.sliceIndex]),
    );
    direct.images.forEach((img, k) => assert.deepEqual(Array.from(img), Array.from(sub.images[k]!)));
  } finally {
    cleanup();
  }
});

// ---------- errors ----------

test('errors name the file: label shape differs from the image, label file missing, wrong dimensionality', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await writeNifti(join(dir, 'v.nii.gz'), volume(new Int16Array(4 * 64), [4, 8, 8]));
    await writeNifti(join(dir, 'bad.nii.gz'), volume(new Uint8Array(4 * 56), [4, 8, 7]));
    const badFile = join(dir, 'bad.nii.gz');
    const m1 = await loadManifest(
      writeManifest(dir, [{ image: 'v.nii.gz', label: 'bad.nii.gz', patient: 'S', kind: '3d' }]),
    );
    await assert.rejects(
      buildSliceDataset(m1, { preset: 'ct-pcl', size: 8 }),
      (e: Error) => e.message.includes(badFile) && /label shape 4x8x7 differs from image shape 4x8x8/.test(e.message),
    );

    // a missing label file: loadManifest names it; a manifest parsed without file checks fails when read, naming it
    const text = JSON.stringify({
      version: 1,
      items: [{ image: 'v.nii.gz', label: 'gone.nii.gz', patient: 'S', kind: '3d' }],
    });
    writeFileSync(join(dir, 'm2.json'), text);
    const gone = join(dir, 'gone.nii.gz');
    await assert.rejects(
      loadManifest(join(dir, 'm2.json')),
      (e: Error) => e.message.includes('items[0].label') && e.message.includes(gone),
    );
    const m2 = parseManifest(text, join(dir, 'm2.json'));
    await assert.rejects(buildSliceDataset(m2, { preset: 'ct-pcl', size: 8 }), (e: Error) => e.message.includes(gone));

    // a 3D volume given to the xray preset; a label value that is not a class id
    const m0 = await loadManifest(writeManifest(dir, [{ image: 'v.nii.gz', patient: 'S', kind: '3d' }]));
    await assert.rejects(
      buildSliceDataset(m0, { preset: 'xray', size: 8 }),
      /v\.nii\.gz: preset xray expects 2D images, got shape 4x8x8/,
    );
    const frac = Float32Array.from({ length: 4 * 64 }, (_, i) => (i === 70 ? 1.5 : 0));
    await writeNifti(join(dir, 'frac.nii.gz'), volume(frac, [4, 8, 8]));
    const m3 = await loadManifest(
      writeManifest(dir, [{ image: 'v.nii.gz', label: 'frac.nii.gz', patient: 'S', kind: '3d' }]),
    );
    await assert.rejects(
      buildSliceDataset(m3, { preset: 'ct-pcl', size: 8 }),
      /frac\.nii\.gz: label value 1\.5 at voxel \d+ is not a class id/,
    );
    await assert.rejects(buildSliceDataset(m0, { preset: 'ct-pcl', size: 4 }), /size must be an integer >= 8/);
    await assert.rejects(buildSliceDataset(m0, { preset: 'ct-pcl', items: [3] }), /has no item 3/);
  } finally {
    cleanup();
  }
});
