// Hand-built DICOM Part 10 files for the tests (explicit VR little endian data set, PS3.5 7.1.2), written
// independently of src/io/dicom: elements, sequences, native and encapsulated pixel data, and an RLE encoder.

export interface El {
  tag: number; // 0xGGGGEEEE
  vr: string;
  value: string | number[] | Uint8Array | El[][];
}

const LONG_VRS = new Set(['OB', 'OW', 'OF', 'OD', 'OL', 'SQ', 'UT', 'UN', 'UC', 'UR']);

function tagBytes(tag: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt16LE(tag >>> 16, 0);
  b.writeUInt16LE(tag & 0xffff, 2);
  return b;
}

function valueBytes(el: El): Buffer {
  const v = el.value;
  if (el.vr === 'SQ') {
    const items = (v as El[][]).map((item) => {
      const body = Buffer.concat(item.sort((a, b) => a.tag - b.tag).map(encodeElement));
      const head = Buffer.alloc(8);
      head.writeUInt16LE(0xfffe, 0);
      head.writeUInt16LE(0xe000, 2);
      head.writeUInt32LE(body.length, 4);
      return Buffer.concat([head, body]);
    });
    return Buffer.concat(items);
  }
  if (v instanceof Uint8Array) {
    const b = Buffer.from(v);
    return b.length % 2 ? Buffer.concat([b, Buffer.alloc(1)]) : b;
  }
  if (Array.isArray(v)) {
    const nums = v as number[];
    const size = el.vr === 'US' || el.vr === 'SS' ? 2 : 4;
    const b = Buffer.alloc(nums.length * size);
    nums.forEach((x, i) => {
      if (el.vr === 'US') b.writeUInt16LE(x, 2 * i);
      else if (el.vr === 'SS') b.writeInt16LE(x, 2 * i);
      else if (el.vr === 'UL') b.writeUInt32LE(x, 4 * i);
      else if (el.vr === 'FL') b.writeFloatLE(x, 4 * i);
      else throw new Error(`numbers with VR ${el.vr}`);
    });
    return b;
  }
  const s = v as string;
  const pad = s.length % 2 ? (el.vr === 'UI' ? '\0' : ' ') : '';
  return Buffer.from(s + pad, 'latin1');
}

export function encodeElement(el: El): Buffer {
  const val = valueBytes(el);
  const head = [tagBytes(el.tag), Buffer.from(el.vr, 'latin1')];
  if (LONG_VRS.has(el.vr)) {
    const len = Buffer.alloc(6);
    len.writeUInt32LE(val.length, 2);
    head.push(len);
  } else {
    const len = Buffer.alloc(2);
    len.writeUInt16LE(val.length, 0);
    head.push(len);
  }
  return Buffer.concat([...head, val]);
}

/** Encapsulated pixel data: empty basic offset table item, one fragment per frame, sequence delimiter. */
export function encapsulated(frames: Uint8Array[]): Buffer {
  const item = (data: Uint8Array): Buffer => {
    const even = data.length % 2 ? Buffer.concat([Buffer.from(data), Buffer.alloc(1)]) : Buffer.from(data);
    const h = Buffer.alloc(8);
    h.writeUInt16LE(0xfffe, 0);
    h.writeUInt16LE(0xe000, 2);
    h.writeUInt32LE(even.length, 4);
    return Buffer.concat([h, even]);
  };
  const head = Buffer.concat([
    tagBytes(0x7fe00010),
    Buffer.from('OB', 'latin1'),
    Buffer.from([0, 0, 0xff, 0xff, 0xff, 0xff]),
  ]);
  const end = Buffer.alloc(8);
  end.writeUInt16LE(0xfffe, 0);
  end.writeUInt16LE(0xe0dd, 2);
  return Buffer.concat([head, item(new Uint8Array(0)), ...frames.map(item), end]);
}

/**
 * A Part 10 file: preamble, DICM, file meta group, then the data set (elements sorted by tag). Pass the pixel
 * data either as an OW/OB element in `elements` or as `encapsulatedFrames`.
 */
