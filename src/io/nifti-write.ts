/** The NIfTI writer (see nifti.ts for the conventions): the Image's own array order, sform = qform = its affine. */
import { writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { affineToQuatern, flipRasLps } from './affine.js';
import { ImageIoError, wrapError } from './errors.js';
import type { Image, PixelArray } from './image.js';
import { FORMAT } from './nifti-header.js';
import { imageAffine } from './orient.js';
import { checkWritableImage } from './validate.js';

export interface WriteNiftiOptions {
  /** 1 (default; float32 geometry) or 2 (float64 geometry, 64-bit dims) */
  version?: 1 | 2;
  /** gzip the file; default: true when the path ends with .gz */
  gzip?: boolean;
  /** zlib level 1..9 for .gz (default 6) */
  compressionLevel?: number;
  /** header `descrip` (at most 79 ASCII characters are kept) */
  description?: string;
}

function niftiCode(data: PixelArray): number {
  if (data instanceof Uint8Array) return 2;
  if (data instanceof Int16Array) return 4;
  if (data instanceof Int32Array) return 8;
  if (data instanceof Float32Array) return 16;
  if (data instanceof Float64Array) return 64;
  if (data instanceof Int8Array) return 256;
  if (data instanceof Uint16Array) return 512;
  if (data instanceof Uint32Array) return 768;
  throw new Error('unsupported array type');
}

/** Builds the header (NIfTI-1: 348 + 4 bytes, NIfTI-2: 540 + 4 bytes; no extensions). */
function buildHeader(image: Image, version: 1 | 2, description: string): Uint8Array {
  const code = niftiCode(image.data);
  const bytesPer = image.data.BYTES_PER_ELEMENT;
  const nx = image.shape[image.shape.length - 1];
  const ny = image.shape[image.shape.length - 2];
  const nz = image.shape.length === 3 ? image.shape[0] : 1;
  const ndim = image.shape.length;
  const ras = flipRasLps(imageAffine(image));
  const q = affineToQuatern(ras);
  const pix = [
    q?.qfac ?? 1,
    image.spacing[ndim - 1],
    image.spacing[ndim - 2],
    ndim === 3 ? image.spacing[0] : 1,
    0,
    0,
    0,
    0,
  ];
  const dims = [ndim, nx, ny, nz, 1, 1, 1, 1];
  const desc = description.replace(/[^\x20-\x7e]/g, '?').slice(0, 79);

  const hdrSize = version === 1 ? 348 : 540;
  const out = new Uint8Array(hdrSize + 4);
  const v = new DataView(out.buffer);
  const le = true;
  const ascii = (s: string, at: number): void => {
    for (let i = 0; i < s.length; i++) out[at + i] = s.charCodeAt(i);
  };
  if (version === 1) {
    v.setInt32(0, 348, le);
    out[38] = 'r'.charCodeAt(0);
    dims.forEach((d, i) => v.setInt16(40 + 2 * i, d, le));
    v.setInt16(70, code, le);
    v.setInt16(72, bytesPer * 8, le);
    pix.forEach((p, i) => v.setFloat32(76 + 4 * i, p, le));
    v.setFloat32(108, 352, le);
    v.setFloat32(112, 1, le); // scl_slope
    v.setFloat32(116, 0, le);
    out[123] = 2; // mm
    ascii(desc, 148);
    v.setInt16(252, q ? 1 : 0, le);
    v.setInt16(254, 1, le);
    if (q) {
      [q.b, q.c, q.d, q.qx, q.qy, q.qz].forEach((x, i) => v.setFloat32(256 + 4 * i, x, le));
    }
    ras.forEach((x, i) => v.setFloat32(280 + 4 * i, x, le));
    ascii('n+1\0', 344);
  } else {
    v.setInt32(0, 540, le);
    ascii('n+2\0\r\n\x1a\n', 4);
    v.setInt16(12, code, le);
    v.setInt16(14, bytesPer * 8, le);
    dims.forEach((d, i) => v.setBigInt64(16 + 8 * i, BigInt(d), le));
    pix.forEach((p, i) => v.setFloat64(104 + 8 * i, p, le));
    v.setBigInt64(168, 544n, le);
    v.setFloat64(176, 1, le);
    v.setFloat64(184, 0, le);
    ascii(desc, 240);
    v.setInt32(344, q ? 1 : 0, le);
    v.setInt32(348, 1, le);
    if (q) {
      [q.b, q.c, q.d, q.qx, q.qy, q.qz].forEach((x, i) => v.setFloat64(352 + 8 * i, x, le));
    }
    ras.forEach((x, i) => v.setFloat64(400 + 8 * i, x, le));
    v.setInt32(500, 2, le); // xyzt_units: mm
  }
  return out;
}

/**
 * Writes an Image as NIfTI (.nii or .nii.gz). The array is written in its own order (x fastest) with its
 * affine; a 2D image is written with dim[0] = 2 and reads back as a [1, height, width] volume.
 */
export async function writeNifti(path: string, image: Image, options: WriteNiftiOptions = {}): Promise<void> {
  checkWritableImage(image, path, FORMAT);
  const version = options.version ?? 1;
  if (version !== 1 && version !== 2)
    throw new ImageIoError(FORMAT, path, `version must be 1 or 2, got ${String(version)}`);
  let header: Uint8Array;
  try {
    header = buildHeader(image, version, options.description ?? '');
  } catch (err) {
    throw wrapError(FORMAT, path, 'cannot build header', err);
  }
  const d = image.data;
  const body = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  let file: Uint8Array = Buffer.concat([header, body]);
  const gzip = options.gzip ?? /\.gz$/i.test(path);
  if (gzip) file = gzipSync(file, { level: options.compressionLevel ?? 6 });
  try {
    await writeFile(path, file);
  } catch (err) {
    throw wrapError(FORMAT, path, 'cannot write file', err);
  }
}
