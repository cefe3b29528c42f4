/**
 * NIfTI-1 / NIfTI-2 reader and writer (.nii, .nii.gz; the reader also takes .hdr/.img pairs).
 *
 * Reading: the header is parsed by nifti-reader-js; the voxel-to-world matrix is chosen as nibabel does -
 * the sform when sform_code > 0, else the qform when qform_code > 0, else diag(pixdim) (the Analyze fallback) -
 * scaled to millimetres by xyzt_units, converted from RAS to LPS and the volume is reoriented to the canonical
 * LPS layout of `Image` (axis permutation/flip only, see orient.ts). scl_slope/scl_inter are applied when they
 * are not the identity (slope 0 or non-finite means "no scaling"): the result is then Float32Array (Float64Array
 * for float64 files); otherwise the file's type is kept. int64/uint64 become Float64Array (exact up to 2^53);
 * RGB24/RGBA32 become grey by the rule of grey.ts.
 *
 * Writing: the Image's own array order (x fastest) is written as is, with sform = qform = its affine in RAS
 * (codes NIFTI_XFORM_SCANNER_ANAT), so reading it back gives the same array, spacing, origin and direction
 * (NIfTI-1 stores these in float32; use `version: 2` for float64).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { gunzipSync, gzipSync } from 'node:zlib';
import * as niftiLib from 'nifti-reader-js';
import { type Affine, affineToQuatern, flipRasLps, quaternToAffine } from './affine.js';
import { ImageIoError, wrapError } from './errors.js';
import { colourToGrey } from './grey.js';
import type { Image, PixelArray } from './image.js';
import { imageAffine, reorientToLps } from './orient.js';
import { checkWritableImage } from './validate.js';

const FORMAT = 'nifti';

export interface ReadNiftiOptions {
  /**
   * Which volume of a 4D (or higher) file to read, 0-based over dims 4..7 flattened. Required for files with
   * more than one volume: reading one without it is an error (no silent choice).
   */
  volume?: number;
}

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

interface TypeInfo {
  bytes: number;
  make: (buf: ArrayBuffer, n: number) => PixelArray | BigInt64Array | BigUint64Array;
  name: string;
}

const DATATYPES: Record<number, TypeInfo> = {
  2: { bytes: 1, make: (b, n) => new Uint8Array(b, 0, n), name: 'uint8' },
  4: { bytes: 2, make: (b, n) => new Int16Array(b, 0, n), name: 'int16' },
  8: { bytes: 4, make: (b, n) => new Int32Array(b, 0, n), name: 'int32' },
  16: { bytes: 4, make: (b, n) => new Float32Array(b, 0, n), name: 'float32' },
  64: { bytes: 8, make: (b, n) => new Float64Array(b, 0, n), name: 'float64' },
  256: { bytes: 1, make: (b, n) => new Int8Array(b, 0, n), name: 'int8' },
  512: { bytes: 2, make: (b, n) => new Uint16Array(b, 0, n), name: 'uint16' },
  768: { bytes: 4, make: (b, n) => new Uint32Array(b, 0, n), name: 'uint32' },
  1024: { bytes: 8, make: (b, n) => new BigInt64Array(b, 0, n), name: 'int64' },
  1280: { bytes: 8, make: (b, n) => new BigUint64Array(b, 0, n), name: 'uint64' },
  128: { bytes: 3, make: (b, n) => new Uint8Array(b, 0, 3 * n), name: 'rgb24' },
  2304: { bytes: 4, make: (b, n) => new Uint8Array(b, 0, 4 * n), name: 'rgba32' },
};

const UNSUPPORTED: Record<number, string> = {
  1: 'binary (1 bit)',
  32: 'complex64',
  1536: 'float128',
  1792: 'complex128',
  2048: 'complex256',
};

type Header = niftiLib.NIFTI1 | niftiLib.NIFTI2;

async function readBytes(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw wrapError(FORMAT, path, 'cannot read file', err);
  }
}

function maybeGunzip(buf: Buffer, path: string): Buffer {
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      return gunzipSync(buf);
    } catch (err) {
      throw wrapError(FORMAT, path, 'gzip decompression failed (truncated or corrupt .gz?)', err);
    }
  }
  return buf;
}

function toArrayBuffer(buf: Buffer): ArrayBuffer {
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
}

