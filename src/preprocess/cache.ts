/**
 * On-disk cache of preprocessed images, so that epochs never re-decode and re-preprocess source files.
 *
 * Key: SHA-256 of the canonical JSON (sorted keys, no whitespace) of
 *   { format, sources: [{ path (absolute), size, mtimeNs }], config }
 * so a changed source file (size or modification time) or any change of the preprocessing config gives a new key.
 * The config must be plain data (objects, arrays, strings, finite numbers, booleans, null); put a version field in
 * it when the preprocessing code changes meaning.
 *
 * Entry file `<dir>/<key>.bin` (little-endian):
 *   8 bytes magic "MEDCLPP1" | uint32 header length h | 32 bytes SHA-256 of the header | h bytes header JSON |
 *   zero padding to a multiple of 8 | the voxel data (C order)
 * The header holds the key, dtype, shape, spacing, origin, direction, source, the data's byte length and the data's
 * SHA-256. Reading checks all of it (magic, both checksums, key, exact file length); an entry that fails any check
 * is reported as 'corrupt', deleted and recomputed by `getOrCompute`, never trusted. Hashing costs about a second
 * per GB read.
 *
 * Writes are atomic: the entry is written to a unique temporary file `.<key>.<pid>.<random>.tmp` in the same
 * directory, flushed (fsync), then renamed over `<key>.bin`, so a reader sees either no entry or a whole one, also
 * with several processes filling the same cache. A crash can leave a `.tmp` file behind; it is never read and can be
 * deleted.
 */
