// Hand-built NIfTI files for the tests, written field by field from the NIfTI-1/NIfTI-2 header layouts
// (nifti1.h / nifti2.h), independently of src/io/nifti.ts.

export interface NiftiSpec {
  version?: 1 | 2;
  /** dim[1..] (dim[0] = its length) */
  dims: number[];
  datatype: number;
  bitpix: number;
  /** pixdim[0..7] */
  pixdim: number[];
  qformCode?: number;
  sformCode?: number;
  /** quatern_b, c, d, qoffset_x, y, z */
  quatern?: number[];
  /** srow_x, srow_y, srow_z (12 numbers) */
  srow?: number[];
  sclSlope?: number;
  sclInter?: number;
  xyztUnits?: number;
  bigEndian?: boolean;
  /** voxel bytes, already in the file's byte order */
  data: Uint8Array;
  /** 'ni1' makes a .hdr of a pair (then data is not appended) */
  pair?: boolean;
}

export function niftiBytes(s: NiftiSpec): Buffer {
  const v = s.version ?? 1;
  const le = !s.bigEndian;
  const hdr = v === 1 ? 348 : 540;
  const off = s.pair ? 0 : hdr + 4;
  const buf = Buffer.alloc(s.pair ? hdr : off + s.data.length);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dims = [s.dims.length, ...s.dims];
  while (dims.length < 8) dims.push(1);
  const q = s.quatern ?? [0, 0, 0, 0, 0, 0];
  const r = s.srow ?? new Array(12).fill(0);
  if (v === 1) {
    dv.setInt32(0, 348, le);
    dims.forEach((d, i) => dv.setInt16(40 + 2 * i, d, le));
    dv.setInt16(70, s.datatype, le);
    dv.setInt16(72, s.bitpix, le);
    s.pixdim.forEach((p, i) => dv.setFloat32(76 + 4 * i, p, le));
    dv.setFloat32(108, off, le);
    dv.setFloat32(112, s.sclSlope ?? 0, le);
    dv.setFloat32(116, s.sclInter ?? 0, le);
    dv.setUint8(123, s.xyztUnits ?? 2);
    dv.setInt16(252, s.qformCode ?? 0, le);
    dv.setInt16(254, s.sformCode ?? 0, le);
    q.forEach((x, i) => dv.setFloat32(256 + 4 * i, x, le));
    r.forEach((x, i) => dv.setFloat32(280 + 4 * i, x, le));
    buf.write(s.pair ? 'ni1\0' : 'n+1\0', 344, 'latin1');
  } else {
    dv.setInt32(0, 540, le);
    buf.write(s.pair ? 'ni2\0\r\n\x1a\n' : 'n+2\0\r\n\x1a\n', 4, 'latin1');
    dv.setInt16(12, s.datatype, le);
    dv.setInt16(14, s.bitpix, le);
    dims.forEach((d, i) => dv.setBigInt64(16 + 8 * i, BigInt(d), le));
    s.pixdim.forEach((p, i) => dv.setFloat64(104 + 8 * i, p, le));
    dv.setBigInt64(168, BigInt(off), le);
    dv.setFloat64(176, s.sclSlope ?? 0, le);
    dv.setFloat64(184, s.sclInter ?? 0, le);
    dv.setInt32(344, s.qformCode ?? 0, le);
    dv.setInt32(348, s.sformCode ?? 0, le);
    q.forEach((x, i) => dv.setFloat64(352 + 8 * i, x, le));
    r.forEach((x, i) => dv.setFloat64(400 + 8 * i, x, le));
    dv.setInt32(500, s.xyztUnits ?? 2, le);
  }
  if (!s.pair) buf.set(s.data, off);
  return buf;
}

/** Little-endian bytes of a typed array (copy). */
export function leBytes(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
}
