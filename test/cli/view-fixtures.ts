/**
 * Inputs for the viewer's browser tests: a phantom stored in another voxel order, a DICOM series written from a
 * volume, and NIfTI files with a chosen header (for the bad-input cases).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Image } from '../../src/io/image.js';
import { dicomFile, ds, pixelModule } from '../io/dicom-bytes.js';

/** the phantom with x and y stored reversed (RAS+ voxel order): the same world, another file layout */
export function rasStored(img: Image): Image {
  const [nz, ny, nx] = img.shape as [number, number, number];
  const data = new (img.data.constructor as new (n: number) => Image['data'])(img.data.length);
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) data[(z * ny + y) * nx + x] = img.data[(z * ny + (ny - 1 - y)) * nx + (nx - 1 - x)]!;
  const [, sy, sx] = img.spacing as [number, number, number];
  const origin = [img.origin[0]! + (nx - 1) * sx, img.origin[1]! + (ny - 1) * sy, img.origin[2]!];
  return { ...img, data, origin, direction: [-1, 0, 0, 0, -1, 0, 0, 0, 1] };
}

/** a canonical int16 volume as an axial DICOM series (one native explicit-VR file per slice, test writer) */
export function writeDicomSeries(img: Image, folder: string): void {
  mkdirSync(folder, { recursive: true });
  const [nz, ny, nx] = img.shape as [number, number, number];
  const [sz, sy, sx] = img.spacing as [number, number, number];
  for (let z = 0; z < nz; z++) {
    const words = Buffer.from(Int16Array.from(img.data.subarray(z * ny * nx, (z + 1) * ny * nx)).buffer);
    const position = [img.origin[0]!, img.origin[1]!, img.origin[2]! + z * sz];
    const els = [
      ...pixelModule({ rows: ny, cols: nx, bitsAllocated: 16, signed: true }),
      { tag: 0x0020000e, vr: 'UI', value: '1.2.826.0.1.3680043.2.1125.1' },
      { tag: 0x00200013, vr: 'IS', value: String(nz - z) },
      { tag: 0x00200032, vr: 'DS', value: ds(position) },
      { tag: 0x00200037, vr: 'DS', value: ds([1, 0, 0, 0, 1, 0]) },
      { tag: 0x00280030, vr: 'DS', value: ds([sy, sx]) },
      { tag: 0x7fe00010, vr: 'OW', value: words },
    ];
    writeFileSync(join(folder, `IM${String(z).padStart(4, '0')}`), dicomFile(els));
  }
}

/** a NIfTI-1 file: header with these dims and datatype, then `voxelBytes` bytes */
export function niftiFile(dims: number[], code: number, bitpix: number, voxelBytes: number): Uint8Array {
  const b = new Uint8Array(352 + voxelBytes);
  const v = new DataView(b.buffer);
  v.setInt32(0, 348, true);
  [dims.length, ...dims].forEach((d, i) => v.setInt16(40 + 2 * i, d, true));
  v.setInt16(70, code, true);
  v.setInt16(72, bitpix, true);
  [1, 1, 1, 1, 1].forEach((p, i) => v.setFloat32(76 + 4 * i, p, true));
  v.setFloat32(108, 352, true);
  b.set([0x6e, 0x2b, 0x31, 0], 344);
  return b;
}
