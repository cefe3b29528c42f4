/**
 * DICOM reader: single files and series folders, parsed with dicom-parser.
 *
 * - A folder is read as one series: every regular file in it (not recursive) is parsed; files that are not
 *   DICOM images (no DICM prefix, no pixel data: DICOMDIR, reports, stray files) are skipped with a warning.
 *   Files are grouped by SeriesInstanceUID; a folder holding several series is an error listing them unless
 *   `seriesUid` picks one. The frames are sorted and stacked into a canonical LPS volume (dicom/volume.ts).
 * - A multi-frame file is read as a volume the same way: per-frame positions of enhanced objects when present,
 *   else (legacy multi-frame) frame f at ImagePositionPatient + f x SpacingBetweenSlices (or SliceThickness, or
 *   1 mm) along the slice normal, else the identity geometry of dicom/volume.ts.
 * - A single-frame file is read as a 2D image [rows, cols] in its stored row/column order, with PixelSpacing
 *   (or ImagerPixelSpacing) as spacing, origin [0, 0] and identity direction: a slice read alone has no volume
 *   orientation. Read its folder to get it placed in the patient's LPS space.
 *
 * Pixel values: BitsStored/HighBit masks, signed data, MONOCHROME1 inversion and colour-to-grey (dicom/pixels.ts),
 * RescaleSlope/Intercept to modality units such as HU (dicom/volume.ts). Transfer syntaxes: dicom/codecs.ts.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ImageIoError, wrapError } from './errors.js';
import type { Image } from './image.js';
import { type DicomFile, FORMAT, NotAnImageError, parseDicomBuffer } from './dicom/parse.js';
import { type VolumeOptions, assembleSlice, assembleVolume } from './dicom/volume.js';

export { SUPPORTED_TRANSFER_SYNTAXES } from './dicom/codecs.js';

export interface ReadDicomOptions extends VolumeOptions {
  /** the SeriesInstanceUID to read from a folder that holds several series */
  seriesUid?: string;
}

/** A series found in a folder. */
export interface DicomSeriesInfo {
  seriesUid: string;
  files: string[];
}

/** Reads a DICOM file (2D image, or a volume for a multi-frame file) or a series folder (volume). */
export async function readDicom(path: string, options: ReadDicomOptions = {}): Promise<Image> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch (err) {
    throw wrapError(FORMAT, path, 'cannot read', err);
  }
  return isDir ? readDicomSeries(path, options) : readDicomFile(path, options);
}

/** Parses a file; throws an ImageIoError naming the file when it is not a usable DICOM image. */
async function parseDicomFile(path: string): Promise<DicomFile> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (err) {
    throw wrapError(FORMAT, path, 'cannot read file', err);
  }
  if (buf.length === 0) throw new ImageIoError(FORMAT, path, 'empty file');
  return parseDicomBuffer(buf, path);
}

/** One file: a 2D image when it has one frame, a volume when it has several. */
export async function readDicomFile(path: string, options: VolumeOptions = {}): Promise<Image> {
  const file = await parseDicomFile(path);
  if (file.frames.length === 1) return assembleSlice(file, options);
  return assembleVolume([file], path, options);
}

async function parseFolder(dir: string, warn: (m: string) => void): Promise<DicomFile[]> {
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true }))
      .filter((d) => d.isFile() && !d.name.startsWith('.'))
      .map((d) => d.name);
  } catch (err) {
    throw wrapError(FORMAT, dir, 'cannot list folder', err);
  }
  names.sort();
  const files: DicomFile[] = [];
  for (const name of names) {
    try {
      files.push(await parseDicomFile(join(dir, name)));
    } catch (err) {
      if (err instanceof NotAnImageError) {
        warn(`${err.message}: skipped`);
        continue;
      }
      throw err;
    }
  }
  if (files.length === 0)
    throw new ImageIoError(FORMAT, dir, `no DICOM image files in the folder (${names.length} files looked at)`);
  return files;
}

function groupBySeries(files: DicomFile[]): DicomSeriesInfo[] {
  const bySeries = new Map<string, string[]>();
  for (const f of files) {
    const list = bySeries.get(f.seriesUid) ?? [];
    list.push(f.path);
    bySeries.set(f.seriesUid, list);
  }
  return [...bySeries].map(([seriesUid, paths]) => ({ seriesUid, files: paths }));
}

/** Lists the image series of a folder (parses every file; no pixel decoding). */
export async function listDicomSeries(
  dir: string,
  options: { onWarning?: (m: string) => void } = {},
): Promise<DicomSeriesInfo[]> {
  return groupBySeries(await parseFolder(dir, options.onWarning ?? ((m) => console.warn(m))));
}

/** A folder holding one series (or several and `seriesUid`) -> canonical LPS volume. */
export async function readDicomSeries(dir: string, options: ReadDicomOptions = {}): Promise<Image> {
  const warn = options.onWarning ?? ((m: string) => console.warn(m));
  const files = await parseFolder(dir, warn);
  const series = groupBySeries(files);
  let chosen: DicomFile[];
  if (options.seriesUid !== undefined) {
    chosen = files.filter((f) => f.seriesUid === options.seriesUid);
    if (chosen.length === 0) {
      throw new ImageIoError(
        FORMAT,
        dir,
        `no files of series ${options.seriesUid}; the folder has: ${series.map((s) => s.seriesUid || '(no SeriesInstanceUID)').join(', ')}`,
      );
    }
  } else if (series.length > 1) {
    const list = series.map((s) => `${s.seriesUid || '(no SeriesInstanceUID)'} (${s.files.length} files)`).join(', ');
    throw new ImageIoError(
      FORMAT,
      dir,
      `the folder mixes ${series.length} series: ${list}; pass { seriesUid } to choose one`,
    );
  } else {
    chosen = files;
  }
  return assembleVolume(chosen, dir, options);
}
