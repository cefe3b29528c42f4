/**
 * The NIfTI-1/NIfTI-2 header as the reader uses it, checked before any voxel is touched (docs/data.md):
 *
 * - dim[0] in 1..7; dim[1..dim[0]] whole numbers >= 1 (a 0 is an error, not a silent 1); dim[i] beyond dim[0] at
 *   most 1 (a larger one means dim[0] is wrong).
 * - the datatype is supported and bitpix agrees with it.
 * - the voxel-to-world matrix follows nibabel: sform when sform_code > 0, else qform when qform_code > 0, else
 *   diag(pixdim). Where pixdim[1..3] is used (qform, or no xform), the voxel size of an axis of more than one voxel
 *   must be a finite number > 0 (else an error naming pixdim[i]); an axis of one voxel with an invalid pixdim gets
 *   1 mm (with a warning when the axis is one of dim[1..dim[0]]).
 */
import * as niftiLib from 'nifti-reader-js';
import { type Affine, quaternToAffine } from './affine.js';
import { ImageIoError, wrapError } from './errors.js';
import type { PixelArray } from './image.js';

export const FORMAT = 'nifti';

export type Header = niftiLib.NIFTI1 | niftiLib.NIFTI2;

export interface TypeInfo {
  bytes: number;
  make: (buf: ArrayBuffer, offset: number, n: number) => PixelArray | BigInt64Array | BigUint64Array;
  name: string;
}

const DATATYPES: Record<number, TypeInfo> = {
  2: { bytes: 1, make: (b, o, n) => new Uint8Array(b, o, n), name: 'uint8' },
  4: { bytes: 2, make: (b, o, n) => new Int16Array(b, o, n), name: 'int16' },
  8: { bytes: 4, make: (b, o, n) => new Int32Array(b, o, n), name: 'int32' },
  16: { bytes: 4, make: (b, o, n) => new Float32Array(b, o, n), name: 'float32' },
  64: { bytes: 8, make: (b, o, n) => new Float64Array(b, o, n), name: 'float64' },
  256: { bytes: 1, make: (b, o, n) => new Int8Array(b, o, n), name: 'int8' },
  512: { bytes: 2, make: (b, o, n) => new Uint16Array(b, o, n), name: 'uint16' },
  768: { bytes: 4, make: (b, o, n) => new Uint32Array(b, o, n), name: 'uint32' },
  1024: { bytes: 8, make: (b, o, n) => new BigInt64Array(b, o, n), name: 'int64' },
  1280: { bytes: 8, make: (b, o, n) => new BigUint64Array(b, o, n), name: 'uint64' },
  128: { bytes: 3, make: (b, o, n) => new Uint8Array(b, o, 3 * n), name: 'rgb24' },
  2304: { bytes: 4, make: (b, o, n) => new Uint8Array(b, o, 4 * n), name: 'rgba32' },
};

const UNSUPPORTED: Record<number, string> = {
  1: 'binary (1 bit)',
  32: 'complex64',
  1536: 'float128',
  1792: 'complex128',
  2048: 'complex256',
};

export interface ParsedHeader {
  h: Header;
  version: 1 | 2;
  view: DataView;
}

