/**
 * `readImage` / `writeImage`: one entry point choosing the reader or writer.
 *
 * By extension (case-insensitive): .nii, .nii.gz, .hdr -> NIfTI; .dcm, .dicom, .ima -> DICOM file;
 * .png, .jpg, .jpeg -> PNG/JPEG; .mha, .mhd, .nrrd, .nhdr -> ITK. A directory is a DICOM series. A file with
 * another or no extension is read as DICOM when it has the "DICM" prefix at byte 128, else it is an error.
 */
import { open, stat } from 'node:fs/promises';
import { type ReadDicomOptions, readDicom } from './dicom.js';
import { ImageIoError, wrapError } from './errors.js';
import type { Image } from './image.js';
import { readItk, writeItk, type WriteItkOptions } from './itk.js';
import { type ReadNiftiOptions, type WriteNiftiOptions, readNifti, writeNifti } from './nifti.js';
import { type WritePngOptions, readPng, writePng } from './png.js';

export type ImageFormat = 'nifti' | 'dicom' | 'png' | 'itk';

export interface ReadImageOptions {
  nifti?: ReadNiftiOptions;
  dicom?: ReadDicomOptions;
}

export interface WriteImageOptions {
  nifti?: WriteNiftiOptions;
  png?: WritePngOptions;
  itk?: WriteItkOptions;
}

const BY_EXTENSION: [RegExp, ImageFormat][] = [
  [/\.(nii|nii\.gz|hdr|hdr\.gz)$/i, 'nifti'],
  [/\.(dcm|dicom|ima)$/i, 'dicom'],
  [/\.(png|jpe?g)$/i, 'png'],
  [/\.(mha|mhd|nrrd|nhdr)$/i, 'itk'],
];

/** The format a path's extension names, or undefined. */
export function formatOfPath(path: string): ImageFormat | undefined {
  return BY_EXTENSION.find(([re]) => re.test(path))?.[1];
}

async function hasDicmPrefix(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(4);
    const { bytesRead } = await fh.read(buf, 0, 4, 128);
    return bytesRead === 4 && buf.toString('latin1') === 'DICM';
  } finally {
    await fh.close();
  }
}

/** Reads an image of any supported format into the canonical Image (see image.ts). */
export async function readImage(path: string, options: ReadImageOptions = {}): Promise<Image> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch (err) {
    throw wrapError('image', path, 'cannot read', err);
  }
  if (isDir) return readDicom(path, options.dicom);
  let format = formatOfPath(path);
  if (format === undefined) {
    let dicm = false;
    try {
      dicm = await hasDicmPrefix(path);
    } catch (err) {
      throw wrapError('image', path, 'cannot read', err);
    }
    if (!dicm) {
      throw new ImageIoError(
        'image',
        path,
        'unknown image format: expected .nii/.nii.gz/.hdr, .dcm (or a DICM file), .png/.jpg, .mha/.mhd/.nrrd/.nhdr or a DICOM folder',
      );
    }
    format = 'dicom';
  }
  switch (format) {
    case 'nifti':
      return readNifti(path, options.nifti);
    case 'dicom':
      return readDicom(path, options.dicom);
    case 'png':
      return readPng(path);
    case 'itk':
      return readItk(path);
  }
}

/** Writes an Image; the format follows the extension (.nii/.nii.gz, .png, .mha/.nrrd). */
export async function writeImage(path: string, image: Image, options: WriteImageOptions = {}): Promise<void> {
  const format = formatOfPath(path);
  switch (format) {
    case 'nifti':
      if (/\.hdr(\.gz)?$/i.test(path)) break;
      return writeNifti(path, image, options.nifti);
    case 'png':
      if (!/\.png$/i.test(path)) break;
      return writePng(path, image, options.png);
    case 'itk':
      return writeItk(path, image, options.itk);
    default:
      break;
  }
  throw new ImageIoError('image', path, 'cannot write this format: use .nii, .nii.gz, .png, .mha, .mhd or .nrrd');
}
