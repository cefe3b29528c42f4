import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { readImageNode } from '@itk-wasm/image-io';
import type { Image } from '../../src/io/image.js';
import { readNifti, writeNifti } from '../../src/io/nifti.js';
import { ITK_DATA, MRICRON, assertSameWorld, gridOfImage, gridOfItk, tempDir, testFile } from './fixtures.js';
import { leBytes, niftiBytes } from './nifti-bytes.js';

const close = (a: readonly number[], b: readonly number[], tol: number, what: string): void => {
  assert.equal(a.length, b.length, `${what}: length`);
  a.forEach((x, i) =>
    assert.ok(
      Math.abs(x - b[i]) <= tol,
      `${what}[${i}]: ${x} vs ${b[i]} (all: [${a.join(', ')}] vs [${b.join(', ')}])`,
    ),
  );
};

/** value of file voxel (i, j, k) in the synthetic files */
const fileValue = (i: number, j: number, k: number): number => 100 * i + 10 * j + k;

function fileInt16(ni: number, nj: number, nk: number): Int16Array {
  const a = new Int16Array(ni * nj * nk);
  for (let k = 0; k < nk; k++)
    for (let j = 0; j < nj; j++) for (let i = 0; i < ni; i++) a[i + ni * (j + nj * k)] = fileValue(i, j, k);
  return a;
}

test('sform with permuted, flipped, non-uniform axes reads back in canonical LPS (hand-computed mapping)', async () => {
  const { dir, cleanup } = tempDir();
  try {
    // file axes (RAS): i -> +S 3 mm, j -> -R (= +L) 1.5 mm, k -> +A (= -P) 2 mm; offset (10, 20, 30)
    const [ni, nj, nk] = [4, 3, 2];
    const srow = [0, -1.5, 0, 10, 0, 0, 2, 20, 3, 0, 0, 30];
    const p = join(dir, 'perm.nii');
    writeFileSync(
      p,
      niftiBytes({
        dims: [ni, nj, nk],
        datatype: 4,
        bitpix: 16,
        pixdim: [1, 3, 1.5, 2, 1, 1, 1, 1],
        sformCode: 2,
        srow,
        data: leBytes(fileInt16(ni, nj, nk)),
      }),
    );
    const img = await readNifti(p);
    // canonical: x <- j (+), y <- k (flipped), z <- i (+)
    assert.deepEqual(img.shape, [4, 2, 3]);
    assert.deepEqual(img.spacing, [3, 2, 1.5]);
    close(img.direction, [1, 0, 0, 0, 1, 0, 0, 0, 1], 1e-12, 'direction');
    // first voxel = file (i 0, j 0, k 1): RAS (10, 22, 30) -> LPS (-10, -22, 30)
    close(img.origin, [-10, -22, 30], 1e-9, 'origin');
    assert.ok(img.data instanceof Int16Array);
    for (let z = 0; z < 4; z++)
      for (let y = 0; y < 2; y++)
        for (let x = 0; x < 3; x++)
          assert.equal(img.data[x + 3 * (y + 2 * z)], fileValue(z, x, 1 - y), `voxel z${z} y${y} x${x}`);
  } finally {
    cleanup();
  }
});

