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
import { readFile } from 'node:fs/promises';
import { flipRasLps } from './affine.js';
import { ImageIoError, wrapError } from './errors.js';
import { colourToGrey } from './grey.js';
import type { Image, PixelArray } from './image.js';
import { MAX_DEFLATE_RATIO, inflateExact, inflatePrefix, isGzip } from './inflate.js';
import { FORMAT, type Layout, headerAffineRas, headerLayout, parseHeader } from './nifti-header.js';
import { reorientToLps } from './orient.js';

export { type WriteNiftiOptions, writeNifti } from './nifti-write.js';

export interface ReadNiftiOptions {
  /**
   * Which volume of a 4D (or higher) file to read, 0-based over dims 4..7 flattened. Required for files with
   * more than one volume: reading one without it is an error (no silent choice).
   */
  volume?: number;
  /** receives warnings (a fallback taken, see docs/data.md); default console.warn */
  onWarning?: (message: string) => void;
}

async function readBytes(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw wrapError(FORMAT, path, 'cannot read file', err);
  }
}

const GZIP_ERROR = 'gzip decompression failed (truncated or corrupt .gz?)';

/** The first bytes of a file (decompressed when gzipped): enough for the header. */
async function headBytes(buf: Buffer, path: string): Promise<Buffer> {
  if (!isGzip(buf)) return buf;
  try {
    return await inflatePrefix(buf, 544);
  } catch (err) {
    throw wrapError(FORMAT, path, GZIP_ERROR, err);
  }
}

/**
 * The bytes of the file holding the voxels, decompressed when gzipped up to `need` bytes (the header's vox_offset +
 * voxels) and no further: a size that deflate cannot reach from the compressed size is an error before allocating.
 */