export function dicomFile(
  elements: El[],
  options: { transferSyntax?: string; encapsulatedFrames?: Uint8Array[] } = {},
): Buffer {
  const ts = options.transferSyntax ?? '1.2.840.10008.1.2.1';
  const metaEls: El[] = [
    { tag: 0x00020001, vr: 'OB', value: new Uint8Array([0, 1]) },
    { tag: 0x00020002, vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.7' },
    { tag: 0x00020003, vr: 'UI', value: '1.2.3.4.5.6.7' },
    { tag: 0x00020010, vr: 'UI', value: ts },
  ];
  const meta = Buffer.concat(metaEls.map(encodeElement));
  const groupLen = encodeElement({ tag: 0x00020000, vr: 'UL', value: [meta.length] });
  const body = Buffer.concat(elements.sort((a, b) => a.tag - b.tag).map(encodeElement));
  const parts = [Buffer.alloc(128), Buffer.from('DICM', 'latin1'), groupLen, meta, body];
  if (options.encapsulatedFrames) parts.push(encapsulated(options.encapsulatedFrames));
  return Buffer.concat(parts);
}

/** The usual image-pixel attributes. */
export function pixelModule(p: {
  rows: number;
  cols: number;
  bitsAllocated: number;
  bitsStored?: number;
  highBit?: number;
  signed?: boolean;
  photometric?: string;
  samples?: number;
  planar?: number;
  frames?: number;
}): El[] {
  const bs = p.bitsStored ?? p.bitsAllocated;
  const els: El[] = [
    { tag: 0x00280002, vr: 'US', value: [p.samples ?? 1] },
    { tag: 0x00280004, vr: 'CS', value: p.photometric ?? 'MONOCHROME2' },
    { tag: 0x00280010, vr: 'US', value: [p.rows] },
    { tag: 0x00280011, vr: 'US', value: [p.cols] },
    { tag: 0x00280100, vr: 'US', value: [p.bitsAllocated] },
    { tag: 0x00280101, vr: 'US', value: [bs] },
    { tag: 0x00280102, vr: 'US', value: [p.highBit ?? bs - 1] },
    { tag: 0x00280103, vr: 'US', value: [p.signed ? 1 : 0] },
  ];
  if ((p.samples ?? 1) > 1) els.push({ tag: 0x00280006, vr: 'US', value: [p.planar ?? 0] });
  if (p.frames !== undefined) els.push({ tag: 0x00280008, vr: 'IS', value: String(p.frames) });
  return els;
}

export const ds = (xs: number[]): string => xs.map((x) => String(x)).join('\\');

/** PackBits (PS3.5 G.3.1) of one byte plane: replicate runs of 3+ equal bytes, literal runs otherwise. */
export function packBits(src: Uint8Array): Uint8Array {
  const out: number[] = [];
  let i = 0;
  while (i < src.length) {
    let run = 1;
    while (i + run < src.length && src[i + run] === src[i] && run < 128) run++;
    if (run >= 3) {
      out.push(257 - run, src[i]);
      i += run;
      continue;
    }
    let j = i;
    while (j < src.length && j - i < 128) {
      if (j + 2 < src.length && src[j] === src[j + 1] && src[j] === src[j + 2]) break;
      j++;
    }
    out.push(j - i - 1, ...src.subarray(i, j));
    i = j;
  }
  return Uint8Array.from(out);
}

/** One RLE frame from little-endian interleaved samples: 64-byte header + one segment per byte plane, MSB first. */
export function rleFrame(samplesLE: Uint8Array, nPixels: number, spp: number, bytesPerSample: number): Uint8Array {
  const segs: Uint8Array[] = [];
  for (let s = 0; s < spp; s++) {
    for (let b = bytesPerSample - 1; b >= 0; b--) {
      const plane = new Uint8Array(nPixels);
      for (let p = 0; p < nPixels; p++) plane[p] = samplesLE[(p * spp + s) * bytesPerSample + b];
      const seg = packBits(plane);
      segs.push(seg.length % 2 ? Uint8Array.from([...seg, 128]) : seg); // pad with a no-op byte
    }
  }
  const header = Buffer.alloc(64);
  header.writeUInt32LE(segs.length, 0);
  let off = 64;
  segs.forEach((seg, k) => {
    header.writeUInt32LE(off, 4 + 4 * k);
    off += seg.length;
  });
  return Buffer.concat([header, ...segs]);
}
