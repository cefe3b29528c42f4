// Hostile DICOM files (built here byte by byte): absurd or inconsistent sizes fail fast, before any allocation, and
// invalid geometry is an error naming the file and the tag, or a documented fallback with a warning.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readDicom } from '../../src/io/dicom.js';
import { type El, dicomFile, ds, pixelModule } from './dicom-bytes.js';
import { rejectsNaming, tempDir } from './fixtures.js';

const AXIAL = [1, 0, 0, 0, 1, 0];

function pixels(bytes: number): El {
  const b = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) b[i] = (i * 7) % 251;
  return { tag: 0x7fe00010, vr: 'OW', value: b };
}

function write(dir: string, name: string, els: El[]): string {
  const p = join(dir, name);
  writeFileSync(p, dicomFile(els));
  return p;
}

const rejects = (path: string, re: RegExp): Promise<void> => rejectsNaming(readDicom(path), path, re);

test('a 1 MB file declaring NumberOfFrames 999999999 fails fast and small, naming the file and the sizes', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const p = write(dir, 'frames.dcm', [
      ...pixelModule({ rows: 512, cols: 1024, bitsAllocated: 16, frames: 999999999 }),
      pixels(512 * 1024 * 2),
    ]);
    const heap0 = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    await rejects(p, /NumberOfFrames 999999999 x Rows 512 x Columns 1024 .*need 1048575998951424/);
    assert.ok(performance.now() - t0 < 2000, `took ${performance.now() - t0} ms`);
    assert.ok(process.memoryUsage().heapUsed - heap0 < 64 * 2 ** 20, 'no per-frame objects were built');
  } finally {
    cleanup();
  }
});

test('Rows = Columns = 65535 with 1 MB of pixels: an error naming the file, not "Invalid typed array length"', async () => {
  const { dir, cleanup } = tempDir();
  try {
    for (const frames of [undefined, 16]) {
      const p = write(dir, `big${frames ?? ''}.dcm`, [
        ...pixelModule({ rows: 65535, cols: 65535, bitsAllocated: 16, ...(frames ? { frames } : {}) }),
        pixels(2 ** 20),
      ]);
      await rejects(p, /PixelData \(7FE0,0010\) has 1048576 bytes; .*Rows 65535 x Columns 65535/);
    }
  } finally {
    cleanup();
  }
});

test('NumberOfFrames "abc", "-5", "0", "2.5" is an error naming the tag; a count disagreeing with the bytes too', async () => {
  const { dir, cleanup } = tempDir();
  try {
    for (const bad of ['abc', '-5', '0', '2.5']) {
      const els = pixelModule({ rows: 4, cols: 4, bitsAllocated: 8 });
      els.push({ tag: 0x00280008, vr: 'IS', value: bad }, pixels(16));
      const p = write(dir, `n${bad}.dcm`, els);
      await rejects(p, new RegExp(`NumberOfFrames \\(0028,0008\\) is "${bad}": expected a whole number >= 1`));
    }
    // "4" with 16 frames' bytes would read 4 of 16 frames
    const p = write(dir, 'four.dcm', [...pixelModule({ rows: 4, cols: 4, bitsAllocated: 8, frames: 4 }), pixels(256)]);
    await rejects(p, /holds 16 frames of 16 bytes but NumberOfFrames 4 .* disagrees with the pixel data/);
    // 16-bit pixels declared as 8-bit: twice the bytes
    const q = write(dir, 'bits.dcm', [...pixelModule({ rows: 4, cols: 4, bitsAllocated: 8 }), pixels(32)]);
    await rejects(q, /holds 2 frames/);
    // odd-length padding is not a frame: 3x3 8-bit frame padded to 10 bytes reads
    const r = write(dir, 'pad.dcm', [
      ...pixelModule({ rows: 3, cols: 3, bitsAllocated: 8 }),
      { tag: 0x00280030, vr: 'DS', value: '1\\1' },
      { tag: 0x7fe00010, vr: 'OB', value: new Uint8Array(9).fill(5) },
    ]);
    assert.deepEqual(Array.from((await readDicom(r)).data), new Array(9).fill(5));
  } finally {
    cleanup();
  }
});

test('encapsulated pixel data with fewer fragments than NumberOfFrames is an error naming the file', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const p = join(dir, 'rle.dcm');
    writeFileSync(
      p,
      dicomFile(pixelModule({ rows: 2, cols: 2, bitsAllocated: 8, frames: 3 }), {
        transferSyntax: '1.2.840.10008.1.2.5',
        encapsulatedFrames: [new Uint8Array(68), new Uint8Array(68)],
      }),
    );
    await rejects(p, /has 2 fragment\(s\), too few for NumberOfFrames 3/);
  } finally {
    cleanup();
  }
});

test('PixelSpacing NaN, Inf, 0, negative or text is an error naming the file and the tag', async () => {
  const { dir, cleanup } = tempDir();
  try {
    for (const [k, v] of ['NaN\\1', 'Inf\\1', '1e999\\1', 'abc\\1', '0\\1', '-1\\-1', '1'].entries()) {
      const p = write(dir, `ps${k}.dcm`, [
        ...pixelModule({ rows: 2, cols: 2, bitsAllocated: 8 }),
        { tag: 0x00280030, vr: 'DS', value: v },
        pixels(4),
      ]);
      await rejects(p, /PixelSpacing \(0028,0030\) is ".*": expected/);
    }
  } finally {
    cleanup();
  }
});