test('qform (180 degrees about z, qfac -1) is used when sform_code is 0', async () => {
  const { dir, cleanup } = tempDir();
  try {
    // quaternion (a, b, c, d) = (0, 0, 0, 1): R = diag(-1, -1, 1); qfac -1 negates the third column
    // RAS columns: i -> (-2, 0, 0), j -> (0, -3, 0), k -> (0, 0, -4); offset (5, 6, 7)
    // LPS: i -> +x 2 mm, j -> +y 3 mm, k -> -z 4 mm  => x <- i, y <- j, z <- k flipped
    const [ni, nj, nk] = [3, 2, 3];
    const p = join(dir, 'q.nii');
    const junkSrow = [9, 0, 0, 1, 0, 9, 0, 1, 0, 0, 9, 1]; // ignored: sform_code 0
    writeFileSync(
      p,
      niftiBytes({
        dims: [ni, nj, nk],
        datatype: 4,
        bitpix: 16,
        pixdim: [-1, 2, 3, 4, 1, 1, 1, 1],
        qformCode: 1,
        quatern: [0, 0, 1, 5, 6, 7],
        srow: junkSrow,
        data: leBytes(fileInt16(ni, nj, nk)),
      }),
    );
    const img = await readNifti(p);
    assert.deepEqual(img.shape, [3, 2, 3]);
    assert.deepEqual(img.spacing, [4, 3, 2]);
    close(img.direction, [1, 0, 0, 0, 1, 0, 0, 0, 1], 1e-9, 'direction');
    // first voxel = file (0, 0, 2): RAS (5, 6, 7 - 8) -> LPS (-5, -6, -1)
    close(img.origin, [-5, -6, -1], 1e-9, 'origin');
    for (let z = 0; z < 3; z++)
      for (let y = 0; y < 2; y++)
        for (let x = 0; x < 3; x++) assert.equal(img.data[x + 3 * (y + 2 * z)], fileValue(x, y, 2 - z));
  } finally {
    cleanup();
  }
});

test('sform wins over qform; pixdim is the fallback; metre units are converted to mm', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const data = leBytes(fileInt16(2, 2, 2));
    const base = { dims: [2, 2, 2], datatype: 4, bitpix: 16, data };
    const both = join(dir, 'both.nii');
    // sform: identity RAS with 2 mm; qform: 180 degrees about z with other offsets
    writeFileSync(
      both,
      niftiBytes({
        ...base,
        pixdim: [1, 2, 2, 2, 1, 1, 1, 1],
        sformCode: 1,
        srow: [2, 0, 0, 1, 0, 2, 0, 2, 0, 0, 2, 3],
        qformCode: 1,
        quatern: [0, 0, 1, 50, 60, 70],
      }),
    );
    const a = await readNifti(both);
    // RAS identity: x and y flipped into LPS; first voxel = file (1, 1, 0): RAS (3, 4, 3) -> LPS (-3, -4, 3)
    close(a.origin, [-3, -4, 3], 1e-9, 'sform origin');
    assert.equal(a.data[0], fileValue(1, 1, 0));

    const none = join(dir, 'none.nii');
    writeFileSync(none, niftiBytes({ ...base, pixdim: [1, 1.5, 2.5, 3.5, 1, 1, 1, 1] }));
    const b = await readNifti(none);
    // diag(pixdim) in RAS, zero offset: first voxel = file (1, 1, 0): RAS (1.5, 2.5, 0) -> LPS (-1.5, -2.5, 0)
    assert.deepEqual(b.spacing, [3.5, 2.5, 1.5]);
    close(b.origin, [-1.5, -2.5, 0], 1e-9, 'pixdim origin');
    assert.equal(b.data[0], fileValue(1, 1, 0));

    const metres = join(dir, 'm.nii');
    writeFileSync(
      metres,
      niftiBytes({
        ...base,
        pixdim: [1, 0.002, 0.002, 0.003, 1, 1, 1, 1],
        sformCode: 1,
        srow: [-0.002, 0, 0, 0.01, 0, -0.002, 0, 0.02, 0, 0, 0.003, 0.03],
        xyztUnits: 1,
      }),
    );
    const c = await readNifti(metres);
    close(c.spacing, [3, 2, 2], 1e-6, 'spacing in mm');
    close(c.origin, [-10, -20, 30], 1e-5, 'origin in mm');
    assert.equal(c.data[0], fileValue(0, 0, 0));
  } finally {
    cleanup();
  }
});