async function dataBytes(buf: Buffer, need: number, path: string): Promise<{ data: Buffer; total: number }> {
  if (!isGzip(buf)) return { data: buf, total: buf.length };
  if (need > MAX_DEFLATE_RATIO * buf.length)
    throw new ImageIoError(
      FORMAT,
      path,
      `truncated: header says ${need} bytes (offset + voxels), a ${buf.length}-byte gzip file expands to ${MAX_DEFLATE_RATIO * buf.length} at most`,
    );
  try {
    return await inflateExact(buf, need);
  } catch (err) {
    throw wrapError(FORMAT, path, GZIP_ERROR, err);
  }
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

/** slope * raw + inter in float64, converted by blocks (a Float64Array work block keeps the loop monomorphic) */
function applyScaling(raw: PixelArray, slope: number, inter: number): PixelArray {
  if (!Number.isFinite(slope) || slope === 0 || !Number.isFinite(inter)) return raw;
  if (slope === 1 && inter === 0) return raw;
  const out = raw instanceof Float64Array ? new Float64Array(raw.length) : new Float32Array(raw.length);
  const block = 1 << 16;
  const w = new Float64Array(Math.min(block, raw.length));
  for (let k = 0; k < raw.length; k += block) {
    const n = Math.min(block, raw.length - k);
    const v = n === w.length ? w : w.subarray(0, n);
    v.set(raw.subarray(k, k + n));
    for (let i = 0; i < n; i++) v[i] = v[i]! * slope + inter;
    out.set(v, k);
  }
  return out;
}

/** Where the voxels are: the .nii itself after vox_offset, or the .img next to a .hdr. */
async function voxelSource(
  fileBuf: Buffer,
  head: Buffer,
  version: 1 | 2,
  voxOffset: number,
  path: string,
): Promise<{ file: Buffer; dataPath: string; offset: number }> {
  const isPair =
    version === 1
      ? head.subarray(344, 347).toString('latin1') === 'ni1'
      : head.subarray(4, 7).toString('latin1') === 'ni2';
  if (isPair) {
    const dataPath = path.replace(/\.hdr(\.gz)?$/i, '.img$1');
    if (dataPath === path)
      throw new ImageIoError(FORMAT, path, 'header of a .hdr/.img pair, but the name does not end in .hdr');
    return { file: await readBytes(dataPath), dataPath, offset: voxOffset };
  }
  const minOffset = version === 1 ? 352 : 544;
  if (!(voxOffset >= minOffset) || !Number.isInteger(voxOffset)) {
    throw new ImageIoError(FORMAT, path, `invalid vox_offset ${voxOffset} (must be an integer >= ${minOffset})`);
  }
  return { file: fileBuf, dataPath: path, offset: voxOffset };
}

/** The chosen volume's voxels as a typed array of the file's type (a view of `data` when aligned, else a copy). */
function voxels(data: Buffer, start: number, layout: Layout, littleEndian: boolean): PixelArray {
  const { size, code, info } = layout;
  const nVox = size[0] * size[1] * size[2];
  const volBytes = nVox * info.bytes;
  let bytes = data.subarray(start, start + volBytes);
  if ((data.byteOffset + start) % info.bytes !== 0 || layout.nVolumes > 1) bytes = Buffer.from(bytes);
  if (!littleEndian && code !== 128 && code !== 2304) byteSwap(bytes, info.bytes);
  const typed = info.make(bytes.buffer as ArrayBuffer, bytes.byteOffset, nVox);
  if (typed instanceof BigInt64Array || typed instanceof BigUint64Array) {
    const f = new Float64Array(nVox);
    for (let i = 0; i < nVox; i++) f[i] = Number(typed[i]);
    return f;
  }
  if (code === 128 || code === 2304) return colourToGrey(typed as Uint8Array, code === 128 ? 3 : 4);
  return typed;
}

function volumeIndex(layout: Layout, options: ReadNiftiOptions, path: string, dims: readonly number[]): number {
  const { nVolumes, ndim } = layout;
  if (nVolumes > 1 && options.volume === undefined) {
    throw new ImageIoError(
      FORMAT,
      path,
      `${ndim}D file with ${nVolumes} volumes (dims ${dims.slice(1, ndim + 1).join('x')}); pass { volume: i } to read one`,
    );
  }
  const volume = nVolumes > 1 ? options.volume! : 0;
  if (!Number.isInteger(volume) || volume < 0 || volume >= nVolumes) {
    throw new ImageIoError(FORMAT, path, `volume ${options.volume} out of range: the file has ${nVolumes} volume(s)`);
  }
  return volume;
}

/**
 * The voxel bytes present (`have`) must be those the header declares; trailing bytes shorter than one slice are
 * padding, more mean that a dim is wrong (dim[2] = 1 on a 24x48 image would read its first row only).
 */
function checkVoxelBytes(total: number, offset: number, declared: number, sliceBytes: number, path: string): void {
  const have = total - offset;
  if (have < declared) {
    throw new ImageIoError(
      FORMAT,
      path,
      `truncated: header says ${declared} bytes of voxels from offset ${offset}, file has ${Math.max(0, have)}`,
    );
  }
  if (have - declared >= Math.max(sliceBytes, 1)) {
    throw new ImageIoError(
      FORMAT,
      path,
      `the file holds ${have} bytes of voxels, the header's dim declares ${declared}: at least one slice more (a wrong dim?)`,
    );
  }
}

/** Reads a NIfTI-1/2 file (.nii, .nii.gz, .hdr/.img) into the canonical LPS Image. */
export async function readNifti(path: string, options: ReadNiftiOptions = {}): Promise<Image> {
  const warn = options.onWarning ?? ((m: string) => console.warn(m));
  const fileBuf = await readBytes(path);
  if (fileBuf.length === 0) throw new ImageIoError(FORMAT, path, 'empty file');
  const head = await headBytes(fileBuf, path);
  const parsed = parseHeader(head, path);
  const { h, version } = parsed;
  const layout = headerLayout(h, path);
  const volume = volumeIndex(layout, options, path, h.dims);
  // the header's sizes are checked against the bytes present before the voxels are decompressed or copied
  const src = await voxelSource(fileBuf, head, version, Number(h.vox_offset), path);
  const { size, info, nVolumes } = layout;
  const volBytes = size[0] * size[1] * size[2] * info.bytes;
  const totalBytes = volBytes * nVolumes;
  const { data, total } = await dataBytes(src.file, src.offset + totalBytes, src.dataPath);
  checkVoxelBytes(total, src.offset, totalBytes, volBytes / size[2], src.dataPath);
  const raw = voxels(data, src.offset + volume * volBytes, layout, h.littleEndian);
  const scaled = applyScaling(raw, h.scl_slope, h.scl_inter);
  const ras = headerAffineRas(parsed, layout, path, warn);
  try {
    return reorientToLps(scaled, size, flipRasLps(ras), path);
  } catch (err) {
    throw wrapError(FORMAT, path, 'bad geometry', err);
  }
}
