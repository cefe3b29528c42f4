import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  truncate,
  utimes,
  writeFile,
  appendFile,
  copyFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PreprocessCache, canonicalJson } from '../../src/preprocess/cache.js';
import type { Image, PixelArray } from '../../src/io/image.js';
import { makeImage, rotation3 } from './fixtures.js';

let root = '';
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'medcl-cache-test-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

let serial = 0;
async function setup(): Promise<{ cache: PreprocessCache; src: string; dir: string }> {
  const dir = join(root, `c${serial++}`);
  const src = join(root, `source${serial}.nii`);
  await writeFile(src, 'pretend NIfTI bytes');
  return { cache: new PreprocessCache(dir), src, dir };
}

function sample(data: PixelArray = Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => i * 0.5 - 3)): Image {
  return makeImage(data, [2, 3, 4], {
    spacing: [2.5, 0.7, 0.8],
    origin: [-1.5, 2, 30],
    direction: rotation3(0.3, 0.1),
    source: '/data/ct.nii.gz',
  });
}

function assertSameImage(a: Image, b: Image): void {
  assert.equal(a.data.constructor, b.data.constructor);
  assert.deepEqual(Array.from(a.data), Array.from(b.data));
  assert.deepEqual(a.shape, b.shape);
  assert.deepEqual(a.spacing, b.spacing);
  assert.deepEqual(a.origin, b.origin);
  assert.deepEqual(a.direction, b.direction);
  assert.equal(a.source, b.source);
}

test('canonicalJson: sorted keys, undefined dropped, plain data only', () => {
  assert.equal(
    canonicalJson({ b: [true, null, 'x'], a: 1, c: { e: undefined, d: 2.5 } }),
    '{"a":1,"b":[true,null,"x"],"c":{"d":2.5}}',
  );
  assert.equal(canonicalJson({ x: 1, y: 2 }), canonicalJson({ y: 2, x: 1 }));
  assert.throws(() => canonicalJson({ a: { b: Number.NaN } }), /cache: config\.a\.b is NaN/);
  assert.throws(() => canonicalJson({ w: new Float32Array(2) }), /cache: config\.w is a Float32Array/);
  assert.throws(() => canonicalJson({ f: () => 1 }), /cache: config\.f is a function/);
  assert.throws(() => canonicalJson([1, undefined]), /cache: config\[1\] is undefined/);
});

test('miss, then hit; compute runs once; every array type and the geometry round-trip', async () => {
  const { cache, src } = await setup();
  const types: PixelArray[] = [
    Float32Array.from({ length: 24 }, (_, i) => i / 3),
    Float64Array.from({ length: 24 }, (_, i) => Math.PI * i),
    Int8Array.from({ length: 24 }, (_, i) => i - 12),
    Uint8Array.from({ length: 24 }, (_, i) => 255 - i),
    Int16Array.from({ length: 24 }, (_, i) => -1024 + 100 * i),
    Uint16Array.from({ length: 24 }, (_, i) => 65535 - i),
    Int32Array.from({ length: 24 }, (_, i) => -(2 ** 31) + i),
    Uint32Array.from({ length: 24 }, (_, i) => 2 ** 32 - 1 - i),
  ];
  for (const [k, data] of types.entries()) {
    const img = sample(data);
    let calls = 0;
    const compute = () => {
      calls++;
      return img;
    };
    const first = await cache.getOrCompute(src, { step: 'x', k }, compute);
    assert.equal(first.status, 'miss');
    assert.equal(first.image, img);
    const second = await cache.getOrCompute(src, { k, step: 'x' }, compute);
    assert.equal(second.status, 'hit', data.constructor.name);
    assert.equal(second.key, first.key);
    assert.equal(calls, 1);
    assertSameImage(second.image, img);
  }
});

test('the key changes with the config, the source size and its modification time', async () => {
  const { cache, src } = await setup();
  const cfg = { window: { level: 40, width: 400 }, size: 256 };
  const k0 = await cache.key(src, cfg);
  assert.match(k0, /^[0-9a-f]{64}$/);
  assert.equal(await cache.key(src, { size: 256, window: { width: 400, level: 40 } }), k0);
  assert.notEqual(await cache.key(src, { ...cfg, size: 255 }), k0);
  assert.notEqual(await cache.key([src, src], cfg), k0);
  await cache.getOrCompute(src, cfg, () => sample());
  // touch: same size, new mtime -> miss
  const st = await stat(src);
  await utimes(src, st.atime, new Date(st.mtimeMs + 5000));
  assert.notEqual(await cache.key(src, cfg), k0);
  assert.equal((await cache.getOrCompute(src, cfg, () => sample())).status, 'miss');
  // append: new size -> miss
  await appendFile(src, 'more');
  assert.equal((await cache.getOrCompute(src, cfg, () => sample())).status, 'miss');
  assert.equal((await cache.getOrCompute(src, cfg, () => sample())).status, 'hit');
  await assert.rejects(cache.key(join(root, 'missing.nii'), cfg), /cache: .*missing\.nii: cannot stat source/);
});