test('an oblique sform keeps its rotation in direction and maps to the nearest canonical axes', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const th = (10 * Math.PI) / 180;
    const [c, s] = [Math.cos(th), Math.sin(th)];
    // RAS columns: i -> 2 * (c, s, 0), j -> 2 * (-s, c, 0), k -> (0, 0, 1)
    const srow = [2 * c, -2 * s, 0, 0, 2 * s, 2 * c, 0, 0, 0, 0, 1, 0];
    const p = join(dir, 'obl.nii.gz');
    writeFileSync(
      p,
      gzipSync(
        niftiBytes({
          version: 2,
          dims: [3, 3, 2],
          datatype: 4,
          bitpix: 16,
          pixdim: [1, 2, 2, 1, 1, 1, 1, 1],
          sformCode: 1,
          srow,
          data: leBytes(fileInt16(3, 3, 2)),
        }),
      ),
    );
    const img = await readNifti(p);
    // LPS: i -> 2 (-c, -s, 0) mostly -x => flipped; j -> 2 (s, -c, 0) mostly -y => flipped
    // direction columns: x = -(-c, -s, 0) = (c, s, 0); y = -(s, -c, 0) = (-s, c, 0); z = (0, 0, 1)
    close(img.direction, [c, -s, 0, s, c, 0, 0, 0, 1], 1e-12, 'direction');
    assert.deepEqual(img.shape, [2, 3, 3]);
    assert.equal(img.data[0], fileValue(2, 2, 0));
    // every voxel keeps its world position: world of canonical (x, y, z) = world of file (2 - x, 2 - y, z)
    const g = gridOfImage(img);
    for (const [x, y, z] of [
      [0, 0, 0],
      [1, 2, 1],
      [2, 1, 0],
    ]) {
      const [i, j, k] = [2 - x, 2 - y, z];
      const ras = [
        srow[0] * i + srow[1] * j + srow[2] * k + srow[3],
        srow[4] * i + srow[5] * j + srow[6] * k + srow[7],
        srow[8] * i + srow[9] * j + srow[10] * k + srow[11],
      ];
      const w = [
        g.m[0] * x + g.m[1] * y + g.m[2] * z + g.t[0],
        g.m[3] * x + g.m[4] * y + g.m[5] * z + g.t[1],
        g.m[6] * x + g.m[7] * y + g.m[8] * z + g.t[2],
      ];
      close(w, [-ras[0], -ras[1], ras[2]], 1e-9, `world of (${x},${y},${z})`);
    }
  } finally {
    cleanup();
  }
});

test('datatypes, scl_slope/scl_inter, big endian and int64', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const n = 2 * 2 * 2;
    const ident = {
      dims: [2, 2, 2],
      pixdim: [1, 1, 1, 1, 1, 1, 1, 1],
      sformCode: 1,
      srow: [-1, 0, 0, 0, 0, -1, 0, 0, 0, 0, 1, 0],
    };
    const cases: [string, number, number, ArrayBufferView & ArrayLike<number | bigint>, string][] = [
      ['u8', 2, 8, Uint8Array.from({ length: n }, (_, i) => 250 - i), 'Uint8Array'],
      ['i8', 256, 8, Int8Array.from({ length: n }, (_, i) => i - 4), 'Int8Array'],
      ['u16', 512, 16, Uint16Array.from({ length: n }, (_, i) => 60000 + i), 'Uint16Array'],
      ['i32', 8, 32, Int32Array.from({ length: n }, (_, i) => -100000 * i), 'Int32Array'],
      ['u32', 768, 32, Uint32Array.from({ length: n }, (_, i) => 4e9 + i), 'Uint32Array'],
      ['f32', 16, 32, Float32Array.from({ length: n }, (_, i) => i / 3), 'Float32Array'],
      ['f64', 64, 64, Float64Array.from({ length: n }, (_, i) => Math.PI * i), 'Float64Array'],
      ['i64', 1024, 64, BigInt64Array.from({ length: n }, (_, i) => BigInt(i) * 1000000000000n - 3n), 'Float64Array'],
    ];
    for (const [name, code, bits, arr, type] of cases) {
      const p = join(dir, `${name}.nii`);
      writeFileSync(p, niftiBytes({ ...ident, datatype: code, bitpix: bits, data: leBytes(arr) }));
      const img = await readNifti(p);
      assert.equal(img.data.constructor.name, type, name);
      for (let i = 0; i < n; i++) assert.equal(img.data[i], Number(arr[i]), `${name}[${i}]`);
    }
    // scaling: int16 * 0.5 - 3 -> float32; identity scaling keeps int16
    const raw = Int16Array.from({ length: n }, (_, i) => i * 7 - 20);
    const ps = join(dir, 'scaled.nii');
    writeFileSync(
      ps,
      niftiBytes({ ...ident, datatype: 4, bitpix: 16, sclSlope: 0.5, sclInter: -3, data: leBytes(raw) }),
    );
    const scaled = await readNifti(ps);
    assert.ok(scaled.data instanceof Float32Array);
    for (let i = 0; i < n; i++) assert.equal(scaled.data[i], raw[i] * 0.5 - 3);
    const pi = join(dir, 'identity.nii');
    writeFileSync(pi, niftiBytes({ ...ident, datatype: 4, bitpix: 16, sclSlope: 1, sclInter: 0, data: leBytes(raw) }));
    assert.ok((await readNifti(pi)).data instanceof Int16Array);
    // big endian: swap every int16 by hand
    const be = leBytes(raw);
    for (let i = 0; i < be.length; i += 2) [be[i], be[i + 1]] = [be[i + 1], be[i]];
    const pb = join(dir, 'be.nii');
    writeFileSync(pb, niftiBytes({ ...ident, datatype: 4, bitpix: 16, bigEndian: true, data: be }));
    const big = await readNifti(pb);
    assert.ok(big.data instanceof Int16Array);
    assert.deepEqual(Array.from(big.data), Array.from(raw));
    // RGB24 -> grey by the documented rule: round(0.299 R + 0.587 G + 0.114 B)
    const rgb = Uint8Array.from({ length: 3 * n }, (_, i) => (i * 37) % 256);
    const pr = join(dir, 'rgb.nii');
    writeFileSync(pr, niftiBytes({ ...ident, datatype: 128, bitpix: 24, data: rgb }));
    const grey = await readNifti(pr);
    for (let i = 0; i < n; i++)
      assert.equal(grey.data[i], Math.round(0.299 * rgb[3 * i] + 0.587 * rgb[3 * i + 1] + 0.114 * rgb[3 * i + 2]));
  } finally {
    cleanup();
  }
});

