// Stored-value rules (BitsStored/HighBit masks, sign, MONOCHROME1, colour) and rescale types, on hand-built
// files whose expected values are computed here from the words written.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readDicom } from '../../../src/io/dicom.js';
import { tempDir } from '../fixtures.js';
import { type El, dicomFile, pixelModule } from '../dicom-bytes.js';

const rows = 2;
const cols = 3;

function ow(words: number[]): El {
  const b = Buffer.alloc(words.length * 2);
  words.forEach((w, i) => b.writeUInt16LE(w, 2 * i));
  return { tag: 0x7fe00010, vr: 'OW', value: b };
}

async function readWith(els: El[], ts?: string): Promise<ReturnType<typeof readDicom>> {
  const { dir, cleanup } = tempDir();
  try {
    const p = join(dir, 'x.dcm');
    writeFileSync(p, dicomFile(els, { transferSyntax: ts }));
    return await readDicom(p);
  } finally {
    cleanup();
  }
}

const words = [0x0000, 0x0001, 0x07ff, 0x0800, 0x0fff, 0xf123]; // the last has garbage above bit 11

test('BitsStored 12 / HighBit 11: high bits are masked (unsigned) and sign-extended (signed)', async () => {
  const u = await readWith([...pixelModule({ rows, cols, bitsAllocated: 16, bitsStored: 12 }), ow(words)]);
  assert.ok(u.data instanceof Uint16Array);
  assert.deepEqual(
    Array.from(u.data),
    words.map((w) => w & 0xfff),
  );
  const s = await readWith([
    ...pixelModule({ rows, cols, bitsAllocated: 16, bitsStored: 12, signed: true }),
    ow(words),
  ]);
  assert.ok(s.data instanceof Int16Array);
  // 12-bit two's complement: 0x7ff = 2047, 0x800 = -2048, 0xfff = -1, 0x123 = 291
  assert.deepEqual(Array.from(s.data), [0, 1, 2047, -2048, -1, 291]);
});

test('HighBit above BitsStored - 1: values are shifted down', async () => {
  // 12 bits stored in bits 4..15
  const shifted = [0x0010, 0x7ff0, 0x8000, 0xfff0, 0x1235, 0x000f];
  const u = await readWith([
    ...pixelModule({ rows, cols, bitsAllocated: 16, bitsStored: 12, highBit: 15 }),
    ow(shifted),
  ]);
  assert.deepEqual(
    Array.from(u.data),
    shifted.map((w) => w >> 4),
  );
  const s = await readWith([
    ...pixelModule({ rows, cols, bitsAllocated: 16, bitsStored: 12, highBit: 15, signed: true }),
    ow(shifted),
  ]);
  assert.deepEqual(Array.from(s.data), [1, 2047, -2048, -1, 0x123, 0]);
});

test('full-width signed 16-bit and 8-bit data', async () => {
  const s16 = await readWith([
    ...pixelModule({ rows, cols, bitsAllocated: 16, signed: true }),
    ow([0, 1, 0x7fff, 0x8000, 0xffff, 0xfffe]),
  ]);
  assert.deepEqual(Array.from(s16.data), [0, 1, 32767, -32768, -1, -2]);
  const bytes = new Uint8Array([0, 1, 127, 128, 255, 200]);
  const s8 = await readWith([
    ...pixelModule({ rows, cols, bitsAllocated: 8, signed: true }),
    { tag: 0x7fe00010, vr: 'OB', value: bytes },
  ]);
  assert.ok(s8.data instanceof Int8Array);
  assert.deepEqual(Array.from(s8.data), [0, 1, 127, -128, -1, -56]);
});

test('MONOCHROME1 is inverted on the stored range: unsigned (2^bits - 1) - v, signed -1 - v', async () => {
  const m1u = await readWith([
    ...pixelModule({ rows, cols, bitsAllocated: 16, bitsStored: 12, photometric: 'MONOCHROME1' }),
    ow(words),
  ]);
  assert.deepEqual(
    Array.from(m1u.data),
    words.map((w) => 4095 - (w & 0xfff)),
  );
  const m1s = await readWith([
    ...pixelModule({ rows, cols, bitsAllocated: 16, bitsStored: 12, signed: true, photometric: 'MONOCHROME1' }),
    ow(words),
  ]);
  assert.deepEqual(
    Array.from(m1s.data),
    [0, 1, 2047, -2048, -1, 291].map((v) => -1 - v),
  );
  const bytes = new Uint8Array([0, 10, 100, 200, 250, 255]);
  const m18 = await readWith([
    ...pixelModule({ rows, cols, bitsAllocated: 8, photometric: 'MONOCHROME1' }),
    { tag: 0x7fe00010, vr: 'OB', value: bytes },
  ]);
  assert.deepEqual(
    Array.from(m18.data),
    Array.from(bytes, (v) => 255 - v),
  );
});

