/**
 * A NRRD header (.nrrd, .nhdr) read and checked before ITK reads the file (docs/data.md): dimension, sizes (whole
 * numbers >= 1), spacings (finite numbers > 0, or nan for a non-spatial axis), space directions (finite, non-zero
 * vectors, or none) and space origin (finite), then raw or gzip pixel data against sizes x type
 * (itk-data-check.ts). Errors name the file and the field. Encodings and layouts this check does not follow
 * (text, hex, bzip2, file lists, line skips, byte skips inside gzip) are left to ITK.
 */
import { dirname, resolve } from 'node:path';
import { ImageIoError } from './errors.js';
import { FORMAT, checkDataBytes, readStart } from './itk-data-check.js';
import { headerNumbers } from './metaimage-check.js';

const TYPE_BYTES: [string[], number][] = [
  [['signed char', 'int8', 'int8_t', 'uchar', 'unsigned char', 'uint8', 'uint8_t'], 1],
  [['short', 'short int', 'signed short', 'signed short int', 'int16', 'int16_t'], 2],
  [['ushort', 'unsigned short', 'unsigned short int', 'uint16', 'uint16_t'], 2],
  [['int', 'signed int', 'int32', 'int32_t', 'uint', 'unsigned int', 'uint32', 'uint32_t'], 4],
  [['longlong', 'long long', 'long long int', 'signed long long', 'signed long long int', 'int64', 'int64_t'], 8],
  [['ulonglong', 'unsigned long long', 'unsigned long long int', 'uint64', 'uint64_t'], 8],
  [['float'], 4],
  [['double'], 8],
];

function typeBytes(type: string): number | undefined {
  return TYPE_BYTES.find(([names]) => names.includes(type))?.[1];
}

/** The header's fields (not the `key:=value` pairs) and the byte offset after the blank line (-1: none). */
function parseFields(head: Buffer): { fields: Map<string, string>; dataStart: number } {
  const text = head.toString('latin1');
  const fields = new Map<string, string>();
  let pos = text.indexOf('\n') + 1;
  while (pos > 0 && pos < text.length) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = text.length;
    const line = text.slice(pos, nl).replace(/\r$/, '');
    pos = nl + 1;
    if (line === '') return { fields, dataStart: pos };
    if (line.startsWith('#') || line.includes(':=')) continue;
    const c = line.indexOf(':');
    if (c > 0) fields.set(line.slice(0, c).trim().toLowerCase(), line.slice(c + 1).trim());
  }
  return { fields, dataStart: -1 };
}

function vectors(path: string, field: string, value: string | undefined, allowNone: boolean): void {
  if (value === undefined) return;
  for (const tok of value.split(/\s+/).filter((t) => t !== '')) {
    if (allowNone && tok === 'none') continue;
    const m = /^\((.*)\)$/.exec(tok);
    const v = m ? m[1]!.split(',').map(Number) : [];
    if (v.length === 0 || !v.every(Number.isFinite) || (allowNone && v.every((x) => x === 0)))
      throw new ImageIoError(
        FORMAT,
        path,
        `${field}: ${JSON.stringify(value)}: ${JSON.stringify(tok)} is not a vector of finite numbers${allowNone ? ' (nor "none"), or it is zero' : ''}`,
      );
  }
}

function geometry(path: string, f: Map<string, string>, nd: number): void {
  const spacings = f.get('spacings');
  if (spacings !== undefined) {
    const parts = spacings.split(/\s+/).filter((t) => t !== '');
    const valid = (t: string): boolean => /^nan$/i.test(t) || (Number.isFinite(Number(t)) && Number(t) > 0);
    if (parts.length < nd || !parts.slice(0, nd).every(valid))
      throw new ImageIoError(
        FORMAT,
        path,
        `spacings: ${JSON.stringify(spacings)}: expected ${nd} finite numbers > 0 (or nan for a non-spatial axis)`,
      );
  }
  vectors(path, 'space directions', f.get('space directions'), true);
  vectors(path, 'space origin', f.get('space origin'), false);
}

export async function checkNrrd(path: string): Promise<void> {
  const { head } = await readStart(path, 1 << 20);
  if (!head.toString('latin1', 0, 7).startsWith('NRRD000')) return; // ITK's error follows
  const { fields: f, dataStart } = parseFields(head);
  const nd = headerNumbers(path, 'dimension', f.get('dimension') ?? '', 1, 'count')![0]!;
  const sizes = headerNumbers(path, 'sizes', f.get('sizes') ?? '', nd, 'count')!;
  geometry(path, f, nd);
  const type = (f.get('type') ?? '').toLowerCase();
  const bytes = typeBytes(type);
  const encoding = (f.get('encoding') ?? '').toLowerCase();
  const compressed = encoding === 'gz' || encoding === 'gzip';
  const file = f.get('data file') ?? f.get('datafile');
  const byteSkip = Number(f.get('byte skip') ?? '0');
  const lineSkip = Number(f.get('line skip') ?? '0');
  if (!bytes || !(encoding === 'raw' || compressed) || lineSkip !== 0) return;
  if (file !== undefined && (/^list$/i.test(file) || /\s/.test(file))) return;
  if ((compressed && byteSkip !== 0) || (file === undefined && dataStart < 0)) return;
  if (!Number.isInteger(byteSkip) || byteSkip < -1)
    throw new ImageIoError(FORMAT, path, `byte skip: ${f.get('byte skip')}: expected a whole number >= -1`);
  const base = file === undefined ? dataStart : 0;
  await checkDataBytes({
    path,
    dataPath: file === undefined ? path : resolve(dirname(path), file),
    start: byteSkip === -1 ? 'end' : base + byteSkip,
    expected: sizes.reduce((a, b) => a * b, 1) * bytes,
    compressed,
    declared: `sizes ${sizes.join(' ')} x type ${type} (${bytes} byte${bytes > 1 ? 's' : ''})`,
    compressionField: `encoding: ${encoding}`,
  });
}
