/**
 * Checks of the pixel data a MetaImage or NRRD header declares against the bytes actually present, before ITK reads
 * the file: ITK allocates the declared size first, reads a corrupt or mislabelled zlib stream as zeros (printing a
 * bare "Uncompress failed"), and reads the first part of data longer than declared. Here:
 *
 * - raw data must have exactly the declared bytes (data at the end of a file, MetaImage HeaderSize -1 or NRRD
 *   byte skip -1: at least);
 * - compressed data must be a valid zlib/gzip stream (checksum included) that decompresses to exactly the declared
 *   bytes; the stream is decompressed once, counted and thrown away, and a declared size that deflate cannot reach
 *   from the compressed size fails before that.
 */
import { open, stat } from 'node:fs/promises';
import { ImageIoError, wrapError } from './errors.js';
import { MAX_DEFLATE_RATIO, inflatedLength } from './inflate.js';

export const FORMAT = 'itk';

export interface DataCheck {
  /** the header file, named in errors */
  path: string;
  /** the file holding the pixel data (the header file itself for attached data) */
  dataPath: string;
  /** byte offset of the data, or 'end': the data are the file's last bytes */
  start: number | 'end';
  /** compressed length when the header states it (MetaImage CompressedDataSize) */
  compressedSize?: number;
  /** declared bytes of pixel data (decompressed) */
  expected: number;
  compressed: boolean;
  /** the declaration, for messages: 'DimSize 64 64 x MET_UCHAR (1 byte)' */
  declared: string;
  /** the header field that says the data are compressed, for messages */
  compressionField: string;
}

/** A file's first `max` bytes and its size. */
export async function readStart(path: string, max: number): Promise<{ head: Buffer; size: number }> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw wrapError(FORMAT, path, 'cannot read file', err);
  }
  try {
    const size = (await fh.stat()).size;
    const head = Buffer.alloc(Math.min(size, max));
    await fh.read(head, 0, head.length, 0);
    return { head, size };
  } finally {
    await fh.close();
  }
}

async function readRange(path: string, start: number, length: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await fh.read(buf, 0, length, start);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

function where(c: DataCheck): string {
  return c.dataPath === c.path ? 'the file has' : `${c.dataPath} has`;
}

export async function checkDataBytes(c: DataCheck): Promise<void> {
  let fileSize: number;
  try {
    fileSize = (await stat(c.dataPath)).size;
  } catch (err) {
    throw wrapError(FORMAT, c.path, `cannot read the data file ${c.dataPath}`, err);
  }
  if (!c.compressed) {
    if (c.start === 'end') {
      if (fileSize < c.expected)
        throw new ImageIoError(
          FORMAT,
          c.path,
          `truncated: ${c.declared} = ${c.expected} bytes, ${where(c)} ${fileSize}`,
        );
      return;
    }
    const available = Math.max(0, fileSize - c.start);
    if (available < c.expected)
      throw new ImageIoError(
        FORMAT,
        c.path,
        `truncated (or a wrong header): ${c.declared} = ${c.expected} bytes, ${where(c)} ${available} after the header`,
      );
    if (available > c.expected)
      throw new ImageIoError(
        FORMAT,
        c.path,
        `${c.declared} = ${c.expected} bytes, but ${where(c)} ${available} bytes of data: the header disagrees with the data`,
      );
    return;
  }
  if (c.start === 'end') return;
  const available = Math.max(0, fileSize - c.start);
  const length = c.compressedSize ?? available;
  if (length > available)
    throw new ImageIoError(
      FORMAT,
      c.path,
      `truncated: CompressedDataSize ${length}, ${where(c)} ${available} bytes of data after the header`,
    );
  if (c.expected > MAX_DEFLATE_RATIO * length)
    throw new ImageIoError(
      FORMAT,
      c.path,
      `${c.declared} = ${c.expected} bytes, more than ${length} compressed bytes can hold (${MAX_DEFLATE_RATIO}:1 at most)`,
    );
  const bytes = await readRange(c.dataPath, c.start, length);
  let n: number;
  try {
    n = await inflatedLength(bytes, c.expected);
  } catch (err) {
    throw wrapError(FORMAT, c.path, `${c.compressionField}, but the pixel data is not a valid zlib/gzip stream`, err);
  }
  if (n !== c.expected)
    throw new ImageIoError(
      FORMAT,
      c.path,
      `${c.compressionField}: the pixel data decompresses to ${n > c.expected ? `more than ${c.expected}` : n} bytes, ${c.declared} = ${c.expected}`,
    );
}
