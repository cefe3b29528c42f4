// Hostile MetaImage and NRRD files (headers written here): compressed data that is not a valid stream, sizes that
// disagree with the bytes present, and invalid spacings are errors naming the file and the field, before ITK reads
// the file (which reads a bad zlib stream as zeros and allocates the declared size first).
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { deflateSync, gzipSync } from 'node:zlib';
import { readItk } from '../../src/io/itk.js';
import { ITK_DATA, rejectsNaming, tempDir, testFile } from './fixtures.js';

const PIXELS = Uint8Array.from({ length: 64 * 64 }, (_, i) => (i * 37 + (i >> 6) * 11) % 251);

function mha(fields: Record<string, string>, data: Uint8Array): Buffer {
  const all: Record<string, string> = {
    ObjectType: 'Image',
    NDims: '2',
    BinaryData: 'True',
    BinaryDataByteOrderMSB: 'False',
    ElementSpacing: '1 1',
    DimSize: '64 64',
    ElementType: 'MET_UCHAR',
    ...fields,
  };
  const text = Object.entries(all).map(([k, v]) => `${k} = ${v}\n`);
  return Buffer.concat([Buffer.from(text.join('') + 'ElementDataFile = LOCAL\n', 'latin1'), data]);
}

/** rejects naming the file, and leaves the exit code alone (a failed ITK pipeline sets it) */
async function rejects(path: string, re: RegExp): Promise<void> {
  const exitCode = process.exitCode;
  await rejectsNaming(readItk(path), path, re);
  assert.equal(process.exitCode, exitCode, 'the exit code is left alone');
}

test('MHA: CompressedData = True on raw data, or flipped bytes in the zlib stream, is an error (was zeros, rc 0)', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const raw = join(dir, 'raw.mha');
    writeFileSync(raw, mha({ CompressedData: 'True', CompressedDataSize: '4096' }, PIXELS));
    await rejects(raw, /CompressedData = True, but the pixel data is not a valid zlib\/gzip stream/);
    // ITK reads even a valid stream as zeros when CompressedDataSize is missing
    const nosize = join(dir, 'nosize.mha');
    writeFileSync(nosize, mha({ CompressedData: 'True' }, deflateSync(PIXELS)));
    await rejects(nosize, /CompressedData = True with ElementDataFile = LOCAL needs CompressedDataSize/);
    const z = deflateSync(PIXELS);
    for (const at of [20, 21, 30]) z[at] ^= 0x5a;
    const flipped = join(dir, 'flipped.mha');
    writeFileSync(flipped, mha({ CompressedData: 'True', CompressedDataSize: String(z.length) }, z));
    await rejects(flipped, /CompressedData = True, but the pixel data is not a valid zlib\/gzip stream/);
    // a valid stream of the wrong length
    const short = join(dir, 'short.mha');
    const zs = deflateSync(PIXELS.subarray(0, 1000));
    writeFileSync(short, mha({ CompressedData: 'True', CompressedDataSize: String(zs.length) }, zs));
    await rejects(short, /decompresses to 1000 bytes, DimSize 64 64 .* = 4096/);
    // the good stream reads (the check does not get in the way)
    const good = join(dir, 'good.mha');
    const zg = deflateSync(PIXELS);
    writeFileSync(good, mha({ CompressedData: 'True', CompressedDataSize: String(zg.length) }, zg));
    const img = await readItk(good);
    assert.deepEqual(Array.from(img.data), Array.from(PIXELS));
  } finally {
    cleanup();
  }
});

test('MHA: DimSize against the bytes present (too many: fails before ITK allocates; too few: no partial read)', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const big = join(dir, 'big.mha');
    writeFileSync(big, mha({ DimSize: '1000 1000 1000', NDims: '3', ElementSpacing: '1 1 1' }, PIXELS));
    const t0 = performance.now();
    await rejects(
      big,
      /truncated \(or a wrong header\): DimSize 1000 1000 1000 .* = 1000000000 bytes, the file has 4096/,
    );
    assert.ok(performance.now() - t0 < 1000, 'fails fast');
    const small = join(dir, 'small.mha');
    writeFileSync(small, mha({ DimSize: '32 32' }, PIXELS));
    await rejects(small, /DimSize 32 32 .* = 1024 bytes, but the file has 4096 bytes of data/);
    const dims = join(dir, 'dims.mha');
    writeFileSync(dims, mha({ DimSize: '64 0' }, PIXELS));
    await rejects(dims, /DimSize = "64 0": expected 2 whole numbers >= 1/);
  } finally {
    cleanup();
  }
});