/** Reads the 12 sform numbers (srow_x, srow_y, srow_z) straight from the header bytes. */
function readSform(view: DataView, version: 1 | 2, le: boolean): Affine {
  const out: number[] = [];
  for (let i = 0; i < 12; i++) {
    out.push(version === 1 ? view.getFloat32(280 + 4 * i, le) : view.getFloat64(400 + 8 * i, le));
  }
  return out;
}

/** Voxel-to-world (RAS, mm) by the sform > qform > pixdim rule. */
function headerAffineRas(h: Header, view: DataView, version: 1 | 2, path: string): Affine {
  let a: Affine;
  const pix = h.pixDims;
  if (h.sform_code > 0) {
    a = readSform(view, version, h.littleEndian);
  } else if (h.qform_code > 0) {
    const q = h as unknown as { quatern_b: number; quatern_c: number; quatern_d: number };
    a = quaternToAffine({
      b: q.quatern_b,
      c: q.quatern_c,
      d: q.quatern_d,
      qx: h.qoffset_x,
      qy: h.qoffset_y,
      qz: h.qoffset_z,
      dx: pix[1],
      dy: pix[2],
      dz: pix[3],
      qfac: pix[0] < 0 ? -1 : 1,
    });
  } else {
    const d = [1, 2, 3].map((i) => (pix[i] > 0 ? pix[i] : 1));
    a = [d[0], 0, 0, 0, 0, d[1], 0, 0, 0, 0, d[2], 0];
  }
  if (!a.every(Number.isFinite)) {
    throw new ImageIoError(FORMAT, path, `non-finite voxel-to-world matrix in the header: [${a.join(', ')}]`);
  }
  // xyzt_units & 7: 1 metre, 2 mm, 3 micron; unknown (0) is taken as mm
  const units = h.xyzt_units & 7;
  const scale = units === 1 ? 1000 : units === 3 ? 0.001 : 1;
  return scale === 1 ? a : a.map((x) => x * scale);
}