test('4D files need { volume }; .hdr/.img pairs are read', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const vol = Int16Array.from({ length: 2 * 2 * 2 * 3 }, (_, i) => i);
    const p = join(dir, 'four.nii');
    writeFileSync(
      p,
      niftiBytes({
        dims: [2, 2, 2, 3],
        datatype: 4,
        bitpix: 16,
        pixdim: [1, 1, 1, 1, 1, 1, 1, 1],
        sformCode: 1,
        srow: [-1, 0, 0, 0, 0, -1, 0, 0, 0, 0, 1, 0],
        data: leBytes(vol),
      }),
    );
    await assert.rejects(
      readNifti(p),
      (e: Error) => e.message.includes(p) && /3 volumes/.test(e.message) && /volume/.test(e.message),
    );
    const third = await readNifti(p, { volume: 2 });
    assert.deepEqual(Array.from(third.data), [16, 17, 18, 19, 20, 21, 22, 23]);
    await assert.rejects(readNifti(p, { volume: 3 }), /out of range/);

    const hdr = join(dir, 'pair.hdr');
    writeFileSync(
      hdr,
      niftiBytes({
        dims: [2, 2, 2],
        datatype: 4,
        bitpix: 16,
        pixdim: [1, 1, 1, 1, 1, 1, 1, 1],
        sformCode: 1,
        srow: [-1, 0, 0, 0, 0, -1, 0, 0, 0, 0, 1, 0],
        data: new Uint8Array(0),
        pair: true,
      }),
    );
    writeFileSync(join(dir, 'pair.img'), leBytes(vol.subarray(0, 8)));
    const pair = await readNifti(hdr);
    assert.deepEqual(Array.from(pair.data), [0, 1, 2, 3, 4, 5, 6, 7]);
  } finally {
    cleanup();
  }
});

