// A seeded generator of corrupt variants of real image files. Every variant must either read exactly as its
// original (the corruption hit only bytes that do not matter) or fail with an Error naming the file.
import { deflateSync, gunzipSync, gzipSync, inflateSync } from 'node:zlib';
import { pngChunk, pngWithIhdr } from './png-bytes.js';
import { type Kind, type Source, extOf } from './sources.js';

export type Mutation = 'truncate' | 'flip' | 'absurd' | 'zlib' | 'ext' | 'bomb';

export interface Variant {
  name: string;
  mutation: Mutation;
  source: Source;
  ext: string;
  bytes: Buffer;
}

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Range = [number, number];

/** Byte ranges of the fields that define size, type and layout (flips there must be caught or harmless). */
function structuralRanges(s: Source): Range[] {
  switch (s.kind) {
    case 'nii':
      // sizeof_hdr, dim[8], datatype, bitpix, vox_offset, magic
      return [
        [0, 4],
        [40, 56],
        [70, 74],
        [108, 112],
        [344, 348],
      ];
    case 'dcm':
      // Rows, Columns, BitsAllocated, PixelRepresentation: tag + length + value (implicit VR)
      return [0x0010, 0x0011, 0x0100, 0x0103]
        .map((el) => s.bytes.indexOf(Buffer.from([0x28, 0, el & 0xff, el >> 8, 2, 0, 0, 0])))
        .filter((at) => at > 0)
        .map((at): Range => [at, at + 10]);
    case 'mha':
    case 'mhaz':
    case 'nrrd':
      return textFieldRanges(
        s.bytes,
        /^(NDims|DimSize|ElementType|CompressedDataSize|type|dimension|sizes|encoding)\s*[=:]/,
      );
    case 'png':
      return [[8, 33]]; // signature end + IHDR (length, type, fields, CRC)
    default:
      return [];
  }
}

/** The value bytes of the header lines whose key matches `re`. */
function textFieldRanges(bytes: Buffer, re: RegExp): Range[] {
  const text = bytes.subarray(0, Math.min(bytes.length, 1024)).toString('latin1');
  const out: Range[] = [];
  let at = 0;
  for (const line of text.split('\n')) {
    const m = re.exec(line);
    if (m) out.push([at + m[0].length, at + line.length]);
    at += line.length + 1;
  }
  return out;
}

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)];
}

/** Applies `edit` to the decompressed .nii inside a .nii.gz (or to the .nii itself). */
function niiEdit(s: Source, edit: (b: Buffer) => void): Buffer {
  const b = Buffer.from(s.kind === 'niigz' ? gunzipSync(s.bytes) : s.bytes);
  edit(b);
  return s.kind === 'niigz' ? gzipSync(b) : b;
}

function replaceField(s: Source, key: string, value: string): Buffer {
  const text = s.bytes.toString('latin1');
  const re = new RegExp(`^(${key}\\s*[=:]\\s*).*$`, 'm');
  const m = re.exec(text);
  if (!m) throw new Error(`fuzz generator: ${s.path} has no ${key}`);
  return Buffer.concat([
    Buffer.from(text.slice(0, m.index) + m[1] + value, 'latin1'),
    s.bytes.subarray(m.index + m[0].length),
  ]);
}

