/**
 * One DICOM file parsed with dicom-parser: the attributes the readers need (pixel format, per-frame geometry and
 * rescale) and access to each frame's (possibly compressed) bytes. No pixel decoding here. No file access either
 * (dicom.ts reads the files): the browser viewer bundles this module.
 */
import dicomParser from 'dicom-parser';
import type { DataSet, Element } from 'dicom-parser';
import { ImageIoError, wrapError } from '../errors.js';
import { type TransferSyntax, transferSyntax } from './codecs.js';

export const FORMAT = 'dicom';

/** The file is not a DICOM image (no DICM prefix, or no pixel data): a series reader may skip it. */
export class NotAnImageError extends ImageIoError {}

export interface PixelFormat {
  rows: number;
  cols: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  /** 0 unsigned, 1 two's complement */
  pixelRepresentation: number;
  photometric: string;
  /** 0 interleaved (RGBRGB), 1 planar (RRR..GGG..BBB) */
  planarConfiguration: number;
}

export interface FrameInfo {
  /** ImagePositionPatient: world (LPS, mm) centre of the frame's first pixel */
  position?: [number, number, number];
  /** ImageOrientationPatient: row direction (increasing column index), then column direction */
  orientation?: [number, number, number, number, number, number];
  /** PixelSpacing: [between rows, between columns] in mm */
  pixelSpacing?: [number, number];
  sliceThickness?: number;
  spacingBetweenSlices?: number;
  slope: number;
  intercept: number;
}

export interface DicomFile {
  path: string;
  dataSet: DataSet;
  transferSyntax: TransferSyntax;
  seriesUid: string;
  instanceNumber?: number;
  format: PixelFormat;
  /** one entry per frame */
  frames: FrameInfo[];
}

const T = {
  transferSyntax: 'x00020010',
  seriesUid: 'x0020000e',
  instanceNumber: 'x00200013',
  samplesPerPixel: 'x00280002',
  photometric: 'x00280004',
  planar: 'x00280006',
  numberOfFrames: 'x00280008',
  rows: 'x00280010',
  cols: 'x00280011',
  pixelSpacing: 'x00280030',
  imagerPixelSpacing: 'x00181164',
  bitsAllocated: 'x00280100',
  bitsStored: 'x00280101',
  highBit: 'x00280102',
  pixelRepresentation: 'x00280103',
  intercept: 'x00281052',
  slope: 'x00281053',
  position: 'x00200032',
  orientation: 'x00200037',
  sliceThickness: 'x00180050',
  spacingBetweenSlices: 'x00180088',
  pixelData: 'x7fe00010',
  sharedGroups: 'x52009229',
  perFrameGroups: 'x52009230',
  planePositionSeq: 'x00209113',
  planeOrientationSeq: 'x00209116',
  pixelMeasuresSeq: 'x00289110',
  pixelValueTransformSeq: 'x00289145',
} as const;

function numbers(ds: DataSet | undefined, tag: string): number[] | undefined {
  const s = ds?.string(tag);
  if (s === undefined || s.trim() === '') return undefined;
  const v = s.split('\\').map((x) => Number.parseFloat(x));
  return v.every(Number.isFinite) ? v : undefined;
}

function first(ds: DataSet | undefined, tag: string): number | undefined {
  return numbers(ds, tag)?.[0];
}

/** The data set of the first item of a sequence inside `ds`. */
function seqItem(ds: DataSet | undefined, tag: string): DataSet | undefined {
  return ds?.elements[tag]?.items?.[0]?.dataSet;
}

