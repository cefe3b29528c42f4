/**
 * Bounded decompression of gzip and zlib streams (the format is detected from the stream's header), for readers
 * that know from a header how many bytes to expect: nothing is allocated beyond what the header declares and the
 * compressed size allows, so a "zip bomb" or an absurd header fails before memory is spent on it.
 */
import { createUnzip } from 'node:zlib';

/**
 * Deflate cannot expand its input more than 1032:1 (a 258-byte match costs at least 2 bits): a header declaring
 * more than this many bytes per compressed byte cannot be right.
 */
export const MAX_DEFLATE_RATIO = 1032;

export function isGzip(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

/** Streams the decompressed bytes to `sink` until it returns false (the rest is not decompressed) or the end. */
function inflateTo(compressed: Uint8Array, sink: (chunk: Buffer) => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const z = createUnzip({ chunkSize: 1 << 20 });
    let done = false;
    z.on('data', (chunk: Buffer) => {
      if (done) return;
      if (!sink(chunk)) {
        done = true;
        z.destroy();
        resolve();
      }
    });
    z.on('error', (err) => {
      if (!done) reject(err);
      done = true;
    });
    z.on('end', () => {
      done = true;
      resolve();
    });
    z.end(compressed);
  });
}

/** The first `n` decompressed bytes (fewer when the stream is shorter); throws on a corrupt stream. */
export async function inflatePrefix(compressed: Uint8Array, n: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let have = 0;
  await inflateTo(compressed, (c) => {
    chunks.push(c);
    have += c.length;
    return have < n;
  });
  const all = Buffer.concat(chunks);
  return all.length > n ? all.subarray(0, n) : all;
}

export interface Inflated {
  /** the first `size` bytes, or the whole stream when it is shorter */
  data: Buffer;
  /** the stream's whole decompressed length */
  total: number;
}

/**
 * Decompresses into one buffer of `size` bytes (allocated once); bytes beyond are decompressed (so that the
 * stream's checksum is verified) but not kept. The caller checks `size` against MAX_DEFLATE_RATIO x the
 * compressed size first. Throws on a corrupt or truncated stream.
 */
export async function inflateExact(compressed: Uint8Array, size: number): Promise<Inflated> {
  const out = Buffer.allocUnsafe(size);
  let total = 0;
  await inflateTo(compressed, (c) => {
    const take = Math.max(0, Math.min(c.length, size - total));
    if (take > 0) c.copy(out, total, 0, take);
    total += c.length;
    return true;
  });
  return { data: total >= size ? out : out.subarray(0, total), total };
}

/** The decompressed length of a stream, counted without keeping it, up to `limit` + 1; throws when corrupt. */
export async function inflatedLength(compressed: Uint8Array, limit: number): Promise<number> {
  let have = 0;
  await inflateTo(compressed, (c) => {
    have += c.length;
    return have <= limit;
  });
  return have;
}
