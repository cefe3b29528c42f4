import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readImageNode, writeImageNode } from '@itk-wasm/image-io';
import type { Image } from '../../src/io/image.js';
import { readPng, writePng } from '../../src/io/png.js';
import { toItkImage } from '../../src/io/itk.js';
import { ITK_DATA, tempDir, testFile } from './fixtures.js';

/** the documented colour rule, written out here: exact R when R == G == B everywhere, else BT.601 luma */
function expectedGrey(rgb: ArrayLike<number>, channels: number): number[] {
  const n = rgb.length / channels;
  let allEqual = true;
  for (let p = 0; p < n; p++)
    if (rgb[p * channels] !== rgb[p * channels + 1] || rgb[p * channels] !== rgb[p * channels + 2]) allEqual = false;
  return Array.from({ length: n }, (_, p) =>
    allEqual
      ? rgb[p * channels]
      : Math.round(0.299 * rgb[p * channels] + 0.587 * rgb[p * channels + 1] + 0.114 * rgb[p * channels + 2]),
  );
}

test('real PNGs (grey, palette, RGB, 16-bit RGB, 1-bit) agree with ITK', async () => {
  for (const [name, type] of [
    ['BrainMidSagittalSlice.png', 'Uint8Array'], // 8-bit grey
    ['BrainProtonDensitySlice.png', 'Uint8Array'], // palette
    ['BrainT1Slice.png', 'Uint8Array'], // RGB
    ['VisibleWomanHeadSlice.png', 'Uint8Array'], // RGB, real colour
    ['Point.png', 'Uint16Array'], // 16-bit RGB
    ['BrainProtonDensitySliceBorder20Mask.png', 'Uint8Array'], // 1-bit grey: 0/255 as libpng expands it
  ]) {
    const p = testFile(join(ITK_DATA, name));
    const img = await readPng(p);
    const itk = await readImageNode(p);
    assert.equal(img.data.constructor.name, type, name);
    assert.deepEqual(img.shape, [itk.size[1], itk.size[0]], name);
    assert.deepEqual(img.spacing, [1, 1]);
    const comps = itk.imageType.components;
    const ref =
      comps === 1
        ? Array.from(itk.data as unknown as ArrayLike<number>)
        : expectedGrey(itk.data as unknown as ArrayLike<number>, comps);
    assert.deepEqual(Array.from(img.data), ref, name);
  }
});

test('a real colour image uses the luma rule, a grey-as-RGB image the exact channel', async () => {
  const colour = await readImageNode(testFile(join(ITK_DATA, 'VisibleWomanHeadSlice.png')));
  const d = colour.data as unknown as Uint8Array;
  let differ = false;
  for (let i = 0; i < d.length; i += 3) if (d[i] !== d[i + 1]) differ = true;
  assert.ok(differ, 'VisibleWomanHeadSlice.png has real colour');
});

test('writePng 8- and 16-bit round trips are bit-exact, and ITK sees 1-channel 8/16-bit PNGs', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const [h, w] = [37, 53];
    const n = h * w;
    const img8: Image = {
      data: Uint8Array.from({ length: n }, (_, i) => (i * 97) % 256),
      shape: [h, w],
      spacing: [1, 1],
      origin: [0, 0],
      direction: [1, 0, 0, 1],
    };
    const img16: Image = { ...img8, data: Uint16Array.from({ length: n }, (_, i) => (i * 7919) % 65536) };
    for (const [img, bits] of [
      [img8, 8],
      [img16, 16],
    ] as const) {
      const p = join(dir, `rt${bits}.png`);
      await writePng(p, img, { bitDepth: bits });
      const back = await readPng(p);
      assert.equal(back.data.constructor, img.data.constructor);
      assert.deepEqual(back.shape, [h, w]);
      assert.ok(
        Buffer.from(back.data.buffer, back.data.byteOffset, back.data.byteLength).equals(Buffer.from(img.data.buffer)),
        `${bits}-bit bytes`,
      );
      const itk = await readImageNode(p);
      assert.equal(itk.imageType.components, 1);
      assert.equal(itk.imageType.componentType, bits === 8 ? 'uint8' : 'uint16');
      assert.deepEqual(Array.from(itk.data as unknown as ArrayLike<number>), Array.from(img.data));
    }
    // other integer types are accepted when the values fit; a [1, h, w] volume too
    const i16: Image = {
      ...img8,
      data: Int16Array.from({ length: n }, (_, i) => i % 1000),
      shape: [1, h, w],
      spacing: [1, 1, 1],
      origin: [0, 0, 0],
      direction: [1, 0, 0, 0, 1, 0, 0, 0, 1],
    };
    const p16 = join(dir, 'i16.png');
    await writePng(p16, i16);
    assert.deepEqual(Array.from((await readPng(p16)).data), Array.from(i16.data));
  } finally {
    cleanup();
  }
});