/** Reads the geometry/rescale attributes found in `ds` (a file, or a functional-group item) over `into`. */
function readFrameAttrs(ds: DataSet | undefined, into: FrameInfo, functionalGroup: boolean): void {
  if (!ds) return;
  const posDs = functionalGroup ? seqItem(ds, T.planePositionSeq) : ds;
  const oriDs = functionalGroup ? seqItem(ds, T.planeOrientationSeq) : ds;
  const measDs = functionalGroup ? seqItem(ds, T.pixelMeasuresSeq) : ds;
  const pvtDs = functionalGroup ? seqItem(ds, T.pixelValueTransformSeq) : ds;
  const p = numbers(posDs, T.position);
  if (p && p.length >= 3) into.position = [p[0], p[1], p[2]];
  const o = numbers(oriDs, T.orientation);
  if (o && o.length >= 6) into.orientation = [o[0], o[1], o[2], o[3], o[4], o[5]];
  const ps = numbers(measDs, T.pixelSpacing) ?? (functionalGroup ? undefined : numbers(ds, T.imagerPixelSpacing));
  if (ps && ps.length >= 2 && ps[0] > 0 && ps[1] > 0) into.pixelSpacing = [ps[0], ps[1]];
  const st = first(measDs, T.sliceThickness);
  if (st !== undefined && st > 0) into.sliceThickness = st;
  const sbs = first(measDs, T.spacingBetweenSlices);
  if (sbs !== undefined && sbs > 0) into.spacingBetweenSlices = sbs;
  const slope = first(pvtDs, T.slope);
  if (slope !== undefined && slope !== 0) into.slope = slope;
  const intercept = first(pvtDs, T.intercept);
  if (intercept !== undefined) into.intercept = intercept;
}

function parseBytes(buf: Uint8Array, path: string): DataSet {
  // "DICM" at byte 128
  const hasPrefix =
    buf.length >= 132 && buf[128] === 0x44 && buf[129] === 0x49 && buf[130] === 0x43 && buf[131] === 0x4d;
  if (hasPrefix) {
    try {
      return dicomParser.parseDicom(buf);
    } catch (err) {
      throw wrapError(FORMAT, path, 'cannot parse (corrupt or truncated file?)', err);
    }
  }
  // a raw data set without the Part 10 preamble: implicit VR little endian by default (PS3.5 A.1)
  try {
    const ds = dicomParser.parseDicom(buf, { TransferSyntaxUID: '1.2.840.10008.1.2' });
    if (ds.elements[T.rows] && ds.elements[T.pixelData]) return ds;
  } catch {
    // not a raw data set either
  }
  throw new NotAnImageError(FORMAT, path, 'not a DICOM file (no "DICM" at byte 128 and not a raw data set)');
}

/** Parses the bytes of a file; throws an ImageIoError naming `path` when it is not a usable DICOM image. */
export function parseDicomBuffer(buf: Uint8Array, path: string): DicomFile {
  const ds = parseBytes(buf, path);
  if (!ds.elements[T.pixelData]) throw new NotAnImageError(FORMAT, path, 'no pixel data (7FE0,0010): not an image');
  const tsUid = (ds.string(T.transferSyntax) ?? '1.2.840.10008.1.2').replace(/\0/g, '').trim();
  let ts: TransferSyntax;
  try {
    ts = transferSyntax(tsUid);
  } catch (err) {
    throw wrapError(FORMAT, path, 'cannot decode pixels', err);
  }
  const rows = ds.uint16(T.rows);
  const cols = ds.uint16(T.cols);
  if (!rows || !cols) throw new ImageIoError(FORMAT, path, `missing or zero Rows/Columns (${rows}, ${cols})`);
  const bitsAllocated = ds.uint16(T.bitsAllocated) ?? 0;
  const bitsStored = ds.uint16(T.bitsStored) ?? bitsAllocated;
  const format: PixelFormat = {
    rows,
    cols,
    samplesPerPixel: ds.uint16(T.samplesPerPixel) ?? 1,
    bitsAllocated,
    bitsStored,
    highBit: ds.uint16(T.highBit) ?? bitsStored - 1,
    pixelRepresentation: ds.uint16(T.pixelRepresentation) ?? 0,
    photometric: (ds.string(T.photometric) ?? 'MONOCHROME2').trim().toUpperCase(),
    planarConfiguration: ds.uint16(T.planar) ?? 0,
  };
  if (![8, 16, 32].includes(bitsAllocated)) {
    throw new ImageIoError(FORMAT, path, `unsupported BitsAllocated ${bitsAllocated} (supported: 8, 16, 32)`);
  }
  if (
    !(bitsStored >= 1 && bitsStored <= bitsAllocated) ||
    format.highBit < bitsStored - 1 ||
    format.highBit >= bitsAllocated
  ) {
    throw new ImageIoError(
      FORMAT,
      path,
      `inconsistent BitsStored ${bitsStored} / HighBit ${format.highBit} / BitsAllocated ${bitsAllocated}`,
    );
  }
  const nFrames = Math.max(1, Math.round(first(ds, T.numberOfFrames) ?? 1));

  // geometry and rescale: top level, then shared functional groups, then per-frame groups (enhanced objects)
  const base: FrameInfo = { slope: 1, intercept: 0 };
  readFrameAttrs(ds, base, false);
  const shared = ds.elements[T.sharedGroups]?.items?.[0]?.dataSet;
  readFrameAttrs(shared, base, true);
  const perFrame = ds.elements[T.perFrameGroups]?.items;
  const frames: FrameInfo[] = [];
  for (let f = 0; f < nFrames; f++) {
    const fi: FrameInfo = { ...base };
    if (perFrame && perFrame[f]) readFrameAttrs(perFrame[f].dataSet, fi, true);
    frames.push(fi);
  }
  // legacy multi-frame (one ImagePositionPatient for the file): frame f lies f slice steps along the normal,
  // the step being SpacingBetweenSlices, else SliceThickness, else 1 mm
  const p0 = base.position;
  const o = base.orientation;
  if (nFrames > 1 && p0 && o && frames.every((fr) => fr.position === p0)) {
    const n = [o[1] * o[5] - o[2] * o[4], o[2] * o[3] - o[0] * o[5], o[0] * o[4] - o[1] * o[3]];
    const dz = base.spacingBetweenSlices ?? base.sliceThickness ?? 1;
    frames.forEach((fr, f) => {
      fr.position = [p0[0] + f * dz * n[0], p0[1] + f * dz * n[1], p0[2] + f * dz * n[2]];
    });
  }
  const file: DicomFile = {
    path,
    dataSet: ds,
    transferSyntax: ts,
    seriesUid: (ds.string(T.seriesUid) ?? '').trim(),
    format,
    frames,
  };
  const inst = ds.intString(T.instanceNumber);
  if (inst !== undefined && Number.isFinite(inst)) file.instanceNumber = inst;
  return file;
}

