/**
 * Transfer syntaxes and the decoders of compressed DICOM frames. Every decoder returns the frame as native
 * little-endian bytes, samples interleaved: rows * cols * samplesPerPixel * bytesPerSample bytes.
 *
 * - RLE: hand-written (rle.ts)
 * - JPEG baseline (process 1): @cornerstonejs/codec-libjpeg-turbo-8bit
 * - JPEG lossless (process 14, and its selection-value-1 variant): jpeg-lossless-decoder-js
 * - JPEG-LS (lossless and near-lossless): @cornerstonejs/codec-charls
 * - JPEG 2000 (lossless and lossy): @cornerstonejs/codec-openjpeg
 * The WebAssembly decoders are instantiated once per process, on first use.
 */
import charlsFactory from '@cornerstonejs/codec-charls/decodewasmjs';
import libjpegFactory from '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs';
import openjpegFactory from '@cornerstonejs/codec-openjpeg/decodewasmjs';
import { Decoder as JpegLosslessDecoder } from 'jpeg-lossless-decoder-js';
import { decodeRleFrame } from './rle.js';

export type PixelEncoding = 'native' | 'rle' | 'jpeg-baseline' | 'jpeg-lossless' | 'jpeg-ls' | 'jpeg2000';

export interface TransferSyntax {
  uid: string;
  name: string;
  encoding: PixelEncoding;
  /** native pixel data stored big-endian */
  bigEndian?: boolean;
}

const SYNTAXES: TransferSyntax[] = [
  { uid: '1.2.840.10008.1.2', name: 'Implicit VR Little Endian', encoding: 'native' },
  { uid: '1.2.840.10008.1.2.1', name: 'Explicit VR Little Endian', encoding: 'native' },
  { uid: '1.2.840.10008.1.2.1.99', name: 'Deflated Explicit VR Little Endian', encoding: 'native' },
  { uid: '1.2.840.10008.1.2.2', name: 'Explicit VR Big Endian', encoding: 'native', bigEndian: true },
  { uid: '1.2.840.10008.1.2.5', name: 'RLE Lossless', encoding: 'rle' },
  { uid: '1.2.840.10008.1.2.4.50', name: 'JPEG Baseline (Process 1)', encoding: 'jpeg-baseline' },
  { uid: '1.2.840.10008.1.2.4.57', name: 'JPEG Lossless (Process 14)', encoding: 'jpeg-lossless' },
  { uid: '1.2.840.10008.1.2.4.70', name: 'JPEG Lossless (Process 14, SV1)', encoding: 'jpeg-lossless' },
  { uid: '1.2.840.10008.1.2.4.80', name: 'JPEG-LS Lossless', encoding: 'jpeg-ls' },
  { uid: '1.2.840.10008.1.2.4.81', name: 'JPEG-LS Near-Lossless', encoding: 'jpeg-ls' },
  { uid: '1.2.840.10008.1.2.4.90', name: 'JPEG 2000 Lossless', encoding: 'jpeg2000' },
  { uid: '1.2.840.10008.1.2.4.91', name: 'JPEG 2000', encoding: 'jpeg2000' },
];

const KNOWN_UNSUPPORTED: Record<string, string> = {
  '1.2.840.10008.1.2.4.51': 'JPEG Extended (Process 2 & 4, 12-bit)',
  '1.2.840.10008.1.2.4.100': 'MPEG2',
  '1.2.840.10008.1.2.4.102': 'MPEG-4 AVC/H.264',
  '1.2.840.10008.1.2.4.201': 'HTJ2K Lossless',
  '1.2.840.10008.1.2.4.202': 'HTJ2K Lossless RPCL',
  '1.2.840.10008.1.2.4.203': 'HTJ2K',
};

/** The transfer syntax, or an Error naming the UID (and its name when known) for unsupported ones. */
export function transferSyntax(uid: string): TransferSyntax {
  const ts = SYNTAXES.find((s) => s.uid === uid);
  if (ts) return ts;
  const known = KNOWN_UNSUPPORTED[uid];
  throw new Error(`unsupported transfer syntax ${uid}${known ? ` (${known})` : ''}`);
}

export const SUPPORTED_TRANSFER_SYNTAXES: readonly string[] = SYNTAXES.map((s) => s.uid);

export interface FrameLayout {
  rows: number;
  cols: number;
  samplesPerPixel: number;
  bytesPerSample: number;
}

