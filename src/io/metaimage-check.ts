/**
 * A MetaImage header (.mha, .mhd) read and checked before ITK reads the file (docs/data.md): NDims, DimSize (whole
 * numbers >= 1), ElementSpacing (or ElementSize; finite numbers > 0), Offset/Position/Origin and TransformMatrix
 * (finite numbers), then the pixel data against DimSize x ElementNumberOfChannels x ElementType (itk-data-check.ts).
 * Errors name the file and the field. Headers this check does not understand (ASCII data, file lists, unknown
 * element types) are left to ITK.
 */
import { dirname, resolve } from 'node:path';
import { ImageIoError } from './errors.js';
import { FORMAT, checkDataBytes, readStart } from './itk-data-check.js';

/** bytes per element of MetaIO's element types (metaTypes.h) */
const MET_SIZES: Record<string, number> = {
  MET_CHAR: 1,
  MET_UCHAR: 1,
  MET_SHORT: 2,
  MET_USHORT: 2,
  MET_INT: 4,
  MET_UINT: 4,
  MET_LONG: 4,
  MET_ULONG: 4,
  MET_LONG_LONG: 8,
  MET_ULONG_LONG: 8,
  MET_FLOAT: 4,
  MET_DOUBLE: 8,
};

/** `count` numbers of a header field (whitespace separated), checked; undefined when the field is absent. */
export function headerNumbers(
  path: string,
  field: string,
  value: string | undefined,
  count: number,
  rule: 'finite' | 'positive' | 'count',
): number[] | undefined {
  if (value === undefined) return undefined;
  const v = value.trim() === '' ? [] : value.trim().split(/\s+/).map(Number);
  const ok = (x: number): boolean =>
    rule === 'finite'
      ? Number.isFinite(x)
      : rule === 'positive'
        ? Number.isFinite(x) && x > 0
        : Number.isSafeInteger(x) && x >= 1;
  if (v.length < count || !v.slice(0, count).every(ok)) {
    const what =
      rule === 'finite' ? 'finite numbers' : rule === 'positive' ? 'finite numbers > 0' : 'whole numbers >= 1';
    throw new ImageIoError(FORMAT, path, `${field} = ${JSON.stringify(value)}: expected ${count} ${what}`);
  }
  return v.slice(0, count);
}

/** The header's fields, up to ElementDataFile, and the byte offset just after that line. */
function parseFields(head: Buffer): { fields: Map<string, string>; dataStart: number } | undefined {
  const text = head.toString('latin1');
  const fields = new Map<string, string>();
  let pos = 0;
  while (pos < text.length) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = text.length;
    const line = text.slice(pos, nl);
    pos = nl + 1;
    const m = /^\s*([A-Za-z][\w]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!m) continue;
    fields.set(m[1]!.toLowerCase(), m[2]!);
    if (m[1]!.toLowerCase() === 'elementdatafile') return { fields, dataStart: Math.min(pos, head.length) };
  }
  return undefined;
}

function geometry(path: string, f: Map<string, string>, nd: number): void {
  const spacingField = f.has('elementspacing') ? 'ElementSpacing' : 'ElementSize';
  headerNumbers(path, spacingField, f.get(spacingField.toLowerCase()), nd, 'positive');
  for (const k of ['Offset', 'Position', 'Origin']) headerNumbers(path, k, f.get(k.toLowerCase()), nd, 'finite');
  for (const k of ['TransformMatrix', 'Rotation', 'Orientation'])
    headerNumbers(path, k, f.get(k.toLowerCase()), nd * nd, 'finite');
}

export async function checkMetaImage(path: string): Promise<void> {
  const { head } = await readStart(path, 1 << 20);
  const parsed = parseFields(head);
  if (!parsed) return; // not a MetaImage header ITK can read either: its error follows
  const { fields: f, dataStart } = parsed;
  const nd = headerNumbers(path, 'NDims', f.get('ndims') ?? '', 1, 'count')![0]!;
  const dims = headerNumbers(path, 'DimSize', f.get('dimsize') ?? '', nd, 'count')!;
  geometry(path, f, nd);
  const channels = headerNumbers(
    path,
    'ElementNumberOfChannels',
    f.get('elementnumberofchannels') ?? '1',
    1,
    'count',
  )![0]!;
  const type = (f.get('elementtype') ?? '').toUpperCase();
  const bytes = MET_SIZES[type];
  const file = f.get('elementdatafile')!;
  const binary = (f.get('binarydata') ?? 'True').toLowerCase() !== 'false';
  if (!bytes || !binary || /^list$/i.test(file) || /%|\s/.test(file)) return;
  const compressed = (f.get('compresseddata') ?? 'False').toLowerCase() === 'true';
  const local = /^local$/i.test(file);
  const headerSize = Number(f.get('headersize') ?? '0');
  const compressedSize = f.has('compresseddatasize')
    ? headerNumbers(path, 'CompressedDataSize', f.get('compresseddatasize'), 1, 'count')![0]
    : undefined;
  if (compressed && local && compressedSize === undefined)
    throw new ImageIoError(
      FORMAT,
      path,
      'CompressedData = True with ElementDataFile = LOCAL needs CompressedDataSize (without it ITK reads zeros)',
    );
  await checkDataBytes({
    path,
    dataPath: local ? path : resolve(dirname(path), file),
    start: local ? dataStart : headerSize === -1 ? 'end' : Math.max(0, headerSize),
    ...(compressedSize !== undefined ? { compressedSize } : {}),
    expected: dims.reduce((a, b) => a * b, 1) * channels * bytes,
    compressed,
    declared: `DimSize ${dims.join(' ')} x ElementNumberOfChannels ${channels} x ${type} (${bytes} byte${bytes > 1 ? 's' : ''})`,
    compressionField: 'CompressedData = True',
  });
}