import { createHash, randomBytes } from 'node:crypto';
import { open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { endianness } from 'node:os';
import { join, resolve } from 'node:path';
import type { Image, PixelArray } from '../io/image.js';
import { numel } from '../io/image.js';
import { checkImage, type PixelArrayConstructor } from './common.js';
import { ensureDir } from '../engine/checkpoint/ensure-dir.js';

const MAGIC = 'MEDCLPP1';
const FORMAT = 1;
const PREFIX = 44; // magic + uint32 header length + SHA-256 of the header
const CHUNK = 1 << 30; // read/write at most 1 GiB per call

const DTYPES: Record<string, PixelArrayConstructor> = {
  float32: Float32Array,
  float64: Float64Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
};

function dtypeOf(data: PixelArray): string {
  for (const [name, ctor] of Object.entries(DTYPES)) if (data instanceof ctor) return name;
  throw new TypeError(`cache: unsupported array type ${(data as object).constructor.name}`);
}

/**
 * Canonical JSON: object keys sorted, undefined-valued keys dropped, no whitespace. Throws on anything that is not
 * plain data (functions, class instances, typed arrays, non-finite numbers, bigint), naming the path.
 */
export function canonicalJson(value: unknown, path = 'config'): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`cache: ${path} is ${value}; only finite numbers can be hashed`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    return `[${value
      .map((v, i) => {
        if (v === undefined) throw new TypeError(`cache: ${path}[${i}] is undefined`);
        return canonicalJson(v, `${path}[${i}]`);
      })
      .join(',')}]`;
  }
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) {
      throw new TypeError(
        `cache: ${path} is a ${(value as object).constructor?.name ?? 'non-plain object'}; configs must be plain data`,
      );
    }
    const entries = Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k], `${path}.${k}`)}`);
    return `{${entries.join(',')}}`;
  }
  throw new TypeError(`cache: ${path} is a ${typeof value}; configs must be plain data`);
}

export type CacheStatus = 'hit' | 'miss' | 'corrupt';

export interface CacheLookup {
  status: CacheStatus;
  /** present on a hit */
  image?: Image;
  /** why an entry was judged corrupt */
  reason?: string;
}

export interface CachedImage {
  image: Image;
  /** 'hit': read from the cache; 'miss': computed (no entry); 'corrupt': computed (a bad entry was replaced) */
  status: CacheStatus;
  key: string;
  reason?: string;
}

interface Header {
  format: number;
  key: string;
  dtype: string;
  shape: number[];
  spacing: number[];
  origin: number[];
  direction: number[];
  source?: string;
  byteLength: number;
  sha256: string;
}

export class PreprocessCache {
  readonly dir: string;

  /** `dir` is created on the first write */
  constructor(dir: string) {
    if (typeof dir !== 'string' || dir === '') throw new TypeError('cache: dir must be a non-empty path');
    this.dir = resolve(dir);
  }

  /** the key for preprocessing `sources` (a file, or every file of e.g. a DICOM series) with `config` */
  async key(sources: string | readonly string[], config: unknown): Promise<string> {
    const list = typeof sources === 'string' ? [sources] : [...sources];
    if (list.length === 0) throw new RangeError('cache: no source files given');
    const described = await Promise.all(
      list.map(async (p) => {
        const abs = resolve(p);
        let st;
        try {
          st = await stat(abs, { bigint: true });
        } catch (err) {
          throw new Error(`cache: ${abs}: cannot stat source: ${(err as Error).message}`);
        }
        return { path: abs, size: Number(st.size), mtimeNs: st.mtimeNs.toString() };
      }),
    );
    const material = canonicalJson({ format: FORMAT, sources: described, config });
    return createHash('sha256').update(material).digest('hex');
  }

  pathOf(key: string): string {
    if (!/^[0-9a-f]{64}$/.test(key)) throw new RangeError(`cache: invalid key ${JSON.stringify(key)}`);
    return join(this.dir, `${key}.bin`);
  }

  /** looks an entry up; never throws for a bad entry (status 'corrupt' with the reason) */
  async read(key: string): Promise<CacheLookup> {
    const file = this.pathOf(key);
    let fh: FileHandle;
    try {
      fh = await open(file, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'miss' };
      throw err;
    }
    try {
      return await readEntry(fh, key);
    } finally {
      await fh.close();
    }
  }

  /** writes (or replaces) an entry atomically */
  async write(key: string, image: Image): Promise<void> {
    const file = this.pathOf(key);
    checkImage('cache', image, [1, 2, 3, 4]);
    const bytes = new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength);
    const header: Header = {
      format: FORMAT,
      key,
      dtype: dtypeOf(image.data),
      shape: image.shape.slice(),
      spacing: image.spacing.slice(),
      origin: image.origin.slice(),
      direction: image.direction.slice(),
      byteLength: bytes.byteLength,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    };
    if (image.source !== undefined) header.source = image.source;
    const json = Buffer.from(JSON.stringify(header), 'utf8');
    const prefix = Buffer.alloc(align8(PREFIX + json.length));
    prefix.write(MAGIC, 0, 'latin1');
    prefix.writeUInt32LE(json.length, 8);
    createHash('sha256').update(json).digest().copy(prefix, 12);
    json.copy(prefix, PREFIX);
    ensureDir(this.dir);
    const tmp = join(this.dir, `.${key}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    const fh = await open(tmp, 'wx');
    try {
      try {
        await writeAll(fh, prefix);
        await writeAll(fh, bytes);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, file);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  /** removes an entry (no error when there is none) */
  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  /**
   * The cached image for (sources, config), or `compute()`'s result, which is then stored. A corrupt entry is
   * deleted and recomputed. If a source file changes while computing, the result is returned but not stored.
   */
  async getOrCompute(
    sources: string | readonly string[],
    config: unknown,
    compute: () => Image | Promise<Image>,
  ): Promise<CachedImage> {
    const key = await this.key(sources, config);
    const found = await this.read(key);
    if (found.status === 'hit') return { image: found.image!, status: 'hit', key };
    if (found.status === 'corrupt') await this.delete(key);
    const image = await compute();
    if ((await this.key(sources, config)) === key) await this.write(key, image);
    const out: CachedImage = { image, status: found.status, key };
    if (found.reason !== undefined) out.reason = found.reason;
    return out;
  }
}

function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

