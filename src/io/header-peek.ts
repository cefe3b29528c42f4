/**
 * What an image file holds, from its first bytes only: the format, the grid size, the channels (vector or
 * colour components, or 4D volumes) and the bytes per voxel of NIfTI-1/2, NRRD and MetaImage (.mha/.mhd)
 * headers; 2D picture formats and DICOM are recognised by their magic numbers. Pure code: the browser viewer
 * checks a dropped file with it before reading the whole file (a 20 GB volume is refused at once, not after the
 * tab ran out of memory). `head` must be the start of the file, already gunzipped for .gz files; 64 KiB is enough
 * for every header read here.
 */

export type PeekFormat = 'nifti' | 'nrrd' | 'metaimage' | 'dicom' | 'picture' | 'unknown';

export interface HeaderPeek {
  format: PeekFormat;
  /** 'png', 'jpeg', ... for pictures */
  picture?: string;
  /** spatial sizes, fastest axis first (absent for pictures, DICOM and unknown files) */
  dims?: number[];
  /** values per voxel: vector/colour components times volumes (1 for a plain scalar volume) */
  channels?: number;
  bytesPerVoxel?: number;
}

const PICTURES: [string, number[]][] = [
  ['png', [0x89, 0x50, 0x4e, 0x47]],
  ['jpeg', [0xff, 0xd8, 0xff]],
  ['gif', [0x47, 0x49, 0x46, 0x38]],
  ['bmp', [0x42, 0x4d]],
  ['tiff', [0x49, 0x49, 0x2a, 0x00]],
  ['tiff', [0x4d, 0x4d, 0x00, 0x2a]],
  ['webp', [0x52, 0x49, 0x46, 0x46]],
];

/** NIfTI datatype code -> [bytes per value, values per voxel] */
const NIFTI_TYPES: Record<number, [number, number]> = {
  2: [1, 1], 4: [2, 1], 8: [4, 1], 16: [4, 1], 32: [8, 2], 64: [8, 1], 128: [1, 3], 256: [1, 1],
  512: [2, 1], 768: [4, 1], 1024: [8, 1], 1280: [8, 1], 1792: [16, 2], 2304: [1, 4],
}; // prettier-ignore

function peekNifti(head: Uint8Array): HeaderPeek | null {
  if (head.length < 348) return null;
  const v = new DataView(head.buffer, head.byteOffset, head.byteLength);
  for (const le of [true, false]) {
    const sizeof = v.getInt32(0, le);
    if (sizeof !== 348 && sizeof !== 540) continue;
    const v2 = sizeof === 540;
    if (v2 && head.length < 540) return null;
    const dim = (i: number): number => (v2 ? Number(v.getBigInt64(16 + 8 * i, le)) : v.getInt16(40 + 2 * i, le));
    const ndim = dim(0);
    if (!(ndim >= 1 && ndim <= 7)) continue;
    const d = (i: number): number => (i <= ndim && dim(i) > 0 ? dim(i) : 1);
    const code = v.getInt16(v2 ? 12 : 70, le);
    const [bytes, values] = NIFTI_TYPES[code] ?? [Math.max(1, v.getInt16(v2 ? 14 : 72, le) / 8), 1];
    let volumes = 1;
    for (let i = 4; i <= 7; i++) volumes *= d(i);
    return { format: 'nifti', dims: [d(1), d(2), d(3)], channels: values * volumes, bytesPerVoxel: bytes * values };
  }
  return null;
}

/** the `key: value` (NRRD) or `Key = value` (MetaImage) fields of a text header, keys lower-cased */
function textFields(head: Uint8Array, sep: string): Map<string, string> {
  const end = head.indexOf(0);
  const text = new TextDecoder('latin1').decode(head.subarray(0, end < 0 ? head.length : end));
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    if (line === '' && sep === ':') break; // the blank line that ends a NRRD header
    const k = line.indexOf(sep);
    if (k > 0) out.set(line.slice(0, k).trim().toLowerCase(), line.slice(k + 1).trim());
  }
  return out;
}

const NRRD_BYTES: [RegExp, number][] = [
  [/^(u?char|u?int8|(un)?signed char|int8_t|uint8_t)$/, 1],
  [/^(u?short|u?int16|(un)?signed short( int)?|short int|u?int16_t)$/, 2],
  [/^(u?int|u?int32|(un)?signed int|u?int32_t|float)$/, 4],
  [/^(u?longlong|u?int64|(un)?signed long long( int)?|long long( int)?|u?int64_t|double)$/, 8],
];

function peekNrrd(head: Uint8Array): HeaderPeek {
  const f = textFields(head, ':');
  const sizes = (f.get('sizes') ?? '').split(/\s+/).filter(Boolean).map(Number);
  const kinds = (f.get('kinds') ?? '').split(/\s+/).filter(Boolean);
  const type = (f.get('type') ?? '').toLowerCase();
  const bytes = NRRD_BYTES.find(([re]) => re.test(type))?.[1] ?? 4;
  // non-spatial axes (vector, RGB-color, time, list, ...): everything but 'domain'/'space' kinds
  const spatial =
    kinds.length === sizes.length ? kinds.map((k) => k === 'domain' || k === 'space') : sizes.map(() => true);
  const dims = sizes.filter((_, i) => spatial[i]);
  const channels = sizes.filter((_, i) => !spatial[i]).reduce((a, b) => a * b, 1);
  return { format: 'nrrd', dims, channels, bytesPerVoxel: bytes * channels };
}

const MET_BYTES: Record<string, number> = {
  MET_CHAR: 1, MET_UCHAR: 1, MET_SHORT: 2, MET_USHORT: 2, MET_INT: 4, MET_UINT: 4, MET_LONG: 4, MET_ULONG: 4,
  MET_LONG_LONG: 8, MET_ULONG_LONG: 8, MET_FLOAT: 4, MET_DOUBLE: 8,
}; // prettier-ignore

function peekMeta(head: Uint8Array): HeaderPeek {
  const f = textFields(head, '=');
  const dims = (f.get('dimsize') ?? '').split(/\s+/).filter(Boolean).map(Number);
  const channels = Number(f.get('elementnumberofchannels') ?? 1) || 1;
  const bytes = MET_BYTES[(f.get('elementtype') ?? '').toUpperCase()] ?? 4;
  return { format: 'metaimage', dims, channels, bytesPerVoxel: bytes * channels };
}

/** The header facts of a file whose first (gunzipped) bytes are `head`. */
export function peekHeader(head: Uint8Array): HeaderPeek {
  const starts = (sig: number[], at = 0): boolean => sig.every((b, i) => head[at + i] === b);
  const ascii = new TextDecoder('latin1').decode(head.subarray(0, 16));
  const nifti = peekNifti(head);
  if (nifti) return nifti;
  if (ascii.startsWith('NRRD000')) return peekNrrd(head);
  if (/^(ObjectType|NDims|DimSize|ElementType)\s*=/m.test(new TextDecoder('latin1').decode(head.subarray(0, 4096))))
    return peekMeta(head);
  if (head.length >= 132 && starts([0x44, 0x49, 0x43, 0x4d], 128)) return { format: 'dicom' };
  for (const [name, sig] of PICTURES) if (starts(sig)) return { format: 'picture', picture: name };
  return { format: 'unknown' };
}