function byteSwap(bytes: Uint8Array, size: number): void {
  if (size <= 1) return;
  for (let p = 0; p + size <= bytes.length; p += size) {
    for (let a = p, b = p + size - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
}

function applyScaling(raw: PixelArray, slope: number, inter: number): PixelArray {
  if (!Number.isFinite(slope) || slope === 0 || !Number.isFinite(inter)) return raw;
  if (slope === 1 && inter === 0) return raw;
  // one Float64Array work buffer keeps the loop monomorphic; bulk conversions in and out
  const w = new Float64Array(raw);
  for (let i = 0; i < w.length; i++) w[i] = w[i] * slope + inter;
  return raw instanceof Float64Array ? w : new Float32Array(w);
}

/** Reads a NIfTI-1/2 file (.nii, .nii.gz, .hdr/.img) into the canonical LPS Image. */
export async function readNifti(path: string, options: ReadNiftiOptions = {}): Promise<Image> {
  const fileBuf = await readBytes(path);
  if (fileBuf.length === 0) throw new ImageIoError(FORMAT, path, 'empty file');
  const buf = maybeGunzip(fileBuf, path);
  if (buf.length < 348) {
    throw new ImageIoError(FORMAT, path, `truncated: ${buf.length} bytes, a NIfTI header needs at least 348`);
  }
  const ab = toArrayBuffer(buf);
  const isV2 = niftiLib.isNIFTI2(ab, true);
  if (!isV2 && !niftiLib.isNIFTI1(ab, true)) {
    const magic = buf
      .subarray(344, 348)
      .toString('latin1')
      .replace(/[^\x20-\x7e]/g, '.');
    throw new ImageIoError(
      FORMAT,
      path,
      `not a NIfTI-1/NIfTI-2 file (magic "${magic}" at byte 344, expected "n+1"/"ni1")`,
    );
  }
  const version: 1 | 2 = isV2 ? 2 : 1;
  if (version === 2 && buf.length < 540) {
    throw new ImageIoError(FORMAT, path, `truncated: ${buf.length} bytes, a NIfTI-2 header needs 540`);
  }
  let h: Header;
  try {
    h = niftiLib.readHeader(ab, true);
  } catch (err) {
    throw wrapError(FORMAT, path, 'cannot parse header', err);
  }
  const view = new DataView(ab);

  // dimensions
  const ndim = h.dims[0];
  if (!(ndim >= 1 && ndim <= 7)) throw new ImageIoError(FORMAT, path, `invalid dim[0] = ${ndim} (must be 1..7)`);
  const dim = (i: number): number => (i <= ndim && h.dims[i] > 0 ? h.dims[i] : 1);
  for (let i = 1; i <= ndim; i++) {
    if (h.dims[i] < 0 || !Number.isInteger(h.dims[i]))
      throw new ImageIoError(FORMAT, path, `invalid dim[${i}] = ${h.dims[i]}`);
  }
  const size: [number, number, number] = [dim(1), dim(2), dim(3)];
  let nVolumes = 1;
  for (let i = 4; i <= 7; i++) nVolumes *= dim(i);
  let volume = 0;
  if (nVolumes > 1) {
    if (options.volume === undefined) {
      throw new ImageIoError(
        FORMAT,
        path,
        `${ndim}D file with ${nVolumes} volumes (dims ${h.dims.slice(1, ndim + 1).join('x')}); pass { volume: i } to read one`,
      );
    }
    volume = options.volume;
  }
  if (!Number.isInteger(volume) || volume < 0 || volume >= nVolumes) {
    throw new ImageIoError(FORMAT, path, `volume ${options.volume} out of range: the file has ${nVolumes} volume(s)`);
  }

  // datatype
  const code = h.datatypeCode;
  const info = DATATYPES[code];
  if (!info) {
    const what = UNSUPPORTED[code] ?? 'unknown';
    throw new ImageIoError(FORMAT, path, `unsupported datatype ${code} (${what})`);
  }
  if (h.numBitsPerVoxel !== 0 && h.numBitsPerVoxel !== info.bytes * 8) {
    throw new ImageIoError(FORMAT, path, `bitpix ${h.numBitsPerVoxel} does not match datatype ${info.name}`);
  }

  // voxel bytes: same file for .nii, the .img next to a .hdr
  let dataBuf = buf;
  let dataPath = path;
  let offset = Number(h.vox_offset);
  const magic1 = buf.subarray(344, 347).toString('latin1');
  const isPair = version === 1 ? magic1 === 'ni1' : buf.subarray(4, 7).toString('latin1') === 'ni2';
  if (isPair) {
    dataPath = path.replace(/\.hdr(\.gz)?$/i, '.img$1');
    if (dataPath === path)
      throw new ImageIoError(FORMAT, path, 'header of a .hdr/.img pair, but the name does not end in .hdr');
    dataBuf = maybeGunzip(await readBytes(dataPath), dataPath);
  } else {
    const minOffset = version === 1 ? 352 : 544;
    if (!(offset >= minOffset) || !Number.isInteger(offset)) {
      throw new ImageIoError(FORMAT, path, `invalid vox_offset ${h.vox_offset} (must be an integer >= ${minOffset})`);
    }
  }
  const nVox = size[0] * size[1] * size[2];
  const volBytes = nVox * info.bytes;
  const totalBytes = volBytes * nVolumes;
  if (dataBuf.length < offset + totalBytes) {
    throw new ImageIoError(
      FORMAT,
      dataPath,
      `truncated: header says ${totalBytes} bytes of voxels from offset ${offset}, file has ${Math.max(0, dataBuf.length - offset)}`,
    );
  }
  offset += volume * volBytes;

  // copy (aligned) and fix byte order
  const bytes = new Uint8Array(volBytes);
  bytes.set(dataBuf.subarray(offset, offset + volBytes));
  if (!h.littleEndian && code !== 128 && code !== 2304) byteSwap(bytes, info.bytes);
  const typed = info.make(bytes.buffer, nVox);
  let raw: PixelArray;
  if (typed instanceof BigInt64Array || typed instanceof BigUint64Array) {
    const f = new Float64Array(nVox);
    for (let i = 0; i < nVox; i++) f[i] = Number(typed[i]);
    raw = f;
  } else if (code === 128 || code === 2304) {
    raw = colourToGrey(typed as Uint8Array, code === 128 ? 3 : 4);
  } else {
    raw = typed;
  }
  const data = applyScaling(raw, h.scl_slope, h.scl_inter);

  const ras = headerAffineRas(h, view, version, path);
  try {
    return reorientToLps(data, size, flipRasLps(ras), path);
  } catch (err) {
    throw wrapError(FORMAT, path, 'bad geometry', err);
  }
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