test('writePng refuses values that do not fit and volumes, naming the file', async () => {
  const base: Image = {
    data: new Int16Array([0, 5, -1, 7]),
    shape: [2, 2],
    spacing: [1, 1],
    origin: [0, 0],
    direction: [1, 0, 0, 1],
  };
  const p = '/tmp/medcl-never.png';
  await assert.rejects(
    writePng(p, base, { bitDepth: 16 }),
    (e: Error) => e.message.includes(p) && /value -1 at index 2/.test(e.message),
  );
  await assert.rejects(writePng(p, { ...base, data: new Float32Array([0, 1.5, 2, 3]) }), /value 1\.5/);
  await assert.rejects(writePng(p, { ...base, data: new Uint16Array([0, 256, 2, 3]) }, { bitDepth: 8 }), /value 256/);
  const vol: Image = {
    data: new Uint8Array(8),
    shape: [2, 2, 2],
    spacing: [1, 1, 1],
    origin: [0, 0, 0],
    direction: [1, 0, 0, 0, 1, 0, 0, 0, 1],
  };
  await assert.rejects(writePng(p, vol), /one 2D image/);
});

test('JPEG files are read (compared with ITK reading the same file)', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const [h, w] = [30, 40];
    const img: Image = {
      data: Uint8Array.from({ length: h * w }, (_, i) => (i % w) * 5 + Math.floor(i / w) * 2),
      shape: [h, w],
      spacing: [1, 1],
      origin: [0, 0],
      direction: [1, 0, 0, 1],
    };
    const p = join(dir, 'x.jpg');
    await writeImageNode(toItkImage(img), p); // written by ITK's libjpeg
    const ours = await readPng(p);
    const itk = await readImageNode(p);
    assert.deepEqual(ours.shape, [h, w]);
    const ref = itk.data as unknown as ArrayLike<number>;
    for (let i = 0; i < h * w; i++)
      assert.ok(Math.abs(ours.data[i] - ref[i]) <= 1, `pixel ${i}: ${ours.data[i]} vs ${ref[i]}`);
  } finally {
    cleanup();
  }
});

test('missing, empty, corrupt and truncated PNGs give errors naming the file', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const good = readFileSync(testFile(join(ITK_DATA, 'BrainT1Slice.png')));
    const bad: [string, Uint8Array][] = [
      ['empty.png', new Uint8Array(0)],
      ['noise.png', Uint8Array.from({ length: 500 }, (_, i) => (i * 31) % 256)],
      ['cut.png', good.subarray(0, good.length >> 1)],
    ];
    for (const [name, bytes] of bad) {
      const p = join(dir, name);
      writeFileSync(p, bytes);
      await assert.rejects(readPng(p), (e: Error) => e.message.startsWith(`png: ${p}: `));
    }
    const missing = join(dir, 'missing.png');
    await assert.rejects(readPng(missing), (e: Error) => e.message.includes(missing));
  } finally {
    cleanup();
  }
});
