// Hostile NIfTI files (built here field by field): declared sizes are checked against the bytes present before
// anything is allocated, dims and pixdim are checked where used, and a gzip bomb is not expanded into memory.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { readNifti } from '../../src/io/nifti.js';
import { rejectsNaming, tempDir } from './fixtures.js';
import { type NiftiSpec, leBytes, niftiBytes } from './nifti-bytes.js';

const IDENTITY_SROW = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0];

function spec(over: Partial<NiftiSpec> = {}): NiftiSpec {
  return {
    dims: [4, 3, 2],
    datatype: 4,
    bitpix: 16,
    pixdim: [1, 2, 3, 4, 1, 1, 1, 1],
    sformCode: 1,
    srow: IDENTITY_SROW,
    data: leBytes(Int16Array.from({ length: 24 }, (_, i) => i)),
    ...over,
  };
}

const rejects = (path: string, re: RegExp): Promise<void> =>
  rejectsNaming(readNifti(path, { onWarning: () => {} }), path, re);

// first in the file: the process's peak RSS before it is the baseline
test('a .nii.gz whose stream expands to 256 MiB behind a 48-byte image is an error and does not expand into memory', async () => {
  const { dir, cleanup } = tempDir();
  try {
    // gzip members of 1 MiB of zeros each, after a member holding the real file (concatenated members are one stream)
    const zeros = gzipSync(Buffer.alloc(2 ** 20));
    const p = join(dir, 'bomb.nii.gz');
    writeFileSync(p, Buffer.concat([gzipSync(niftiBytes(spec())), ...new Array<Buffer>(256).fill(zeros)]));
    const peak0 = process.resourceUsage().maxRSS * 1024;
    // more voxel bytes than the dims declare is an error (a wrong dim would otherwise read part of the image)
    await assert.rejects(
      readNifti(p),
      (e: Error) => e.message.includes(p) && /at least one slice more/.test(e.message),
    );
    const grown = process.resourceUsage().maxRSS * 1024 - peak0;
    assert.ok(grown < 64 * 2 ** 20, `peak RSS grew by ${(grown / 2 ** 20).toFixed(0)} MiB`);
  } finally {
    cleanup();
  }
});

test('absurd header sizes fail fast, before any allocation (.nii and .nii.gz), naming the file', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const big = spec({ dims: [32767, 32767, 32767], data: new Uint8Array(1024) });
    const p = join(dir, 'big.nii');
    writeFileSync(p, niftiBytes(big));
    const t0 = performance.now();
    await rejects(p, /truncated: header says 70362301923326 bytes of voxels from offset 352, file has 1024/);
    const q = join(dir, 'big.nii.gz');
    writeFileSync(q, gzipSync(niftiBytes(big)));
    await rejects(q, /truncated: header says 70362301923678 bytes .* gzip file expands to \d+ at most/);
    assert.ok(performance.now() - t0 < 2000);
  } finally {
    cleanup();
  }
});

test('dim[i] = 0 within dim[0], or dim[i] > 1 beyond it, is an error naming the field', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const p = join(dir, 'zero.nii');
    writeFileSync(p, niftiBytes(spec({ dims: [0, 4, 6] })));
    await rejects(p, /invalid dim\[1\] = 0: dim\[1\.\.3\] must be whole numbers >= 1/);
    // dim[0] = 2 but dim[3] = 2: the second slice would be dropped silently
    const q = join(dir, 'ndim.nii');
    const bytes = niftiBytes(spec());
    bytes.writeInt16LE(2, 40);
    writeFileSync(q, bytes);
    await rejects(q, /dim\[3\] = 2 but dim\[0\] = 2: an axis beyond dim\[0\] must have size 1/);
  } finally {
    cleanup();
  }
});

test('pixdim NaN / Inf / 0 / negative on a used axis is an error naming pixdim[i] (qform and no xform)', async () => {
  const { dir, cleanup } = tempDir();
  try {
    let k = 0;
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, 0, -2]) {
      for (const form of [{ qformCode: 1, sformCode: 0 }, { sformCode: 0 }]) {
        const pixdim = [1, 2, bad, 4, 1, 1, 1, 1];
        const p = join(dir, `pix${k++}.nii`);
        writeFileSync(p, niftiBytes(spec({ pixdim, quatern: [0, 0, 0, 0, 0, 0], ...form })));
        await rejects(p, new RegExp(`pixdim\\[2\\] = ${bad}: the voxel size of axis 2 \\(dim\\[2\\] = 3\\)`));
      }
    }
  } finally {
    cleanup();
  }
});

test('pixdim of an axis of one voxel: 1 mm with a warning; with an sform, pixdim is not used', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const p = join(dir, 'flat.nii');
    const data = leBytes(Int16Array.from({ length: 12 }, (_, i) => i));
    writeFileSync(p, niftiBytes(spec({ dims: [4, 3, 1], pixdim: [1, 2, 3, 0, 1, 1, 1, 1], sformCode: 0, data })));
    const warnings: string[] = [];
    const img = await readNifti(p, { onWarning: (m) => warnings.push(m) });
    // no xform: diag(pixdim) in RAS; canonical LPS flips x and y, spacing [z, y, x]
    assert.deepEqual(img.spacing, [1, 3, 2]);
    assert.equal(warnings.length, 1);
    assert.ok(warnings[0]!.includes(p) && /pixdim\[3\] = 0 on an axis of one voxel: 1 mm assumed/.test(warnings[0]!));
    const q = join(dir, 'sform.nii');
    writeFileSync(q, niftiBytes(spec({ pixdim: [1, Number.NaN, -1, 0, 1, 1, 1, 1] })));
    const s = await readNifti(q, { onWarning: (m) => assert.fail(m) });
    assert.deepEqual(s.spacing, [1, 1, 1]);
  } finally {
    cleanup();
  }
});

test('a .nii.gz with flipped bytes in its stream is an error naming the file', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const z = gzipSync(niftiBytes(spec({ data: new Uint8Array(48).fill(7) })));
    for (const at of [20, 21, 30]) z[at] ^= 0x5a;
    const p = join(dir, 'flipped.nii.gz');
    writeFileSync(p, z);
    await rejects(p, /gzip decompression failed/);
  } finally {
    cleanup();
  }
});