async function writeAll(fh: FileHandle, bytes: Uint8Array): Promise<void> {
  let done = 0;
  while (done < bytes.byteLength) {
    const { bytesWritten } = await fh.write(bytes, done, Math.min(CHUNK, bytes.byteLength - done));
    done += bytesWritten;
  }
}

/** reads exactly `length` bytes at `position` into `into`; false when the file ends early */
async function readExactly(fh: FileHandle, into: Uint8Array, position: number): Promise<boolean> {
  let done = 0;
  while (done < into.byteLength) {
    const { bytesRead } = await fh.read(into, done, Math.min(CHUNK, into.byteLength - done), position + done);
    if (bytesRead === 0) return false;
    done += bytesRead;
  }
  return true;
}

async function readEntry(fh: FileHandle, key: string): Promise<CacheLookup> {
  const corrupt = (reason: string): CacheLookup => ({ status: 'corrupt', reason });
  if (endianness() !== 'LE') return corrupt('entries are little-endian and this machine is not');
  const size = (await fh.stat()).size;
  if (size < PREFIX) return corrupt(`file is ${size} bytes, shorter than the ${PREFIX}-byte prefix`);
  const prefix = Buffer.alloc(PREFIX);
  if (!(await readExactly(fh, prefix, 0))) return corrupt('cannot read the prefix');
  if (prefix.toString('latin1', 0, 8) !== MAGIC) return corrupt('bad magic');
  const hlen = prefix.readUInt32LE(8);
  if (PREFIX + hlen > size) return corrupt(`header length ${hlen} runs past the end of the ${size}-byte file`);
  const hbuf = Buffer.alloc(hlen);
  if (!(await readExactly(fh, hbuf, PREFIX))) return corrupt('cannot read the header');
  if (!createHash('sha256').update(hbuf).digest().equals(prefix.subarray(12, PREFIX)))
    return corrupt('header checksum mismatch');
  let h: Header;
  try {
    h = JSON.parse(hbuf.toString('utf8')) as Header;
  } catch {
    return corrupt('header is not valid JSON');
  }
  if (h === null || typeof h !== 'object') return corrupt('header is not an object');
  if (h.format !== FORMAT) return corrupt(`format ${String(h.format)}, expected ${FORMAT}`);
  if (h.key !== key) return corrupt(`entry holds key ${String(h.key)}`);
  const Ctor = DTYPES[h.dtype];
  if (Ctor === undefined) return corrupt(`unknown dtype ${String(h.dtype)}`);
  const nd = Array.isArray(h.shape) ? h.shape.length : -1;
  if (nd < 1 || !h.shape.every((n) => Number.isInteger(n) && n >= 1))
    return corrupt(`bad shape ${JSON.stringify(h.shape)}`);
  const numbers = (a: unknown, len: number): boolean =>
    Array.isArray(a) && a.length === len && a.every((x) => typeof x === 'number');
  if (!numbers(h.spacing, nd) || !numbers(h.origin, nd) || !numbers(h.direction, nd * nd))
    return corrupt('bad geometry');
  const count = numel(h.shape);
  if (h.byteLength !== count * Ctor.BYTES_PER_ELEMENT)
    return corrupt(`byteLength ${String(h.byteLength)} does not match shape and dtype`);
  const offset = align8(PREFIX + hlen);
  if (size !== offset + h.byteLength) {
    return corrupt(
      `file is ${size} bytes, header says ${offset + h.byteLength}${size < offset + h.byteLength ? ' (truncated)' : ''}`,
    );
  }
  const data = new Ctor(count);
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (!(await readExactly(fh, bytes, offset))) return corrupt('truncated while reading');
  if (createHash('sha256').update(bytes).digest('hex') !== h.sha256) return corrupt('checksum mismatch');
  const image: Image = { data, shape: h.shape, spacing: h.spacing, origin: h.origin, direction: h.direction };
  if (typeof h.source === 'string') image.source = h.source;
  return { status: 'hit', image };
}