/** one axial slice of a series: 2x2, 16-bit */
function slice(dir: string, name: string, z: number, extra: El[]): string {
  return write(dir, name, [
    ...pixelModule({ rows: 2, cols: 2, bitsAllocated: 16 }),
    { tag: 0x0020000e, vr: 'UI', value: '1.2.3' },
    { tag: 0x00200032, vr: 'DS', value: ds([0, 0, z]) },
    { tag: 0x00200037, vr: 'DS', value: ds(AXIAL) },
    pixels(8),
    ...extra,
  ]);
}

test('a series whose slices disagree on PixelSpacing is an error naming both files', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const sp = (v: string): El => ({ tag: 0x00280030, vr: 'DS', value: v });
    const a = slice(dir, 'a.dcm', 0, [sp('0.8\\0.8')]);
    slice(dir, 'b.dcm', 2, [sp('0.8\\0.8')]);
    slice(dir, 'c.dcm', 4, [sp('0.9\\0.8')]);
    await rejects(
      dir,
      /slices disagree on PixelSpacing \(0028,0030\): \[0\.8, 0\.8\] in .*a\.dcm, \[0\.9, 0\.8\] in .*c\.dcm/,
    );
    slice(dir, 'c.dcm', 4, []);
    await assert.rejects(readDicom(dir), (e: Error) => e.message.includes(a) && /absent in .*c\.dcm/.test(e.message));
  } finally {
    cleanup();
  }
});

test('ImagePositionPatient / SliceThickness / SpacingBetweenSlices that are not finite numbers: errors naming the tag', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const cases: [number, string, RegExp][] = [
      [0x00200032, '0\\abc\\0', /ImagePositionPatient \(0020,0032\) is "0\\\\abc\\\\0"/],
      [0x00200032, '0\\0', /ImagePositionPatient \(0020,0032\) is "0\\\\0": expected 3 finite numbers/],
      [0x00180050, 'NaN', /SliceThickness \(0018,0050\) is "NaN"/],
      [0x00180088, 'thick', /SpacingBetweenSlices \(0018,0088\) is "thick"/],
      [0x00281053, 'Inf', /RescaleSlope \(0028,1053\) is "Inf"/],
    ];
    for (const [k, [tag, value, re]] of cases.entries()) {
      const p = write(dir, `g${k}.dcm`, [
        ...pixelModule({ rows: 2, cols: 2, bitsAllocated: 8 }),
        { tag: 0x00280030, vr: 'DS', value: '1\\1' },
        { tag, vr: 'DS', value },
        pixels(4),
      ]);
      await rejects(p, re);
    }
  } finally {
    cleanup();
  }
});

/** a legacy multi-frame file: 3 frames of 2x2, one position for the file */
function legacy(dir: string, name: string, extra: El[]): string {
  return write(dir, name, [
    ...pixelModule({ rows: 2, cols: 2, bitsAllocated: 8, frames: 3 }),
    { tag: 0x00200032, vr: 'DS', value: ds([0, 0, 10]) },
    { tag: 0x00200037, vr: 'DS', value: ds(AXIAL) },
    { tag: 0x00280030, vr: 'DS', value: '0.5\\0.5' },
    pixels(12),
    ...extra,
  ]);
}

test('the slice step of a legacy multi-frame file: > 0 when used (error naming the tag), 1 mm with a warning when absent', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const st = (v: string): El => ({ tag: 0x00180050, vr: 'DS', value: v });
    for (const v of ['0', '-2'])
      await rejects(
        legacy(dir, `st${v}.dcm`, [st(v)]),
        /SliceThickness \(0018,0050\) is -?\d: a slice step must be > 0 mm/,
      );
    // SpacingBetweenSlices is used before SliceThickness: an unused SliceThickness of 0 does not matter
    const ok = await readDicom(legacy(dir, 'sbs.dcm', [st('0'), { tag: 0x00180088, vr: 'DS', value: '2.5' }]));
    assert.deepEqual(ok.spacing, [2.5, 0.5, 0.5]);
    const warnings: string[] = [];
    const p = legacy(dir, 'none.dcm', []);
    const img = await readDicom(p, { onWarning: (m) => warnings.push(m) });
    assert.deepEqual(img.spacing, [1, 0.5, 0.5]);
    assert.ok(
      warnings.some((w) => w.includes(p) && /slice step 1 mm assumed/.test(w)),
      `warned: ${warnings.join(' | ')}`,
    );
  } finally {
    cleanup();
  }
});

test('a slice without PixelSpacing reads with 1 mm and a warning naming the file', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const p = write(dir, 'nospacing.dcm', [...pixelModule({ rows: 2, cols: 2, bitsAllocated: 8 }), pixels(4)]);
    const warnings: string[] = [];
    const img = await readDicom(p, { onWarning: (m) => warnings.push(m) });
    assert.deepEqual(img.spacing, [1, 1]);
    assert.equal(warnings.length, 1);
    assert.ok(warnings[0]!.includes(p) && /no PixelSpacing .* 1 mm assumed/.test(warnings[0]!), warnings[0]);
  } finally {
    cleanup();
  }
});