/** Absurd values of the fields that define dims, frames and spacing. */
function absurd(s: Source): [string, Buffer][] {
  const out: [string, Buffer][] = [];
  if (s.kind === 'nii' || s.kind === 'niigz') {
    const i16 = (at: number, v: number) => (b: Buffer) => b.writeInt16LE(v, at);
    const f32 = (at: number, v: number) => (b: Buffer) => b.writeFloatLE(v, at);
    const edits: [string, (b: Buffer) => void][] = [
      ['dim0=0', i16(40, 0)],
      ['dim0=8', i16(40, 8)],
      ['dim1=0', i16(42, 0)],
      ['dim1=-5', i16(42, -5)],
      ['dim1=32767', i16(42, 32767)],
      ['dim2=1', i16(44, 1)],
      ['dim4=7', i16(48, 7)],
      ['datatype=999', i16(70, 999)],
      ['bitpix=64', i16(72, 64)],
      ['vox_offset=0', f32(108, 0)],
      ['vox_offset=1e30', f32(108, 1e30)],
      ['vox_offset=348', f32(108, 348)],
      ['pixdim1=NaN', f32(80, NaN)],
      ['pixdim2=0', f32(84, 0)],
      ['pixdim3=-1', f32(88, -1)],
      ['pixdim1=Inf', f32(80, Infinity)],
    ];
    for (const [n, e] of edits) out.push([n, niiEdit(s, e)]);
  } else if (s.kind === 'dcm') {
    const tag = (el: number): number => s.bytes.indexOf(Buffer.from([0x28, 0, el & 0xff, el >> 8]));
    for (const [n, el, v] of [
      ['rows=65535', 0x10, 65535],
      ['rows=0', 0x10, 0],
      ['cols=1', 0x11, 1],
      ['bits=32', 0x100, 32],
      ['bits=1', 0x100, 1],
      ['cols=65535', 0x11, 65535],
    ] as const) {
      const b = Buffer.from(s.bytes);
      b.writeUInt16LE(v, tag(el) + 8);
      out.push([n, b]);
    }
  } else if (s.kind === 'mha' || s.kind === 'mhaz') {
    for (const [k, v] of [
      ['NDims', '0'],
      ['NDims', '9'],
      ['NDims', '3'],
      ['DimSize', '0 31'],
      ['DimSize', '-5 31'],
      ['DimSize', 'abc 31'],
      ['DimSize', '100000 100000'],
      ['DimSize', '58 31 7'],
      ['DimSize', '2 2'],
      ['ElementSpacing', 'NaN 2'],
      ['ElementSpacing', '0 2'],
      ['ElementSpacing', '-1 2'],
      ['ElementSpacing', 'Inf 2'],
      ['ElementSpacing', 'abc'],
      ['ElementType', 'MET_DOUBLE'],
      ['ElementType', 'MET_NONSENSE'],
    ]) {
      out.push([`${k}=${v}`, replaceField(s, k, v)]);
    }
    if (s.kind === 'mhaz') {
      out.push(['CompressedDataSize=1', replaceField(s, 'CompressedDataSize', '1')]);
      out.push(['CompressedDataSize=99999999', replaceField(s, 'CompressedDataSize', '99999999')]);
      out.push(['CompressedData=False', replaceField(s, 'CompressedData', 'False')]);
    } else out.push(['CompressedData=True', replaceField(s, 'ElementType', 'MET_UCHAR\nCompressedData = True')]);
  } else if (s.kind === 'nrrd') {
    for (const [k, v] of [
      ['dimension', '0'],
      ['dimension', '3'],
      ['sizes', '0 257'],
      ['sizes', '221 -1'],
      ['sizes', '100000 100000'],
      ['sizes', '2 2'],
      ['sizes', 'abc 257'],
      ['space directions', '(nan,0) (0,1)'],
      ['space directions', '(0,0) (0,1)'],
      ['space directions', '(inf,0) (0,1)'],
      ['type', 'double'],
      ['type', 'nonsense'],
      ['encoding', 'gzip'],
      ['space origin', '(nan,0)'],
    ]) {
      out.push([`${k}=${v}`, replaceField(s, k, v)]);
    }
  } else if (s.kind === 'png') {
    for (const [n, at, v] of [
      ['width=0', 16, 0],
      ['height=0', 20, 0],
      ['width=100000', 16, 100000],
      ['height=2147483647', 20, 0x7fffffff],
    ] as const) {
      out.push([n, pngWithIhdr(s.bytes, (b) => b.writeUInt32BE(v, at))]);
    }
    out.push(['bitdepth=3', pngWithIhdr(s.bytes, (b) => b.writeUInt8(3, 24))]);
    out.push(['colourtype=7', pngWithIhdr(s.bytes, (b) => b.writeUInt8(7, 25))]);
  }
  return out;
}