test('rescale: integer slope/intercept that fit give exact Int16Array, otherwise Float32Array', async () => {
  const px = pixelModule({ rows, cols, bitsAllocated: 16, bitsStored: 12 });
  const raw = [0, 1000, 1024, 2000, 3000, 4095];
  const rs = (slope: string, intercept: string): El[] => [
    { tag: 0x00281052, vr: 'DS', value: intercept },
    { tag: 0x00281053, vr: 'DS', value: slope },
  ];
  const hu = await readWith([...px, ...rs('1', '-1024'), ow(raw)]);
  assert.ok(hu.data instanceof Int16Array);
  assert.deepEqual(
    Array.from(hu.data),
    raw.map((v) => v - 1024),
  );
  const frac = await readWith([...px, ...rs('2.5', '-10.25'), ow(raw)]);
  assert.ok(frac.data instanceof Float32Array);
  assert.deepEqual(
    Array.from(frac.data),
    raw.map((v) => Math.fround(v * 2.5 - 10.25)),
  );
  // integral but out of int16 range: 4095 * 10 = 40950
  const big = await readWith([...px, ...rs('10', '0'), ow(raw)]);
  assert.ok(big.data instanceof Float32Array);
  assert.deepEqual(
    Array.from(big.data),
    raw.map((v) => v * 10),
  );
  // identity rescale keeps the stored type
  const id = await readWith([...px, ...rs('1', '0'), ow(raw)]);
  assert.ok(id.data instanceof Uint16Array);
});

test('colour: RGB (interleaved and planar) -> round(0.299 R + 0.587 G + 0.114 B); YBR_FULL -> Y', async () => {
  const n = rows * cols;
  const rgb = Uint8Array.from({ length: 3 * n }, (_, i) => (i * 53 + 17) % 256);
  const expected = Array.from({ length: n }, (_, p) =>
    Math.round(0.299 * rgb[3 * p] + 0.587 * rgb[3 * p + 1] + 0.114 * rgb[3 * p + 2]),
  );
  const inter = await readWith([
    ...pixelModule({ rows, cols, bitsAllocated: 8, samples: 3, photometric: 'RGB' }),
    { tag: 0x7fe00010, vr: 'OB', value: rgb },
  ]);
  assert.ok(inter.data instanceof Uint8Array);
  assert.deepEqual(Array.from(inter.data), expected);
  const planarBytes = new Uint8Array(3 * n);
  for (let p = 0; p < n; p++) for (let c = 0; c < 3; c++) planarBytes[c * n + p] = rgb[3 * p + c];
  const planar = await readWith([
    ...pixelModule({ rows, cols, bitsAllocated: 8, samples: 3, photometric: 'RGB', planar: 1 }),
    { tag: 0x7fe00010, vr: 'OB', value: planarBytes },
  ]);
  assert.deepEqual(Array.from(planar.data), expected);
  const ybr = await readWith([
    ...pixelModule({ rows, cols, bitsAllocated: 8, samples: 3, photometric: 'YBR_FULL' }),
    { tag: 0x7fe00010, vr: 'OB', value: rgb },
  ]);
  assert.deepEqual(
    Array.from(ybr.data),
    Array.from({ length: n }, (_, p) => rgb[3 * p]),
  );
  // grey stored as RGB (R = G = B) is kept exactly
  const greyRgb = Uint8Array.from({ length: 3 * n }, (_, i) => Math.floor(i / 3) * 40 + 1);
  const g = await readWith([
    ...pixelModule({ rows, cols, bitsAllocated: 8, samples: 3, photometric: 'RGB' }),
    { tag: 0x7fe00010, vr: 'OB', value: greyRgb },
  ]);
  assert.deepEqual(Array.from(g.data), [1, 41, 81, 121, 161, 201]);
});

test('unsupported photometric interpretations and bit depths are errors naming the file', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const cases: [El[], RegExp][] = [
      [
        [
          ...pixelModule({ rows, cols, bitsAllocated: 8, photometric: 'PALETTE COLOR' }),
          { tag: 0x7fe00010, vr: 'OB', value: new Uint8Array(6) },
        ],
        /PALETTE COLOR/,
      ],
      [[...pixelModule({ rows, cols, bitsAllocated: 12 }), ow(words)], /BitsAllocated 12/],
      [[...pixelModule({ rows, cols, bitsAllocated: 16, bitsStored: 17 }), ow(words)], /BitsStored 17/],
    ];
    for (const [k, [els, re]] of cases.entries()) {
      const p = join(dir, `bad${k}.dcm`);
      writeFileSync(p, dicomFile(els));
      await assert.rejects(readDicom(p), (e: Error) => e.message.includes(p) && re.test(e.message));
    }
  } finally {
    cleanup();
  }
});