type CodecModule = { make: () => CornerstoneDecoder };
const quiet = { print: (): void => {}, printErr: (): void => {} };
let openjpeg: Promise<CodecModule> | undefined;
let charls: Promise<CodecModule> | undefined;
let libjpeg: Promise<CodecModule> | undefined;

function loadCodec(kind: 'jpeg2000' | 'jpeg-ls' | 'jpeg-baseline'): Promise<CodecModule> {
  if (kind === 'jpeg2000') {
    openjpeg ??= openjpegFactory(quiet).then((m) => ({ make: () => new m.J2KDecoder() }));
    return openjpeg;
  }
  if (kind === 'jpeg-ls') {
    charls ??= charlsFactory(quiet).then((m) => ({ make: () => new m.JpegLSDecoder() }));
    return charls;
  }
  libjpeg ??= libjpegFactory(quiet).then((m) => ({ make: () => new m.JPEGDecoder() }));
  return libjpeg;
}

async function decodeWithWasm(
  kind: 'jpeg2000' | 'jpeg-ls' | 'jpeg-baseline',
  bytes: Uint8Array,
): Promise<{
  data: Uint8Array;
  width: number;
  height: number;
  components: number;
  bytesPerSample: number;
}> {
  const codec = await loadCodec(kind);
  const dec = codec.make();
  try {
    dec.getEncodedBuffer(bytes.length).set(bytes);
    dec.decode();
    const info = dec.getFrameInfo();
    const decoded = dec.getDecodedBuffer();
    return {
      data: new Uint8Array(decoded), // copy out of the WebAssembly heap
      width: info.width,
      height: info.height,
      components: info.componentCount,
      bytesPerSample: info.bitsPerSample <= 8 ? 1 : 2,
    };
  } finally {
    dec.delete();
  }
}

function checkSize(got: { width: number; height: number; components: number }, layout: FrameLayout): void {
  if (got.width !== layout.cols || got.height !== layout.rows || got.components !== layout.samplesPerPixel) {
    throw new Error(
      `decoded frame is ${got.width}x${got.height}x${got.components}, the header says ` +
        `${layout.cols}x${layout.rows}x${layout.samplesPerPixel} (columns x rows x samples)`,
    );
  }
}

/** Converts decoded samples of `fromBytes` bytes to the header's bytes per sample (8-bit data in 16-bit words). */
function fitSampleSize(data: Uint8Array, fromBytes: number, layout: FrameLayout): Uint8Array {
  if (fromBytes === layout.bytesPerSample) return data;
  if (fromBytes === 1 && layout.bytesPerSample === 2) {
    const out = new Uint8Array(data.length * 2);
    for (let i = 0; i < data.length; i++) out[2 * i] = data[i];
    return out;
  }
  throw new Error(`decoded ${fromBytes * 8}-bit samples, the header says BitsAllocated ${layout.bytesPerSample * 8}`);
}

/** Decodes one compressed frame into native little-endian interleaved bytes. */
export async function decodeFrame(
  encoding: PixelEncoding,
  frame: Uint8Array,
  layout: FrameLayout,
): Promise<Uint8Array> {
  const expectedBytes = layout.rows * layout.cols * layout.samplesPerPixel * layout.bytesPerSample;
  let out: Uint8Array;
  switch (encoding) {
    case 'native':
      throw new Error('decodeFrame: native pixel data is not compressed');
    case 'rle':
      out = decodeRleFrame(frame, layout.rows, layout.cols, layout.samplesPerPixel, layout.bytesPerSample);
      break;
    case 'jpeg-lossless': {
      const dec = new JpegLosslessDecoder();
      // the decoder reads from an ArrayBuffer: give it one that holds exactly this frame
      const copy = new Uint8Array(frame.length);
      copy.set(frame);
      const decoded = dec.decode(copy.buffer, 0, copy.byteLength, layout.bytesPerSample);
      const bytes = new Uint8Array(decoded.buffer, decoded.byteOffset, decoded.byteLength);
      checkSize({ width: layout.cols, height: layout.rows, components: dec.numComp }, layout);
      out = bytes;
      break;
    }
    case 'jpeg-baseline':
    case 'jpeg-ls':
    case 'jpeg2000': {
      const r = await decodeWithWasm(encoding, frame);
      checkSize(r, layout);
      out = fitSampleSize(r.data, r.bytesPerSample, layout);
      break;
    }
  }
  if (out.length < expectedBytes) {
    throw new Error(`decoded frame has ${out.length} bytes, expected ${expectedBytes}`);
  }
  return out.length === expectedBytes ? out : out.subarray(0, expectedBytes);
}