test('corrupt entries are detected, deleted and recomputed', async () => {
  const { cache, src } = await setup();
  const img = sample();
  const cfg = { v: 1 };
  const key = await cache.key(src, cfg);
  const file = cache.pathOf(key);
  const fresh = async () => {
    await cache.delete(key);
    await cache.write(key, img);
    return readFile(file);
  };
  const expectCorrupt = async (reason: RegExp) => {
    const r = await cache.read(key);
    assert.equal(r.status, 'corrupt');
    assert.match(r.reason ?? '', reason);
    let calls = 0;
    const got = await cache.getOrCompute(src, cfg, () => {
      calls++;
      return img;
    });
    assert.equal(got.status, 'corrupt');
    assert.equal(calls, 1);
    const again = await cache.getOrCompute(src, cfg, () => img);
    assert.equal(again.status, 'hit');
    assertSameImage(again.image, img);
  };

  // one flipped bit in the voxel data
  let bytes = await fresh();
  bytes[bytes.length - 5]! ^= 0x10;
  await writeFile(file, bytes);
  await expectCorrupt(/checksum mismatch/);

  // one changed digit in the header (still valid JSON)
  bytes = await fresh();
  const text = bytes.toString('latin1');
  const at = text.indexOf('"spacing":[2.5');
  bytes[at + 11] = '3'.charCodeAt(0);
  await writeFile(file, bytes);
  await expectCorrupt(/header checksum mismatch/);

  // truncated (a crash of a non-atomic writer would look like this)
  await fresh();
  await truncate(file, (await stat(file)).size - 8);
  await expectCorrupt(/truncated/);

  // trailing garbage
  await fresh();
  await appendFile(file, 'xx');
  await expectCorrupt(/file is \d+ bytes, header says/);

  // not a cache file at all / empty
  await writeFile(file, 'hello, this is not a cache entry at all, but it is long enough');
  await expectCorrupt(/bad magic/);
  await writeFile(file, '');
  await expectCorrupt(/shorter than/);

  // a valid entry of another key, renamed
  const otherKey = await cache.key(src, { v: 2 });
  await cache.write(otherKey, img);
  await copyFile(cache.pathOf(otherKey), file);
  await expectCorrupt(/entry holds key/);
});

test('writes are atomic: concurrent readers see no entry, the old one or the new one, never a partial file', async () => {
  const { cache, src, dir } = await setup();
  const n = 1 << 22; // 16 MB of float32
  const shape = [4, 1024, 1024];
  const a = makeImage(new Float32Array(n).fill(1), shape);
  const b = makeImage(new Float32Array(n).fill(2), shape);
  const key = await cache.key(src, { big: true });
  const seen = { miss: 0, old: 0, new: 0 };
  const reader = async (stopAt: { done: boolean }) => {
    while (!stopAt.done) {
      const r = await cache.read(key);
      assert.notEqual(r.status, 'corrupt', r.reason);
      if (r.status === 'miss') seen.miss++;
      else {
        const v = r.image!.data[0]!;
        assert.ok(Array.from(r.image!.data.subarray(n - 3)).every((x) => x === v));
        if (v === 1) seen.old++;
        else seen.new++;
      }
    }
  };
  const stop = { done: false };
  const readers = [reader(stop), reader(stop)];
  await cache.write(key, a);
  await cache.write(key, b);
  await cache.write(key, a);
  await cache.write(key, b);
  stop.done = true;
  await Promise.all(readers);
  assert.ok(seen.miss + seen.old + seen.new > 0);
  // nothing but the entry is left in the directory
  assert.deepEqual(await readdir(dir), [`${key}.bin`]);
  // a leftover temporary file from a crashed writer is never read as the entry
  await cache.delete(key);
  await writeFile(join(dir, `.${key}.999.abcdef.tmp`), (await readFile(src)).subarray(0, 3));
  assert.equal((await cache.read(key)).status, 'miss');
});

test('a source that changes while computing is returned but not cached', async () => {
  const { cache, src, dir } = await setup();
  const r = await cache.getOrCompute(src, { v: 1 }, async () => {
    await appendFile(src, 'modified during decode');
    return sample();
  });
  assert.equal(r.status, 'miss');
  assert.deepEqual(await readdir(dir).catch(() => []), []);
});

test('invalid writes and keys are rejected', async () => {
  const { cache } = await setup();
  const key = 'a'.repeat(64);
  await assert.rejects(
    cache.write(key, { ...sample(), data: new Float32Array(3) }),
    /cache: \/data\/ct\.nii\.gz: data has 3 values/,
  );
  assert.throws(() => cache.pathOf('../../etc/passwd'), /cache: invalid key/);
  assert.throws(() => new PreprocessCache(''), /dir must be a non-empty path/);
});