/** Parses the header from the first bytes of the (decompressed) file; extensions are not read. */
export function parseHeader(head: Buffer, path: string): ParsedHeader {
  if (head.length < 348) {
    throw new ImageIoError(FORMAT, path, `truncated: ${head.length} bytes, a NIfTI header needs at least 348`);
  }
  // a copy of the header (and the extension flag, cleared: extensions are not used and may lie beyond `head`)
  const copy = Uint8Array.from(head.subarray(0, Math.min(head.length, 544)));
  const ab = copy.buffer;
  const isV2 = niftiLib.isNIFTI2(ab, true);
  if (!isV2 && !niftiLib.isNIFTI1(ab, true)) {
    const magic = head
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
  if (version === 2 && head.length < 540) {
    throw new ImageIoError(FORMAT, path, `truncated: ${head.length} bytes, a NIfTI-2 header needs 540`);
  }
  const flag = version === 1 ? 348 : 540;
  if (copy.length > flag) copy[flag] = 0;
  try {
    return { h: niftiLib.readHeader(ab, true), version, view: new DataView(ab) };
  } catch (err) {
    throw wrapError(FORMAT, path, 'cannot parse header', err);
  }
}

export interface Layout {
  ndim: number;
  /** x, y, z voxels (1 for axes beyond dim[0]) */
  size: [number, number, number];
  nVolumes: number;
  code: number;
  info: TypeInfo;
}

/** Dimensions and datatype, checked (see the module comment). */
export function headerLayout(h: Header, path: string): Layout {
  const ndim = h.dims[0]!;
  if (!(ndim >= 1 && ndim <= 7)) throw new ImageIoError(FORMAT, path, `invalid dim[0] = ${ndim} (must be 1..7)`);
  for (let i = 1; i <= 7; i++) {
    const d = h.dims[i]!;
    if (i <= ndim && !(Number.isSafeInteger(d) && d >= 1))
      throw new ImageIoError(FORMAT, path, `invalid dim[${i}] = ${d}: dim[1..${ndim}] must be whole numbers >= 1`);
    if (i > ndim && d > 1)
      throw new ImageIoError(
        FORMAT,
        path,
        `dim[${i}] = ${d} but dim[0] = ${ndim}: an axis beyond dim[0] must have size 1 (is dim[0] wrong?)`,
      );
  }
  const dim = (i: number): number => (i <= ndim ? h.dims[i]! : 1);
  let nVolumes = 1;
  for (let i = 4; i <= 7; i++) nVolumes *= dim(i);
  const code = h.datatypeCode;
  const info = DATATYPES[code];
  if (!info) {
    const what = UNSUPPORTED[code] ?? 'unknown';
    throw new ImageIoError(FORMAT, path, `unsupported datatype ${code} (${what})`);
  }
  if (h.numBitsPerVoxel !== 0 && h.numBitsPerVoxel !== info.bytes * 8) {
    throw new ImageIoError(FORMAT, path, `bitpix ${h.numBitsPerVoxel} does not match datatype ${info.name}`);
  }
  return { ndim, size: [dim(1), dim(2), dim(3)], nVolumes, code, info };
}

/** Reads the 12 sform numbers (srow_x, srow_y, srow_z) straight from the header bytes. */
function readSform(view: DataView, version: 1 | 2, le: boolean): Affine {
  const out: number[] = [];
  for (let i = 0; i < 12; i++) {
    out.push(version === 1 ? view.getFloat32(280 + 4 * i, le) : view.getFloat64(400 + 8 * i, le));
  }
  return out;
}

/** pixdim[1..3] as voxel sizes: checked where they are used (see the module comment). */
function voxelSizes(h: Header, layout: Layout, path: string, warn: (m: string) => void): number[] {
  return [1, 2, 3].map((i) => {
    const v = h.pixDims[i]!;
    if (Number.isFinite(v) && v > 0) return v;
    if (layout.size[i - 1]! > 1)
      throw new ImageIoError(
        FORMAT,
        path,
        `pixdim[${i}] = ${v}: the voxel size of axis ${i} (dim[${i}] = ${layout.size[i - 1]}) must be a finite number > 0`,
      );
    if (i <= layout.ndim) warn(`${FORMAT}: ${path}: pixdim[${i}] = ${v} on an axis of one voxel: 1 mm assumed`);
    return 1;
  });
}

/** Voxel-to-world (RAS, mm) by the sform > qform > pixdim rule. */
export function headerAffineRas(
  { h, view, version }: ParsedHeader,
  layout: Layout,
  path: string,
  warn: (m: string) => void,
): Affine {
  let a: Affine;
  if (h.sform_code > 0) {
    a = readSform(view, version, h.littleEndian);
  } else if (h.qform_code > 0) {
    const [dx, dy, dz] = voxelSizes(h, layout, path, warn);
    const q = h as unknown as { quatern_b: number; quatern_c: number; quatern_d: number };
    a = quaternToAffine({
      b: q.quatern_b,
      c: q.quatern_c,
      d: q.quatern_d,
      qx: h.qoffset_x,
      qy: h.qoffset_y,
      qz: h.qoffset_z,
      dx: dx!,
      dy: dy!,
      dz: dz!,
      qfac: h.pixDims[0]! < 0 ? -1 : 1,
    });
  } else {
    const d = voxelSizes(h, layout, path, warn);
    a = [d[0]!, 0, 0, 0, 0, d[1]!, 0, 0, 0, 0, d[2]!, 0];
  }
  if (!a.every(Number.isFinite)) {
    throw new ImageIoError(FORMAT, path, `non-finite voxel-to-world matrix in the header: [${a.join(', ')}]`);
  }
  // xyzt_units & 7: 1 metre, 2 mm, 3 micron; unknown (0) is taken as mm
  const units = h.xyzt_units & 7;
  const scale = units === 1 ? 1000 : units === 3 ? 0.001 : 1;
  return scale === 1 ? a : a.map((x) => x * scale);
}
