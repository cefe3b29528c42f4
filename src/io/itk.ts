/**
 * MetaImage (.mha/.mhd), NRRD (.nrrd/.nhdr) and the other formats of ITK, via @itk-wasm/image-io.
 *
 * itk-wasm images are in LPS world coordinates with `direction` row-major (column j = axis j), the same
 * convention as `Image`; `size`/`spacing` are in x, y, z order, the reverse of `Image.shape`. Volumes are
 * reoriented to the canonical LPS layout (orient.ts); 2D images keep their own direction. Multi-component
 * pixels (RGB/RGBA of 8 or 16 bits) become grey by the rule of grey.ts; other vector images are an error.
 */
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { readImageNode, writeImageNode } from '@itk-wasm/image-io';
import { ImageIoError, wrapError } from './errors.js';
import { colourToGrey } from './grey.js';
import type { Image, PixelArray } from './image.js';
import { checkMetaImage } from './metaimage-check.js';
import { checkNrrd } from './nrrd-check.js';
import { reorientToLps } from './orient.js';
import { checkWritableImage } from './validate.js';

const FORMAT = 'itk';

type ItkImage = Awaited<ReturnType<typeof readImageNode>>;

export interface WriteItkOptions {
  /** compress the pixel data when the format supports it (default true) */
  compress?: boolean;
}

function toPixelArray(data: unknown, path: string): PixelArray {
  if (
    data instanceof Uint8Array ||
    data instanceof Int8Array ||
    data instanceof Uint16Array ||
    data instanceof Int16Array ||
    data instanceof Uint32Array ||
    data instanceof Int32Array ||
    data instanceof Float32Array ||
    data instanceof Float64Array
  ) {
    return data;
  }
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    const out = new Float64Array(data.length);
    for (let i = 0; i < data.length; i++) out[i] = Number(data[i]);
    return out;
  }
  throw new ImageIoError(FORMAT, path, 'image has no pixel data of a supported type');
}

/** The geometry ITK made of the header (a safety net behind the header checks): finite, spacing > 0. */
function checkGeometry(itk: ItkImage, dir: number[], path: string): void {
  const nd = itk.imageType.dimension;
  const spacing = Array.from(itk.spacing).slice(0, nd);
  const field = /\.(mha|mhd)$/i.test(path)
    ? 'ElementSpacing'
    : /\.(nrrd|nhdr)$/i.test(path)
      ? 'spacings / space directions'
      : 'spacing';
  if (!spacing.every((s) => Number.isFinite(s) && s > 0))
    throw new ImageIoError(
      FORMAT,
      path,
      `${field}: voxel size [${spacing.join(', ')}]: every one must be a finite number > 0`,
    );
  const origin = Array.from(itk.origin).slice(0, nd);
  if (!origin.every(Number.isFinite)) throw new ImageIoError(FORMAT, path, `non-finite origin [${origin.join(', ')}]`);
  if (!dir.every(Number.isFinite)) throw new ImageIoError(FORMAT, path, `non-finite direction [${dir.join(', ')}]`);
}

/** Converts an itk-wasm image to the canonical Image. */
export function fromItkImage(itk: ItkImage, path: string): Image {
  const dim = itk.imageType.dimension;
  const comps = itk.imageType.components;
  let data = toPixelArray(itk.data, path);
  if (comps > 1) {
    if ((comps === 3 || comps === 4) && (data instanceof Uint8Array || data instanceof Uint16Array)) {
      data = colourToGrey(data, comps);
    } else {
      throw new ImageIoError(
        FORMAT,
        path,
        `${comps}-component ${itk.imageType.componentType} pixels (${itk.imageType.pixelType}) are not supported`,
      );
    }
  }
  const size = itk.size;
  const dir = Array.from(itk.direction as ArrayLike<number>);
  checkGeometry(itk, dir, path);
  if (dim === 2) {
    return {
      data,
      shape: [size[1], size[0]],
      spacing: [itk.spacing[1], itk.spacing[0]],
      origin: [itk.origin[0], itk.origin[1]],
      direction: dir,
      source: path,
    };
  }
  if (dim !== 3) throw new ImageIoError(FORMAT, path, `${dim}D images are not supported (2D or 3D only)`);
  const s = itk.spacing;
  const o = itk.origin;
  // prettier-ignore
  const affine = [
    dir[0] * s[0], dir[1] * s[1], dir[2] * s[2], o[0],
    dir[3] * s[0], dir[4] * s[1], dir[5] * s[2], o[1],
    dir[6] * s[0], dir[7] * s[1], dir[8] * s[2], o[2],
  ];
  try {
    return reorientToLps(data, [size[0], size[1], size[2]], affine, path);
  } catch (err) {
    throw wrapError(FORMAT, path, 'bad geometry', err);
  }
}

/**
 * Runs an itk-wasm call. When its pipeline fails, itk-wasm throws a bare number (a pointer) and sets
 * `process.exitCode = 1` as a side effect; this restores the exit code and gives a readable error.
 */
async function runItk<T>(path: string, what: string, call: () => Promise<T>): Promise<T> {
  const exitCode = process.exitCode;
  try {
    return await call();
  } catch (err) {
    process.exitCode = exitCode;
    if (typeof err === 'number')
      throw new ImageIoError(FORMAT, path, `${what}: ITK failed (corrupt, truncated or unsupported file?)`);
    throw wrapError(FORMAT, path, what, err);
  }
}

/** Reads any image ITK reads (MHA, NRRD, ...) into the canonical Image. */
export async function readItk(path: string): Promise<Image> {
  try {
    await access(path, constants.R_OK);
  } catch (err) {
    throw wrapError(FORMAT, path, 'cannot read file', err);
  }
  // the header and the pixel data it declares, checked before ITK allocates or decompresses anything
  if (/\.(mha|mhd)$/i.test(path)) await checkMetaImage(path);
  else if (/\.(nrrd|nhdr)$/i.test(path)) await checkNrrd(path);
  const itk = await runItk(path, 'cannot read image', () => readImageNode(path));
  return fromItkImage(itk, path);
}

function componentType(data: PixelArray): ItkImage['imageType']['componentType'] {
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Uint16Array) return 'uint16';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Uint32Array) return 'uint32';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Float32Array) return 'float32';
  return 'float64';
}

/** The itk-wasm image of an Image (shares the pixel buffer). */
export function toItkImage(image: Image): ItkImage {
  const nd = image.shape.length;
  const rev = <T>(a: readonly T[]): T[] => [...a].reverse();
  return {
    imageType: { dimension: nd, componentType: componentType(image.data), pixelType: 'Scalar', components: 1 },
    name: 'image',
    origin: image.origin.slice(0, nd),
    spacing: rev(image.spacing),
    direction: new Float64Array(image.direction),
    size: rev(image.shape),
    data: image.data,
    metadata: new Map(),
  } as ItkImage;
}

/** Writes an Image with ITK; the format follows the extension (.mha, .nrrd, .nii.gz, ...). */
export async function writeItk(path: string, image: Image, options: WriteItkOptions = {}): Promise<void> {
  checkWritableImage(image, path, FORMAT);
  await runItk(path, 'cannot write image', () =>
    writeImageNode(toItkImage(image), path, { useCompression: options.compress ?? true }),
  );
}