test('MHA: ElementSpacing NaN, Inf, 0, negative or text is an error naming the field', async () => {
  const { dir, cleanup } = tempDir();
  try {
    for (const [k, v] of ['nan 1', 'inf 1', '0 1', '1 -1', 'abc 1', '1'].entries()) {
      const p = join(dir, `s${k}.mha`);
      writeFileSync(p, mha({ ElementSpacing: v }, PIXELS));
      await rejects(p, new RegExp(`ElementSpacing = "${v}": expected 2 finite numbers > 0`));
    }
    const p = join(dir, 'offset.mha');
    writeFileSync(p, mha({ Offset: '0 nan' }, PIXELS));
    await rejects(p, /Offset = "0 nan": expected 2 finite numbers/);
  } finally {
    cleanup();
  }
});

function nrrd(fields: string[], data: Uint8Array): Buffer {
  const head = ['NRRD0004', 'type: uchar', 'dimension: 2', 'sizes: 64 64', ...fields, '', ''].join('\n');
  return Buffer.concat([Buffer.from(head, 'latin1'), data]);
}

test('NRRD: a corrupt gzip stream, sizes disagreeing with the bytes, invalid spacings are errors naming the field', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const z = gzipSync(PIXELS);
    for (const at of [20, 21, 30]) z[at] ^= 0x5a;
    const cases: [string, Buffer, RegExp][] = [
      ['gz.nrrd', nrrd(['encoding: gzip'], z), /encoding: gzip, but the pixel data is not a valid zlib\/gzip stream/],
      ['rawgz.nrrd', nrrd(['encoding: gzip'], PIXELS), /not a valid zlib\/gzip stream/],
      ['sizes.nrrd', nrrd(['encoding: raw'], PIXELS.subarray(0, 3000)), /sizes 64 64 x type uchar .* = 4096 bytes/],
      [
        'spacing.nrrd',
        nrrd(['encoding: raw', 'spacings: 1 0'], PIXELS),
        /spacings: "1 0": expected 2 finite numbers > 0/,
      ],
      [
        'dirs.nrrd',
        nrrd(['encoding: raw', 'space: left-posterior-superior', 'space directions: (1,0,0) (0,0,0)'], PIXELS),
        /space directions: .*"\(0,0,0\)" is not a vector/,
      ],
    ];
    for (const [name, bytes, re] of cases) {
      const p = join(dir, name);
      writeFileSync(p, bytes);
      await rejects(p, re);
    }
    // a valid gzip stream reads, every voxel
    const ok = join(dir, 'ok.nrrd');
    writeFileSync(ok, nrrd(['encoding: gzip', 'spacings: 0.5 2'], gzipSync(PIXELS)));
    const img = await readItk(ok);
    assert.deepEqual(img.spacing, [2, 0.5]);
    assert.deepEqual(Array.from(img.data), Array.from(PIXELS));
  } finally {
    cleanup();
  }
});

test('every MetaImage and NRRD file of the ITK examples passes the checks', async () => {
  testFile(join(ITK_DATA, 'BrainProtonDensity3Slices.mha'));
  const names = readdirSync(ITK_DATA).filter((f) => /\.(mha|mhd|nrrd|nhdr)$/.test(f));
  assert.ok(names.length >= 20);
  for (const name of names) {
    try {
      await readItk(join(ITK_DATA, name));
    } catch (e) {
      // vector images are read by ITK and then refused as such: the header checks passed
      assert.match((e as Error).message, /-component .* pixels .* are not supported/, name);
    }
  }
});
