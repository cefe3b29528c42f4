/**
 * DICOM series in the browser, read by medcl's own DICOM code (src/io/dicom/: dicom-parser, frame sorting,
 * geometry, rescale to HU), so a series gets the same canonical volume as `medcl predict --input folder/`. The
 * volume is handed to NiiVue as a NIfTI (RAS sform from its LPS geometry). Native, RLE and JPEG-lossless transfer
 * syntaxes decode here; the WebAssembly codecs of JPEG baseline, JPEG-LS and JPEG 2000 are not in the page
 * (a clear error says so). Also: collecting the files of a dropped folder.
 */
import type { Niivue } from '@niivue/niivue';
import { flipRasLps } from '../../src/io/affine.js';
import type { Image } from '../../src/io/image.js';
import { imageAffine } from '../../src/io/orient.js';
import { type DicomFile, NotAnImageError, parseDicomBuffer } from '../../src/io/dicom/parse.js';
import { assembleVolume } from '../../src/io/dicom/volume.js';

/** several files, or one .dcm (or extension-less) file: a DICOM series rather than one volume file */
export function isDicomSelection(files: readonly File[]): boolean {
  if (files.length > 1) return true;
  const name = files[0]?.name ?? '';
  return /\.dcm$/i.test(name) || !/\.[a-z0-9]+$/i.test(name.replace(/\.gz$/i, ''));
}

async function walk(entry: FileSystemEntry, out: File[]): Promise<void> {
  if (entry.isFile) {
    out.push(await new Promise<File>((ok, err) => (entry as FileSystemFileEntry).file(ok, err)));
  } else if (entry.isDirectory) {
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    for (;;) {
      const batch = await new Promise<FileSystemEntry[]>((ok, err) => reader.readEntries(ok, err));
      if (batch.length === 0) break;
      for (const e of batch) await walk(e, out);
    }
  }
}

/** the files of a drop, folders walked recursively (hidden files skipped) */
export async function dropFiles(dt: DataTransfer): Promise<File[]> {
  const entries = [...dt.items].map((it) => it.webkitGetAsEntry()).filter((e): e is FileSystemEntry => e !== null);
  if (entries.length === 0) return [...dt.files];
  const out: File[] = [];
  for (const e of entries) await walk(e, out);
  return out.filter((f) => !f.name.startsWith('.'));
}

/** the NIfTI bytes (by NiiVue's writer) of a canonical LPS volume: its RAS affine as sform, for NiiVue to show */
export async function niftiBytes(nv: Niivue, image: Image): Promise<Uint8Array> {
  const codes = new Map<unknown, number>([
    [Uint8Array, 2], [Int16Array, 4], [Int32Array, 8], [Float32Array, 16],
    [Float64Array, 64], [Int8Array, 256], [Uint16Array, 512], [Uint32Array, 768],
  ]); // prettier-ignore
  const [nz, ny, nx] = image.shape as [number, number, number];
  const ras = flipRasLps(imageAffine(image));
  const bytes = new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  const spacing = [image.spacing[2]!, image.spacing[1]!, image.spacing[0]!];
  return nv.createNiftiArray([nx, ny, nz], spacing, [...ras, 0, 0, 0, 1], codes.get(image.data.constructor)!, bytes);
}

/** Reads the dropped files as one DICOM series (the largest, when several are mixed) into a NIfTI for NiiVue. */
export async function loadDicomSeries(files: readonly File[]): Promise<{ name: string; image: Image; note: string }> {
  const parsed: DicomFile[] = [];
  let skipped = 0;
  for (const f of files) {
    try {
      parsed.push(parseDicomBuffer(new Uint8Array(await f.arrayBuffer()), f.webkitRelativePath || f.name));
    } catch (err) {
      if (err instanceof NotAnImageError) skipped++;
      else throw err;
    }
  }
  if (parsed.length === 0)
    throw new Error(`none of the ${files.length} file(s) is a DICOM image (and not a NIfTI, NRRD or MHA file either)`);
  const bySeries = new Map<string, DicomFile[]>();
  for (const f of parsed) bySeries.set(f.seriesUid, [...(bySeries.get(f.seriesUid) ?? []), f]);
  const series = [...bySeries.values()].sort((a, b) => b.length - a.length)[0]!;
  const frames = series.reduce((s, f) => s + f.frames.length, 0);
  if (frames < 2) throw new Error(`${series[0]!.path}: one DICOM slice is not a volume; drop the whole series folder`);
  const image = await assembleVolume(series, `DICOM series ${series[0]!.seriesUid}`);
  const note =
    (bySeries.size > 1 ? `${bySeries.size} series dropped, the largest read; ` : '') +
    (skipped ? `${skipped} non-image file(s) skipped` : '');
  return { name: `dicom-${series[0]!.seriesUid || 'series'}.nii`, image, note };
}