test('missing, empty, corrupt and truncated files give errors naming the file', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const good = niftiBytes({
      dims: [4, 4, 4],
      datatype: 4,
      bitpix: 16,
      pixdim: [1, 1, 1, 1, 1, 1, 1, 1],
      sformCode: 1,
      srow: [-1, 0, 0, 0, 0, -1, 0, 0, 0, 0, 1, 0],
      data: new Uint8Array(128),
    });
    const files: [string, Buffer | Uint8Array, RegExp][] = [
      ['empty.nii', Buffer.alloc(0), /empty file/],
      ['random.nii', Buffer.from(Array.from({ length: 600 }, (_, i) => (i * 7919) % 256)), /not a NIfTI/],
      ['short.nii', good.subarray(0, 200), /truncated/],
      ['cut.nii', good.subarray(0, good.length - 10), /truncated: header says 128 bytes/],
      ['cut.nii.gz', gzipSync(good).subarray(0, 60), /gzip/],
      [
        'complex.nii',
        niftiBytes({
          dims: [1, 1, 1],
          datatype: 32,
          bitpix: 64,
          pixdim: [1, 1, 1, 1, 1, 1, 1, 1],
          data: new Uint8Array(8),
        }),
        /unsupported datatype 32/,
      ],
    ];
    for (const [name, bytes, re] of files) {
      const p = join(dir, name);
      writeFileSync(p, bytes);
      await assert.rejects(readNifti(p), (e: Error) => {
        assert.ok(e.message.includes(p), `message names the file: ${e.message}`);
        assert.match(e.message, re);
        return true;
      });
    }
    const missing = join(dir, 'nope.nii.gz');
    await assert.rejects(
      readNifti(missing),
      (e: Error) => e.message.includes(missing) && /ENOENT|no such file/.test(e.message),
    );
  } finally {
    cleanup();
  }
});

function randomImage<T extends Image['data']>(data: T, shape: number[]): Image<T> {
  const th = 0.05;
  return {
    data,
    shape,
    spacing: shape.length === 3 ? [2.5, 0.75, 1.25] : [0.75, 1.25],
    origin: shape.length === 3 ? [-12.5, 33.25, 7.5] : [3, 4],
    // a small rotation about z: still canonical (each axis closest to its own LPS axis)
    direction:
      shape.length === 3 ? [Math.cos(th), -Math.sin(th), 0, Math.sin(th), Math.cos(th), 0, 0, 0, 1] : [1, 0, 0, 1],
  };
}

test('writeNifti round trips are bit-exact (uint8/int16/float32/..., .nii and .nii.gz, NIfTI-1 and -2)', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const shape = [5, 6, 7];
    const n = 5 * 6 * 7;
    const arrays = [
      Uint8Array.from({ length: n }, (_, i) => (i * 31) % 256),
      Int16Array.from({ length: n }, (_, i) => ((i * 7919) % 65536) - 32768),
      Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 1e3),
      Uint16Array.from({ length: n }, (_, i) => (i * 977) % 65536),
      Int32Array.from({ length: n }, (_, i) => i * -123457),
      Float64Array.from({ length: n }, (_, i) => Math.cos(i) / 7),
      Int8Array.from({ length: n }, (_, i) => (i % 256) - 128),
    ];
    for (const data of arrays) {
      for (const [name, version] of [
        ['a.nii', 1],
        ['b.nii.gz', 1],
        ['c.nii', 2],
        ['d.nii.gz', 2],
      ] as const) {
        const img = randomImage(data, shape);
        const p = join(dir, `${data.constructor.name}-${name}`);
        await writeNifti(p, img, { version });
        if (name.endsWith('.gz')) assert.equal(readFileSync(p)[0], 0x1f, 'gzipped');
        const back = await readNifti(p);
        assert.equal(back.data.constructor, data.constructor, `${p}: type`);
        assert.deepEqual(back.shape, shape);
        assert.ok(
          Buffer.from(back.data.buffer, back.data.byteOffset, back.data.byteLength).equals(Buffer.from(data.buffer)),
          `${p}: bytes`,
        );
        const tol = version === 1 ? 1e-5 : 1e-12; // NIfTI-1 stores geometry in float32
        close(back.spacing, img.spacing, tol * 10, `${p} spacing`);
        close(back.origin, img.origin, tol * 100, `${p} origin`);
        close(back.direction, img.direction, tol, `${p} direction`);
      }
    }
    // ITK reads what we wrote at the same world positions (an independent check of sform/qform)
    const img = randomImage(arrays[1], shape);
    const p = join(dir, 'itk-check.nii.gz');
    await writeNifti(p, img);
    const itk = await readImageNode(p);
    assertSameWorld(gridOfImage(img), gridOfItk(itk), 200, 1e-3);
    // 2D images are written with dim[0] = 2 and read back as [1, h, w]
    const flat = randomImage(
      Uint8Array.from({ length: 12 }, (_, i) => i),
      [3, 4],
    );
    const p2 = join(dir, 'flat.nii');
    await writeNifti(p2, flat);
    const back2 = await readNifti(p2);
    assert.deepEqual(back2.shape, [1, 3, 4]);
    assert.deepEqual(Array.from(back2.data), Array.from(flat.data));
  } finally {
    cleanup();
  }
});

