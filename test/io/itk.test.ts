import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { inflateSync } from 'node:zlib';
import type { Image } from '../../src/io/image.js';
import { readItk, writeItk } from '../../src/io/itk.js';
import { ITK_DATA, tempDir, testFile } from './fixtures.js';

/** A MetaImage (.mha, ElementDataFile = LOCAL) parsed here: header fields and the float32 pixels. */
function parseMha(path: string): { fields: Map<string, string>; pixels: Float32Array } {
  const buf = readFileSync(path);
  const fields = new Map<string, string>();
  let pos = 0;
  for (;;) {
    const nl = buf.indexOf(0x0a, pos);
    const line = buf.toString('latin1', pos, nl).trim();
    pos = nl + 1;
    const [k, v] = line.split('=').map((x) => x.trim());
    fields.set(k, v);
    if (k === 'ElementDataFile') break;
  }
  assert.equal(fields.get('ElementType'), 'MET_FLOAT');
  let body = buf.subarray(pos);
  if (fields.get('CompressedData') === 'True') body = inflateSync(body);
  const pixels = new Float32Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
  return { fields, pixels };
}

test('real MetaImages (zlib-compressed and raw float) agree with a hand parse of the file', async () => {
  for (const name of ['CorpusCallosumMeanShape.mha', 'itkBrainSliceComplexMagnitude.mha']) {
    const p = testFile(join(ITK_DATA, name));
    const { fields, pixels } = parseMha(p);
    const [nx, ny] = fields.get('DimSize')!.split(/\s+/).map(Number);
    const [sx, sy] = fields.get('ElementSpacing')!.split(/\s+/).map(Number);
    const img = await readItk(p);
    assert.deepEqual(img.shape, [ny, nx], name);
    assert.deepEqual(img.spacing, [sy, sx], name);
    assert.deepEqual(img.origin, (fields.get('Offset') ?? '0 0').split(/\s+/).map(Number), name);
    assert.ok(img.data instanceof Float32Array);
    assert.deepEqual(Array.from(img.data), Array.from(pixels), name);
  }
});

test('a hand-written NRRD with permuted, flipped axes is reoriented to LPS (hand-computed mapping)', async () => {
  const { dir, cleanup } = tempDir();
  try {
    // file axes (LPS): i -> +z 3 mm, j -> +x 1.5 mm, k -> -y 2 mm; origin (10, 20, 30)
    const [ni, nj, nk] = [4, 3, 2];
    const vals = new Int16Array(ni * nj * nk);
    for (let k = 0; k < nk; k++)
      for (let j = 0; j < nj; j++) for (let i = 0; i < ni; i++) vals[i + ni * (j + nj * k)] = 100 * i + 10 * j + k;
    const header = [
      'NRRD0004',
      'type: short',
      'dimension: 3',
      'space: left-posterior-superior',
      `sizes: ${ni} ${nj} ${nk}`,
      'space directions: (0,0,3) (1.5,0,0) (0,-2,0)',
      'kinds: domain domain domain',
      'endian: little',
      'encoding: raw',
      'space origin: (10,20,30)',
      '',
      '',
    ].join('\n');
    const p = join(dir, 'perm.nrrd');
    writeFileSync(p, Buffer.concat([Buffer.from(header, 'latin1'), Buffer.from(vals.buffer)]));
    const img = await readItk(p);
    // canonical: x <- j, y <- k flipped, z <- i
    assert.deepEqual(img.shape, [4, 2, 3]);
    assert.deepEqual(img.spacing, [3, 2, 1.5]);
    assert.deepEqual(img.direction, [1, 0, 0, 0, 1, 0, 0, 0, 1]);
    // first voxel = file (0, 0, 1): (10, 20 - 2, 30)
    assert.deepEqual(img.origin, [10, 18, 30]);
    for (let z = 0; z < 4; z++)
      for (let y = 0; y < 2; y++)
        for (let x = 0; x < 3; x++) assert.equal(img.data[x + 3 * (y + 2 * z)], 100 * z + 10 * x + (1 - y));
  } finally {
    cleanup();
  }
});

test('writeItk: .nrrd header written as expected (parsed here) and .mha/.nrrd round trips', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const shape = [3, 4, 5];
    const n = 60;
    const img: Image = {
      data: Float32Array.from({ length: n }, (_, i) => i * 0.5 - 7),
      shape,
      spacing: [2.5, 0.75, 1.25],
      origin: [-3, 4.5, 6],
      direction: [1, 0, 0, 0, 1, 0, 0, 0, 1],
    };
    const p = join(dir, 'x.nrrd');
    await writeItk(p, img, { compress: false });
    const text = readFileSync(p).toString('latin1');
    const head = text.slice(0, text.indexOf('\n\n'));
    assert.match(head, /sizes: 5 4 3/);
    assert.match(head, /space directions: \(1\.25,0,0\) \(0,0\.75,0\) \(0,0,2\.5\)/);
    assert.match(head, /space origin: \(-3,4\.5,6\)/);
    assert.match(head, /type: float/);
    for (const ext of ['mha', 'nrrd']) {
      const q = join(dir, `rt.${ext}`);
      await writeItk(q, img);
      const back = await readItk(q);
      assert.ok(back.data instanceof Float32Array);
      assert.deepEqual(Array.from(back.data), Array.from(img.data), ext);
      assert.deepEqual(back.shape, shape);
      assert.deepEqual(back.spacing, img.spacing);
      assert.deepEqual(back.origin, img.origin);
      assert.deepEqual(back.direction, img.direction);
    }
  } finally {
    cleanup();
  }
});

test('missing and corrupt files give errors naming the file', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const missing = join(dir, 'none.mha');
    await assert.rejects(readItk(missing), (e: Error) => e.message.includes(missing));
    const junk = join(dir, 'junk.mha');
    writeFileSync(
      junk,
      'ObjectType = Image\nNDims = 3\nDimSize = 10 10 10\nElementType = MET_SHORT\nElementDataFile = LOCAL\nshort',
    );
    await assert.rejects(readItk(junk), (e: Error) => e.message.includes(junk));
  } finally {
    cleanup();
  }
});
