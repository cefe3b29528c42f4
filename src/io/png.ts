/**
 * PNG / JPEG (and the other 2D raster formats sharp decodes) <-> 2D Image, via sharp.
 *
 * Reading: 8-bit files give Uint8Array, 16-bit files Uint16Array (`toColourspace('grey16' | 'rgb16')` +
 * `raw({depth: 'ushort'})`, which keeps all 16 bits). Grey files are read as one channel (alpha dropped); colour files
 * (RGB, RGBA, palette) become grey by the rule of grey.ts: exact R when R == G == B everywhere, else
 * round(0.299 R + 0.587 G + 0.114 B). 1/2/4-bit grey is expanded to 8 bits as libpng does (1-bit: 0/255).
 * Raster files carry no trustworthy physical size, so spacing is [1, 1] (pixels), origin [0, 0], identity
 * direction; rows are in file order (row 0 at the top). The first page of multi-page files is read.
 *
 * Writing: grey PNG of 8 or 16 bits from a 2D image (or a [1, h, w] volume). Values must be integers in
 * [0, 2^bitDepth - 1] - nothing is clipped or rescaled silently (signed HU need an offset first).
 */
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { ImageIoError, wrapError } from './errors.js';
import { colourToGrey } from './grey.js';
import type { Image } from './image.js';
import { checkWritableImage } from './validate.js';

const FORMAT = 'png';

export interface WritePngOptions {
  /** 8 or 16; default 8 for Uint8Array data, 16 otherwise */
  bitDepth?: 8 | 16;
  /** zlib level 0..9 (default 6) */
  compressionLevel?: number;
}

/** Reads a PNG/JPEG (any format sharp reads) as a 2D grey image. */
export async function readPng(path: string): Promise<Image> {
  let meta: Metadata;
  try {
    meta = await sharp(path).metadata();
  } catch (err) {
    throw wrapError(FORMAT, path, 'cannot read image', err);
  }
  const sixteen = meta.depth === 'ushort';
  if (meta.depth !== 'uchar' && !sixteen) {
    throw new ImageIoError(FORMAT, path, `unsupported sample format ${meta.depth} (8- and 16-bit images only)`);
  }
  const colour = meta.channels >= 3 && meta.space !== 'b-w' && meta.space !== 'grey16';
  let raw: { data: Buffer; info: OutputInfo };
  try {
    let pipe = sharp(path);
    // keep 16 bits: without an explicit 16-bit colourspace sharp's pipeline works in 8-bit sRGB
    pipe = pipe.toColourspace(colour ? (sixteen ? 'rgb16' : 'srgb') : sixteen ? 'grey16' : 'b-w');
    raw = await pipe.raw({ depth: sixteen ? 'ushort' : 'uchar' }).toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw wrapError(FORMAT, path, 'cannot decode pixels (corrupt or truncated file?)', err);
  }
  const { width, height, channels } = raw.info;
  const n = width * height;
  // copy into an aligned typed array of the right width
  const bytes = new Uint8Array(raw.data.length);
  bytes.set(raw.data);
  const samples = sixteen ? new Uint16Array(bytes.buffer, 0, bytes.length / 2) : bytes;
  let data: Uint8Array | Uint16Array;
  if (channels === 1) {
    data = samples;
  } else if (channels >= 3) {
    data = colourToGrey(samples, channels);
  } else {
    // grey + alpha: keep grey
    data = sixteen ? new Uint16Array(n) : new Uint8Array(n);
    for (let i = 0; i < n; i++) data[i] = samples[i * channels];
  }
  if (data.length !== n)
    throw new ImageIoError(FORMAT, path, `decoded ${data.length} pixels, expected ${width}x${height}`);
  return { data, shape: [height, width], spacing: [1, 1], origin: [0, 0], direction: [1, 0, 0, 1], source: path };
}

/** Writes a 2D image (or a [1, h, w] volume) as a grey PNG of 8 or 16 bits, bit-exact. */
export async function writePng(path: string, image: Image, options: WritePngOptions = {}): Promise<void> {
  checkWritableImage(image, path, FORMAT);
  const shape = image.shape;
  if (shape.length === 3 && shape[0] !== 1) {
    throw new ImageIoError(FORMAT, path, `PNG holds one 2D image; got a volume of shape [${shape.join(', ')}]`);
  }
  const height = shape[shape.length - 2];
  const width = shape[shape.length - 1];
  const bitDepth = options.bitDepth ?? (image.data instanceof Uint8Array ? 8 : 16);
  if (bitDepth !== 8 && bitDepth !== 16)
    throw new ImageIoError(FORMAT, path, `bitDepth must be 8 or 16, got ${String(bitDepth)}`);
  const max = bitDepth === 8 ? 255 : 65535;
  const src = image.data;
  let pixels: Uint8Array | Uint16Array;
  if (
    (bitDepth === 8 && src instanceof Uint8Array) ||
    (bitDepth === 16 && (src instanceof Uint16Array || src instanceof Uint8Array))
  ) {
    pixels = bitDepth === 8 ? (src as Uint8Array) : new Uint16Array(src);
  } else {
    const w = new Float64Array(src); // monomorphic check loop
    for (let i = 0; i < w.length; i++) {
      const v = w[i];
      if (!(v >= 0 && v <= max) || !Number.isInteger(v)) {
        throw new ImageIoError(
          FORMAT,
          path,
          `value ${v} at index ${i} does not fit a ${bitDepth}-bit PNG (integers 0..${max}); rescale or offset the image first`,
        );
      }
    }
    pixels = bitDepth === 8 ? new Uint8Array(w) : new Uint16Array(w);
  }
  // sharp infers the raw sample depth from the TypedArray type
  try {
    await sharp(pixels, { raw: { width, height, channels: 1 } })
      .toColourspace(bitDepth === 8 ? 'b-w' : 'grey16')
      .png({ compressionLevel: options.compressionLevel ?? 6 })
      .toFile(path);
  } catch (err) {
    throw wrapError(FORMAT, path, 'cannot write PNG', err);
  }
}