test('writeNifti rejects bad images naming the file', async () => {
  const p = '/tmp/never-written.nii';
  const bad: Image = {
    data: new Uint8Array(5),
    shape: [2, 3],
    spacing: [1, 1],
    origin: [0, 0],
    direction: [1, 0, 0, 1],
  };
  await assert.rejects(writeNifti(p, bad), (e: Error) => e.message.includes(p) && /5 values/.test(e.message));
  const neg: Image = {
    data: new Uint8Array(6),
    shape: [2, 3],
    spacing: [1, -1],
    origin: [0, 0],
    direction: [1, 0, 0, 1],
  };
  await assert.rejects(writeNifti(p, neg), /invalid spacing/);
  await assert.rejects(writeNifti('/nonexistent-dir/x.nii', { ...neg, spacing: [1, 1] }), /\/nonexistent-dir\/x\.nii/);
});

test('real files: Colin27 ch2 and the AAL atlas agree with ITK and with each other', async () => {
  const ch2Path = testFile(join(MRICRON, 'ch2.nii.gz'));
  const aalPath = testFile(join(MRICRON, 'aal.nii.gz'));
  const ch2 = await readNifti(ch2Path);
  const aal = await readNifti(aalPath);
  assert.deepEqual(ch2.shape, [181, 217, 181]);
  assert.ok(ch2.data instanceof Uint8Array);
  assert.deepEqual(aal.shape, ch2.shape);
  assert.deepEqual(aal.spacing, ch2.spacing);
  assert.deepEqual(aal.origin, ch2.origin);
  close(ch2.direction, [1, 0, 0, 0, 1, 0, 0, 0, 1], 0, 'ch2 direction');
  assertSameWorld(gridOfImage(ch2), gridOfItk(await readImageNode(ch2Path)), 3000);
  assertSameWorld(gridOfImage(aal), gridOfItk(await readImageNode(aalPath)), 3000);
  // the atlas holds exactly the region ids its label table lists
  const table = readFileSync(testFile(join(MRICRON, 'aal.nii.txt')), 'utf8');
  const ids = new Set(
    table
      .split('\n')
      .filter((l) => /^\d+\s/.test(l))
      .map((l) => Number.parseInt(l, 10)),
  );
  const present = new Set<number>();
  for (const v of aal.data) if (v !== 0) present.add(v);
  assert.equal(present.size, 116);
  assert.deepEqual(
    [...present].sort((a, b) => a - b),
    [...ids].sort((a, b) => a - b),
  );
});

test('real file: ITK k-means example (coronal qform/sform) is reoriented and agrees with ITK', async () => {
  const p = testFile(join(ITK_DATA, 'KmeansTest_T1UCharRaw.nii.gz'));
  const img = await readNifti(p);
  // file axes (LPS): i -> +x 2 mm, j -> +z 2 mm, k -> -y 3 mm  => shape [z, y, x] = [128, 62, 128]
  assert.deepEqual(img.shape, [128, 62, 128]);
  assert.deepEqual(img.spacing, [2, 3, 2]);
  close(img.direction, [1, 0, 0, 0, 1, 0, 0, 0, 1], 1e-9, 'direction');
  assertSameWorld(gridOfImage(img), gridOfItk(await readImageNode(p)), 3000);
});