/** Bytes of one frame: the native bytes, or the compressed stream of an encapsulated frame. */
export function frameBytes(file: DicomFile, index: number): Uint8Array {
  const ds = file.dataSet;
  const el: Element = ds.elements[T.pixelData];
  const f = file.format;
  const nFrames = file.frames.length;
  if (file.transferSyntax.encoding === 'native') {
    const frameSize = f.rows * f.cols * f.samplesPerPixel * (f.bitsAllocated / 8);
    const available = Math.min(el.length, ds.byteArray.length - el.dataOffset);
    if (available < frameSize * nFrames) {
      throw new ImageIoError(
        FORMAT,
        file.path,
        `truncated: pixel data has ${Math.max(0, available)} bytes, ${nFrames} frame(s) of ${f.cols}x${f.rows}x${f.samplesPerPixel}x${f.bitsAllocated / 8} need ${frameSize * nFrames}`,
      );
    }
    const start = ds.byteArray.byteOffset + el.dataOffset + index * frameSize;
    return new Uint8Array(ds.byteArray.buffer, start, frameSize);
  }
  if (!el.encapsulatedPixelData || !el.fragments) {
    throw new ImageIoError(
      FORMAT,
      file.path,
      `transfer syntax ${file.transferSyntax.uid} needs encapsulated pixel data, found native`,
    );
  }
  try {
    // the frame-location logic of cornerstone's DICOM image loader
    let bytes: Uint8Array;
    if (el.basicOffsetTable && el.basicOffsetTable.length > 0) {
      bytes = dicomParser.readEncapsulatedImageFrame(ds, el, index);
    } else if (nFrames === 1) {
      bytes = dicomParser.readEncapsulatedPixelDataFromFragments(ds, el, 0, el.fragments.length);
    } else if (el.fragments.length === nFrames) {
      bytes = dicomParser.readEncapsulatedPixelDataFromFragments(ds, el, index, 1);
    } else {
      const table = dicomParser.createJPEGBasicOffsetTable(ds, el);
      bytes = dicomParser.readEncapsulatedImageFrame(ds, el, index, table);
    }
    return bytes;
  } catch (err) {
    throw wrapError(FORMAT, file.path, `cannot locate frame ${index} in the encapsulated pixel data`, err);
  }
}
