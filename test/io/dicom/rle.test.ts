import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readDicom } from '../../../src/io/dicom.js';
import { decodeRleFrame } from '../../../src/io/dicom/rle.js';
import { Rng } from '../../../src/util/rng.js';
import { tempDir } from '../fixtures.js';
import { dicomFile, ds, pixelModule, rleFrame } from '../dicom-bytes.js';

/** bytes with long runs and noise, so the encoder emits both replicate and literal runs */
function runsAndNoise(n: number, rng: Rng): Uint8Array {
  const out = new Uint8Array(n);
  let i = 0;
  while (i < n) {
    const len = 1 + rng.int(0, 300);
    const repeat = rng.uniform() < 0.5;
    const v = rng.int(0, 256);
    for (let k = 0; k < len && i < n; k++, i++) out[i] = repeat ? v : rng.int(0, 256);
  }
  return out;
}

test('RLE decoder inverts a PackBits encoder (1 and 3 samples, 8 and 16 bits)', () => {
  const rng = new Rng(3);
  for (const [rows, cols, spp, bps] of [
    [17, 23, 1, 1],
    [31, 40, 1, 2],
    [9, 11, 3, 1],
    [20, 7, 3, 2],
    [1, 1000, 1, 2],
  ]) {
    const n = rows * cols;
    const samples = runsAndNoise(n * spp * bps, rng);
    const frame = rleFrame(samples, n, spp, bps);
    assert.deepEqual(decodeRleFrame(frame, rows, cols, spp, bps), samples, `${rows}x${cols}x${spp}x${bps}`);
  }
});

test('RLE decoder rejects a wrong segment count and truncated segments', () => {
  const samples = new Uint8Array(64).fill(7);
  const frame = rleFrame(samples, 32, 1, 2);
  assert.throws(() => decodeRleFrame(frame, 8, 8, 1, 1), /2 segments, expected 1/);
  assert.throws(() => decodeRleFrame(frame.subarray(0, 40), 4, 8, 1, 2), /shorter than its 64-byte header/);
  assert.throws(() => decodeRleFrame(frame.subarray(0, frame.length - 2), 4, 8, 1, 2), /RLE segment/);
});

test('a two-frame RLE file (empty offset table, one fragment per frame) reads as a volume', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const [rows, cols] = [5, 6];
    const n = rows * cols;
    const values = [0, 1].map((f) =>
      Int16Array.from({ length: n }, (_, i) => (i % 4 === 0 ? -1000 + f * 7 : i * 37 * (f + 1) - 500)),
    );
    const frames = values.map((v) => rleFrame(new Uint8Array(v.buffer), n, 1, 2));
    const p = join(dir, 'rle2.dcm');
    writeFileSync(
      p,
      dicomFile(
        [
          ...pixelModule({ rows, cols, bitsAllocated: 16, signed: true, frames: 2 }),
          { tag: 0x00200032, vr: 'DS', value: ds([0, 0, 0]) },
          { tag: 0x00200037, vr: 'DS', value: ds([1, 0, 0, 0, 1, 0]) },
          { tag: 0x00180088, vr: 'DS', value: '2.5' },
        ],
        { transferSyntax: '1.2.840.10008.1.2.5', encapsulatedFrames: frames },
      ),
    );
    const img = await readDicom(p, { onWarning: () => {} });
    assert.deepEqual(img.shape, [2, rows, cols]);
    assert.deepEqual(img.spacing, [2.5, 1, 1]);
    assert.deepEqual(Array.from(img.data), [...values[0], ...values[1]]);
  } finally {
    cleanup();
  }
});
