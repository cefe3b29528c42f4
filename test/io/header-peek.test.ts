/**
 * Header facts from the first bytes of files written by medcl's writers (NIfTI-1/2 by nifti.ts, NRRD and
 * MetaImage by ITK's own writers through itk-wasm, PNG by sharp) and of hand-made headers for what those writers
 * do not produce (vector NRRD, 4D and colour NIfTI, a 20 GB volume, DICOM).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { peekHeader } from '../../src/io/header-peek.js';
import { writeImage } from '../../src/io/read.js';
import type { Image } from '../../src/io/image.js';

const dir = mkdtempSync(join(tmpdir(), 'medcl-peek-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const volume = (data: Image['data'], shape = [5, 4, 3]): Image => ({
  data,
  shape,
  spacing: [2, 1, 1],
  origin: [0, 0, 0],
  direction: [1, 0, 0, 0, 1, 0, 0, 0, 1],
});

async function headOf(name: string, image: Image, options = {}): Promise<Uint8Array> {
  const path = join(dir, name);
  await writeImage(path, image, options);
  const bytes = readFileSync(path);
  return (name.endsWith('.gz') ? gunzipSync(bytes) : bytes).subarray(0, 65536);
}

test('NIfTI-1 (plain and gzipped) and NIfTI-2: sizes fastest axis first, bytes per voxel, one channel', async () => {
  const want = { format: 'nifti', dims: [3, 4, 5], channels: 1 };
  assert.deepEqual(peekHeader(await headOf('a.nii', volume(new Int16Array(60)))), { ...want, bytesPerVoxel: 2 });
  assert.deepEqual(peekHeader(await headOf('b.nii.gz', volume(new Float32Array(60)))), { ...want, bytesPerVoxel: 4 });
  const v2 = await headOf('c.nii', volume(new Uint8Array(60)), { nifti: { version: 2 } });
  assert.deepEqual(peekHeader(v2), { ...want, bytesPerVoxel: 1 });
});

test('NRRD and MetaImage as ITK writes them', async () => {
  const nrrd = peekHeader(await headOf('d.nrrd', volume(new Int16Array(60))));
  assert.deepEqual(nrrd, { format: 'nrrd', dims: [3, 4, 5], channels: 1, bytesPerVoxel: 2 });
  const mha = peekHeader(await headOf('e.mha', volume(new Float32Array(60))));
  assert.deepEqual(mha, { format: 'metaimage', dims: [3, 4, 5], channels: 1, bytesPerVoxel: 4 });
});

/** a NIfTI-1 header (little-endian) with these dims and datatype */
function nifti1(dims: number[], code: number, bitpix: number): Uint8Array {
  const b = new Uint8Array(352);
  const v = new DataView(b.buffer);
  v.setInt32(0, 348, true);
  [dims.length, ...dims].forEach((d, i) => v.setInt16(40 + 2 * i, d, true));
  v.setInt16(70, code, true);
  v.setInt16(72, bitpix, true);
  b.set([0x6e, 0x2b, 0x31, 0], 344);
  return b;
}

test('channels: 4D, RGB and vector volumes; a 20 GB header is read as such', () => {
  assert.deepEqual(peekHeader(nifti1([64, 64, 32, 2], 16, 32)), {
    format: 'nifti',
    dims: [64, 64, 32],
    channels: 2,
    bytesPerVoxel: 4,
  });
  assert.equal(peekHeader(nifti1([64, 64, 32], 128, 24)).channels, 3);
  const big = peekHeader(nifti1([4096, 4096, 320], 16, 32));
  assert.equal(big.dims!.reduce((a, b) => a * b, 1) * big.bytesPerVoxel!, 4096 * 4096 * 320 * 4);
  const vec = new TextEncoder().encode(
    'NRRD0004\ntype: float\ndimension: 4\nsizes: 3 10 20 30\nkinds: vector domain domain domain\n\nDATA',
  );
  assert.deepEqual(peekHeader(vec), { format: 'nrrd', dims: [10, 20, 30], channels: 3, bytesPerVoxel: 12 });
  const rgb = new TextEncoder().encode(
    'ObjectType = Image\nNDims = 3\nDimSize = 8 9 10\nElementNumberOfChannels = 3\nElementType = MET_UCHAR\nElementDataFile = LOCAL\n',
  );
  assert.deepEqual(peekHeader(rgb), { format: 'metaimage', dims: [8, 9, 10], channels: 3, bytesPerVoxel: 3 });
});

test('pictures, DICOM and unknown files', async () => {
  const png = await headOf('f.png', {
    data: new Uint8Array(12),
    shape: [3, 4],
    spacing: [1, 1],
    origin: [0, 0],
    direction: [1, 0, 0, 1],
  });
  assert.deepEqual(peekHeader(png), { format: 'picture', picture: 'png' });
  assert.deepEqual(peekHeader(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 0])), { format: 'picture', picture: 'jpeg' });
  const dcm = new Uint8Array(200);
  dcm.set([0x44, 0x49, 0x43, 0x4d], 128);
  assert.deepEqual(peekHeader(dcm), { format: 'dicom' });
  assert.deepEqual(peekHeader(new TextEncoder().encode('just some text')), { format: 'unknown' });
});
