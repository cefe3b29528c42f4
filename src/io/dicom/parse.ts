/**
 * One DICOM file parsed with dicom-parser: the attributes the readers need (pixel format, per-frame geometry and
 * rescale) and access to each frame's (possibly compressed) bytes. No pixel decoding here. No file access either
 * (dicom.ts reads the files): the browser viewer bundles this module.
 */
import dicomParser from 'dicom-parser';
import type { DataSet, Element } from 'dicom-parser';
import { ImageIoError, wrapError } from '../errors.js';
import { FORMAT, type FrameInfo, T, numberOfFrames, readFrameAttrs, tagName } from './attrs.js';
import { type TransferSyntax, transferSyntax } from './codecs.js';

export { FORMAT, type FrameInfo } from './attrs.js';

/** The largest array buffer Node 20 allocates (buffer.constants.MAX_LENGTH; not imported: browsers bundle this file) */
const MAX_DECODED_BYTES = 2 ** 32;

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

/**
 * Checks the declared size (NumberOfFrames x Rows x Columns x SamplesPerPixel x BitsAllocated) against the pixel
 * data actually present, before anything is allocated. Native data must hold exactly the declared frames (a
 * trailing partial frame is padding; a whole extra frame means NumberOfFrames or the pixel format is wrong).
 * Encapsulated data must have a fragment per frame at least (and a basic offset table, when present, an entry per
 * frame), and its decoded size must fit in one JavaScript buffer.
 */
function checkPixelDataSize(ds: DataSet, f: PixelFormat, nFrames: number, ts: TransferSyntax, path: string): void {
  const el: Element = ds.elements[T.pixelData]!;
  const frameSize = f.rows * f.cols * f.samplesPerPixel * (f.bitsAllocated / 8);
  const declared = `NumberOfFrames ${nFrames} x Rows ${f.rows} x Columns ${f.cols} x SamplesPerPixel ${f.samplesPerPixel} x BitsAllocated ${f.bitsAllocated}/8`;
  const need = frameSize * nFrames;
  if (ts.encoding === 'native') {
    const available = Math.max(0, Math.min(el.length, ds.byteArray.length - el.dataOffset));
    if (available < need)
      throw new ImageIoError(
        FORMAT,
        path,
        `truncated (or a wrong header): ${tagName(T.pixelData)} has ${available} bytes; ${declared} need ${need}`,
      );
    if (available - need >= frameSize)
      throw new ImageIoError(
        FORMAT,
        path,
        `${tagName(T.pixelData)} holds ${Math.floor(available / frameSize)} frames of ${frameSize} bytes but ${declared} = ${need} bytes: NumberOfFrames (or Rows/Columns/BitsAllocated) disagrees with the pixel data`,
      );
    return;
  }
  if (!el.encapsulatedPixelData || !el.fragments)
    throw new ImageIoError(FORMAT, path, `transfer syntax ${ts.uid} needs encapsulated pixel data, found native`);
  const fragments = el.fragments.length;
  const offsets = el.basicOffsetTable?.length ?? 0;
  if (offsets > 0 && offsets !== nFrames)
    throw new ImageIoError(
      FORMAT,
      path,
      `the basic offset table of ${tagName(T.pixelData)} lists ${offsets} frames, NumberOfFrames says ${nFrames}`,
    );
  if (fragments < nFrames)
    throw new ImageIoError(
      FORMAT,
      path,
      `${tagName(T.pixelData)} has ${fragments} fragment(s), too few for NumberOfFrames ${nFrames} (each frame needs one at least)`,
    );
  if (need > MAX_DECODED_BYTES)
    throw new ImageIoError(
      FORMAT,
      path,
      `${declared} = ${need} bytes of decoded pixels, more than one buffer can hold (${MAX_DECODED_BYTES})`,
    );
}

function pixelFormat(ds: DataSet, path: string): PixelFormat {
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
  if (ds.uint16(T.pixelRepresentation) === undefined) {
    // Type 1 in the Image Pixel module; assuming unsigned would misread signed data
    throw new ImageIoError(FORMAT, path, 'missing PixelRepresentation (0028,0103): signed or unsigned is unknown');
  }
  if (format.pixelRepresentation !== 0 && format.pixelRepresentation !== 1) {
    // any other value would silently read signed data as unsigned
    throw new ImageIoError(
      FORMAT,
      path,
      `PixelRepresentation (0028,0103) is ${format.pixelRepresentation}: expected 0 (unsigned) or 1 (signed)`,
    );
  }
  if (!(format.samplesPerPixel >= 1))
    throw new ImageIoError(FORMAT, path, `SamplesPerPixel (0028,0002) is ${format.samplesPerPixel}: expected >= 1`);
  return format;
}

/** Geometry and rescale of every frame: top level, then shared functional groups, then per-frame groups. */
function frameInfos(ds: DataSet, nFrames: number, path: string): FrameInfo[] {
  const base: FrameInfo = { slope: 1, intercept: 0 };
  readFrameAttrs(ds, base, false, { path });
  const shared = ds.elements[T.sharedGroups]?.items?.[0]?.dataSet;
  readFrameAttrs(shared, base, true, { path, group: 'shared functional group' });
  const perFrame = ds.elements[T.perFrameGroups]?.items;
  const frames: FrameInfo[] = [];
  for (let f = 0; f < nFrames; f++) {
    const fi: FrameInfo = { ...base };
    const item = perFrame?.[f];
    if (item) readFrameAttrs(item.dataSet, fi, true, { path, group: `per-frame functional group ${f}` });
    frames.push(fi);
  }
  return frames;
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
  const format = pixelFormat(ds, path);
  const nFrames = numberOfFrames(ds, path);
  checkPixelDataSize(ds, format, nFrames, ts, path);
  const file: DicomFile = {
    path,
    dataSet: ds,
    transferSyntax: ts,
    seriesUid: (ds.string(T.seriesUid) ?? '').trim(),
    format,
    frames: frameInfos(ds, nFrames, path),
  };
  const inst = ds.intString(T.instanceNumber);
  if (inst !== undefined && Number.isFinite(inst)) file.instanceNumber = inst;
  return file;
}

/** Bytes of one frame: the native bytes (sizes checked by parseDicomBuffer), or an encapsulated frame's stream. */
export function frameBytes(file: DicomFile, index: number): Uint8Array {
  const ds = file.dataSet;
  const el: Element = ds.elements[T.pixelData]!;
  const f = file.format;
  const nFrames = file.frames.length;
  if (file.transferSyntax.encoding === 'native') {
    const frameSize = f.rows * f.cols * f.samplesPerPixel * (f.bitsAllocated / 8);
    const start = ds.byteArray.byteOffset + el.dataOffset + index * frameSize;
    return new Uint8Array(ds.byteArray.buffer, start, frameSize);
  }
  const fragments = el.fragments!.length; // encapsulated: checked by parseDicomBuffer
  try {
    // the frame-location logic of cornerstone's DICOM image loader
    let bytes: Uint8Array;
    if (el.basicOffsetTable && el.basicOffsetTable.length > 0) {
      bytes = dicomParser.readEncapsulatedImageFrame(ds, el, index);
    } else if (nFrames === 1) {
      bytes = dicomParser.readEncapsulatedPixelDataFromFragments(ds, el, 0, fragments);
    } else if (fragments === nFrames) {
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