/** Decompression bombs: small files whose streams expand far beyond what the header declares. */
function bombs(s: Source): [string, Buffer][] {
  const zeros = Buffer.alloc(64 << 20);
  if (s.kind === 'niigz') {
    // a valid header and volume followed by 64 MiB inside the stream: reads as the original or fails
    return [['nii.gz+64MiB', gzipSync(Buffer.concat([gunzipSync(s.bytes), zeros]))]];
  }
  if (s.kind === 'mhaz') {
    const z = deflateSync(zeros);
    const text = s.bytes.toString('latin1');
    const head = text.slice(0, text.indexOf('ElementDataFile = LOCAL\n') + 24);
    const h = head.replace(/CompressedDataSize = \d+/, `CompressedDataSize = ${z.length}`);
    return [['mha-z 64MiB', Buffer.concat([Buffer.from(h, 'latin1'), z])]];
  }
  if (s.kind === 'png') {
    // the original's chunks before its image data and its scanlines, with 64 MiB more inside one IDAT stream
    const idats: Buffer[] = [];
    let first = -1;
    for (let at = 8; at + 8 <= s.bytes.length;) {
      const len = s.bytes.readUInt32BE(at);
      if (s.bytes.toString('latin1', at + 4, at + 8) === 'IDAT') {
        if (first < 0) first = at;
        idats.push(s.bytes.subarray(at + 8, at + 8 + len));
      }
      at += 12 + len;
    }
    const big = pngChunk('IDAT', deflateSync(Buffer.concat([inflateSync(Buffer.concat(idats)), zeros])));
    return [['png+64MiB', Buffer.concat([s.bytes.subarray(0, first), big, pngChunk('IEND', Buffer.alloc(0))])]];
  }
  return [];
}

/** Flips inside the compressed stream (a .nii.gz, a compressed MHA's data, a deflated DICOM's body, PNG IDAT). */
function zlibRange(s: Source): Range | undefined {
  switch (s.kind) {
    case 'niigz':
      return [10, s.bytes.length];
    case 'mhaz':
      return [s.bytes.indexOf('ElementDataFile = LOCAL\n') + 24, s.bytes.length];
    case 'dcmdeflated':
      return [Math.floor(s.bytes.length / 2), s.bytes.length];
    case 'png': {
      const at = s.bytes.indexOf('IDAT');
      return [at + 4, at + 4 + s.bytes.readUInt32BE(at - 4)];
    }
    default:
      return undefined;
  }
}

const WRONG_EXT: Record<Kind, string> = {
  nii: '.png',
  niigz: '.nii',
  dcm: '.nii',
  dcmdeflated: '.mha',
  mha: '.nrrd',
  mhaz: '.nii.gz',
  nrrd: '.mha',
  png: '.dcm',
};

/** All variants of one source: `n` truncations, flips and zlib flips, plus the fixed absurd, extension and bomb cases. */
export function variants(s: Source, seed: number, n: number): Variant[] {
  const r = rng(seed);
  const ext = extOf(s.kind);
  const out: Variant[] = [];
  const push = (mutation: Mutation, name: string, bytes: Buffer, e = ext): void => {
    out.push({ name: `${s.kind}-${mutation}-${out.length}-${name}`, mutation, source: s, ext: e, bytes });
  };
  for (let i = 0; i < n; i++) {
    const at = Math.floor(r() * s.bytes.length);
    push('truncate', `at${at}`, s.bytes.subarray(0, at));
  }
  const ranges = structuralRanges(s);
  for (let i = 0; i < n && ranges.length > 0; i++) {
    const [a, b] = pick(r, ranges);
    const at = a + Math.floor(r() * (b - a));
    const x = 1 + Math.floor(r() * 255);
    if (s.kind === 'nii' || s.kind === 'niigz')
      push(
        'flip',
        `at${at}^${x}`,
        niiEdit(s, (buf) => void (buf[at] ^= x)),
      );
    else {
      const buf = Buffer.from(s.bytes);
      buf[at] ^= x;
      push('flip', `at${at}^${x}`, buf);
    }
  }
  const zr = zlibRange(s);
  for (let i = 0; i < n && zr; i++) {
    const buf = Buffer.from(s.bytes);
    const ats = [0, 1, 2].map(() => zr[0] + Math.floor(r() * (zr[1] - zr[0])));
    for (const at of ats) buf[at] ^= 1 + Math.floor(r() * 255);
    push('zlib', `at${ats.join(',')}`, buf);
  }
  for (const [name, bytes] of absurd(s)) push('absurd', name, bytes);
  push('ext', WRONG_EXT[s.kind].slice(1), s.bytes, WRONG_EXT[s.kind]);
  for (const [name, bytes] of bombs(s)) push('bomb', name, bytes);
  return out;
}
