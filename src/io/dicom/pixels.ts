/**
 * Stored pixel values from a frame's (decoded) bytes, following PS3.3 C.7.6.3 / PS3.5 8:
 * - BitsStored/HighBit: value = (word >> (HighBit + 1 - BitsStored)) & (2^BitsStored - 1), sign-extended from
 *   BitsStored bits when PixelRepresentation = 1, so bits outside the stored range (overlays, padding) are dropped.
 * - MONOCHROME1 (minimum = white) is inverted to MONOCHROME2 on the stored values, before any rescale:
 *   unsigned v -> (2^BitsStored - 1) - v, signed v -> -1 - v (both map the stored range onto itself).
 * - Colour (SamplesPerPixel 3): YBR_FULL keeps Y (the BT.601 luma); RGB, and JPEG-family YBR data that the
 *   decoder has converted to RGB, become grey by the rule of grey.ts.
 */
import { colourToGrey } from '../grey.js';
import type { PixelEncoding } from './codecs.js';
import type { PixelFormat } from './parse.js';

export type StoredArray = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array;

/** The array type that holds the grey stored values of this format. */
export function storedArrayType(f: PixelFormat): { new (n: number): StoredArray } {
  const signed = f.samplesPerPixel === 1 && f.pixelRepresentation === 1;
  if (f.bitsAllocated === 8) return signed ? Int8Array : Uint8Array;
  if (f.bitsAllocated === 16) return signed ? Int16Array : Uint16Array;
  return signed ? Int32Array : Uint32Array;
}

const MONO = new Set(['MONOCHROME1', 'MONOCHROME2']);
const COLOUR = new Set(['RGB', 'YBR_FULL', 'YBR_FULL_422', 'YBR_ICT', 'YBR_RCT']);

/** Throws a message (without the file name) when the photometric interpretation cannot be made grey. */
export function checkPhotometric(f: PixelFormat, encoding: PixelEncoding): void {
  if (f.samplesPerPixel === 1) {
    if (!MONO.has(f.photometric)) {
      throw new Error(
        `unsupported PhotometricInterpretation ${f.photometric} with 1 sample per pixel (palette colour is not supported)`,
      );
    }
    return;
  }
  if (f.samplesPerPixel !== 3 || !COLOUR.has(f.photometric)) {
    throw new Error(
      `unsupported PhotometricInterpretation ${f.photometric} with ${f.samplesPerPixel} samples per pixel`,
    );
  }
  if (f.pixelRepresentation !== 0) throw new Error('signed colour pixel data is not supported');
  if (f.bitsAllocated === 32) throw new Error('32-bit colour pixel data is not supported');
  const jpegFamily =
    encoding === 'jpeg-baseline' || encoding === 'jpeg-lossless' || encoding === 'jpeg-ls' || encoding === 'jpeg2000';
  if (!jpegFamily && (f.photometric === 'YBR_FULL_422' || f.photometric === 'YBR_ICT' || f.photometric === 'YBR_RCT')) {
    throw new Error(
      `PhotometricInterpretation ${f.photometric} is only supported inside JPEG-family transfer syntaxes`,
    );
  }
}

function unsignedView(
  bytes: Uint8Array,
  bytesPerSample: number,
  bigEndian: boolean,
): Uint8Array | Uint16Array | Uint32Array {
  if (bytesPerSample === 1) return bytes;
  // copy: aligns the data and lets us swap big-endian words without touching the file buffer
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  if (bigEndian) {
    for (let p = 0; p + bytesPerSample <= copy.length; p += bytesPerSample) {
      for (let a = p, b = p + bytesPerSample - 1; a < b; a++, b--) {
        const t = copy[a];
        copy[a] = copy[b];
        copy[b] = t;
      }
    }
  }
  return bytesPerSample === 2
    ? new Uint16Array(copy.buffer, 0, copy.length / 2)
    : new Uint32Array(copy.buffer, 0, copy.length / 4);
}

/**
 * Writes the rows*cols grey stored values of one frame into `dst` at `offset`. `bytes` are the native (possibly
 * big-endian) or decoded (little-endian, interleaved) bytes of the frame. Returns [min, max] of what it wrote.
 *
 * Speed: the element loops run over one Float64Array work buffer only (bulk `set` converts in and out), so they
 * stay monomorphic whatever the pixel types seen by the process.
 */
export function writeStoredFrame(
  dst: StoredArray,
  offset: number,
  bytes: Uint8Array,
  f: PixelFormat,
  options: { bigEndian: boolean; planar: boolean; encoding: PixelEncoding },
): [number, number] {
  const n = f.rows * f.cols;
  const bps = f.bitsAllocated / 8;
  const src = unsignedView(bytes, bps, options.bigEndian);
  const shift = f.highBit + 1 - f.bitsStored;
  const full = f.bitsStored === f.bitsAllocated && shift === 0;
  const mask = f.bitsStored >= 32 ? 0xffffffff : 2 ** f.bitsStored - 1;
  const signed = f.samplesPerPixel === 1 && f.pixelRepresentation === 1;
  const w = new Float64Array(n);

  if (f.samplesPerPixel === 3) {
    let samples = src as Uint8Array | Uint16Array;
    if (!full) {
      const m = new Float64Array(samples);
      for (let i = 0; i < m.length; i++) m[i] = (m[i] >>> shift) & mask;
      samples = bps === 1 ? new Uint8Array(m) : new Uint16Array(m);
    }
    if (f.photometric === 'YBR_FULL' && options.encoding !== 'jpeg-baseline') {
      // Y is the luma already: take channel 0
      if (options.planar) w.set(samples.subarray(0, n));
      else {
        const all = new Float64Array(samples);
        for (let i = 0; i < n; i++) w[i] = all[3 * i];
      }
    } else {
      w.set(colourToGrey(samples, 3, { planar: options.planar }));
    }
  } else if (full && signed) {
    // reinterpret the words as two's complement (src is an aligned copy for 16/32 bits)
    const b = src.buffer;
    const o = src.byteOffset;
    w.set(bps === 1 ? new Int8Array(b, o, n) : bps === 2 ? new Int16Array(b, o, n) : new Int32Array(b, o, n));
  } else {
    w.set(src.subarray(0, n));
    if (!full) {
      const signBit = 2 ** (f.bitsStored - 1);
      const wrap = 2 ** f.bitsStored;
      for (let i = 0; i < n; i++) {
        let v = (w[i] >>> shift) & mask;
        if (signed && v >= signBit) v -= wrap; // two's complement of BitsStored bits
        w[i] = v;
      }
    }
  }

  if (f.photometric === 'MONOCHROME1') {
    if (signed) for (let i = 0; i < n; i++) w[i] = -1 - w[i];
    else for (let i = 0; i < n; i++) w[i] = mask - w[i];
  }
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = w[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  dst.set(w, offset);
  return [min, max];
}
