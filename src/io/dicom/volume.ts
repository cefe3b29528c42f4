/**
 * Frames (of one multi-frame file, or of the single-frame files of a series) -> one volume.
 *
 * Order and geometry: when every frame has ImagePositionPatient and ImageOrientationPatient, frames are sorted by
 * position . n (n = row direction x column direction, the slice normal) and the slice step is the mean
 * difference of those projections; steps must be uniform (tolerance max(0.001 mm, 5 % of the mean step)) and
 * the positions must lie along n (drift across n at most 1 % of the step: no gantry tilt), otherwise it is an error, or with
 * `nonUniformSpacing: 'warn'` a warning and the mean step vector is used. Without that geometry the frames keep
 * the file's order (or InstanceNumber order across files) on an identity orientation at the origin.
 * The voxel-to-world matrix (LPS, DICOM's own patient coordinates) is then: column index -> row direction x
 * PixelSpacing[1], row index -> column direction x PixelSpacing[0], frame -> slice step; the volume is reoriented
 * to the canonical LPS layout like every other reader (orient.ts).
 *
 * Values: stored values (pixels.ts), then RescaleSlope/RescaleIntercept (per frame). Without a rescale the
 * stored type is kept; with integer slope and intercept whose results fit, Int16Array (exact HU); otherwise
 * Float32Array.
 */
import type { Affine } from '../affine.js';
import { ImageIoError, wrapError } from '../errors.js';
import type { Image, PixelArray } from '../image.js';
import { reorientToLps } from '../orient.js';
import { decodeFrame } from './codecs.js';
import { type DicomFile, FORMAT, frameBytes } from './parse.js';
import { type StoredArray, checkPhotometric, storedArrayType, writeStoredFrame } from './pixels.js';
import { type FrameRef, fallbackStep, frameLabel, inPlaneSpacing, placeLegacyFrames } from './spacing.js';

export interface VolumeOptions {
  /** what to do with non-uniform slice spacing or positions off the slice normal (default 'error') */
  nonUniformSpacing?: 'error' | 'warn';
  /** receives warnings (default console.warn) */
  onWarning?: (message: string) => void;
}

type Vec3 = [number, number, number];
const dot = (a: readonly number[], b: readonly number[]): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross = (a: readonly number[], b: readonly number[]): Vec3 => [
  a[1] * b[2] - a[2] * b[1],
  a[2] * b[0] - a[0] * b[2],
  a[0] * b[1] - a[1] * b[0],
];
const normalise = (a: readonly number[]): Vec3 => {
  const n = Math.hypot(a[0], a[1], a[2]);
  return [a[0] / n, a[1] / n, a[2] / n];
};

function fail(where: string, msg: string): never {
  throw new ImageIoError(FORMAT, where, msg);
}

function sameFormat(a: DicomFile, b: DicomFile): string | undefined {
  const keys = [
    'rows',
    'cols',
    'samplesPerPixel',
    'bitsAllocated',
    'bitsStored',
    'highBit',
    'pixelRepresentation',
    'photometric',
  ] as const;
  for (const k of keys) if (a.format[k] !== b.format[k]) return `${k} ${a.format[k]} vs ${b.format[k]}`;
  return undefined;
}

/** Sorted frames and their LPS voxel-to-world matrix. */
function geometry(frames: FrameRef[], where: string, opts: VolumeOptions): { sorted: FrameRef[]; affine: Affine } {
  const warn = opts.onWarning ?? ((m: string) => console.warn(m));
  const f0 = frames[0];
  const ps = inPlaneSpacing(frames, where, warn);
  if (!frames.every((f) => f.info.position && f.info.orientation)) return fallbackGeometry(frames, where, ps, warn);
  const o0 = f0.info.orientation!;
  for (const f of frames) {
    const o = f.info.orientation!;
    if (o.some((x, i) => Math.abs(x - o0[i]) > 1e-4)) {
      fail(
        where,
        `frames have different ImageOrientationPatient: [${o0.join(', ')}] in ${f0.file.path} vs [${o.join(', ')}] in ${f.file.path}`,
      );
    }
  }
  const row = normalise(o0.slice(0, 3));
  const col = normalise(o0.slice(3, 6));
  if (!row.every(Number.isFinite) || !col.every(Number.isFinite) || Math.abs(dot(row, col)) > 1e-3) {
    fail(where, `invalid ImageOrientationPatient [${o0.join(', ')}] in ${f0.file.path}`);
  }
  const n = normalise(cross(row, col));
  const keyed = frames.map((f) => ({ f, d: dot(f.info.position!, n) }));
  keyed.sort((a, b) => a.d - b.d || (a.f.file.instanceNumber ?? 0) - (b.f.file.instanceNumber ?? 0));
  const sorted = keyed.map((k) => k.f);
  for (let i = 1; i < keyed.length; i++) {
    if (Math.abs(keyed[i].d - keyed[i - 1].d) < 1e-3) {
      fail(
        where,
        `two frames at the same slice position ${keyed[i].d.toFixed(3)} mm (several echoes/phases/series mixed?): ${frameLabel(keyed[i - 1].f)} and ${frameLabel(keyed[i].f)}`,
      );
    }
  }
  let step: Vec3;
  if (keyed.length === 1) {
    const dz = fallbackStep(f0.info, f0.file.path, warn);
    step = [n[0] * dz, n[1] * dz, n[2] * dz];
  } else {
    step = sliceStep(keyed, n, where, opts, warn);
  }
  const p = sorted[0].info.position!;
  // prettier-ignore
  const affine: Affine = [
    row[0] * ps[1], col[0] * ps[0], step[0], p[0],
    row[1] * ps[1], col[1] * ps[0], step[1], p[1],
    row[2] * ps[1], col[2] * ps[0], step[2], p[2],
  ];
  return { sorted, affine };
}

/** Frames without position or orientation: identity orientation, frames in InstanceNumber (or file) order. */
function fallbackGeometry(
  frames: FrameRef[],
  where: string,
  ps: readonly number[],
  warn: (m: string) => void,
): { sorted: FrameRef[]; affine: Affine } {
  const f0 = frames[0];
  const multiFile = new Set(frames.map((f) => f.file)).size > 1;
  const sorted = multiFile
    ? [...frames].sort(
        (a, b) => (a.file.instanceNumber ?? 0) - (b.file.instanceNumber ?? 0) || a.file.path.localeCompare(b.file.path),
      )
    : frames;
  if (frames.length > 1) {
    warn(
      `${FORMAT}: ${where}: no ImagePositionPatient/ImageOrientationPatient on every frame: identity orientation, frames in ${multiFile ? 'InstanceNumber' : 'file'} order`,
    );
  }
  const dz = fallbackStep(f0.info, f0.file.path, warn);
  return { sorted, affine: [ps[1], 0, 0, 0, 0, ps[0], 0, 0, 0, 0, dz, 0] };
}

/**
 * The slice step vector of two or more frames sorted along the normal n: the mean step along n, checked for uniform
 * spacing (5 % jitter allowed: positions are often rounded to 0.1 mm; a missing slice is +100 %) and for drift across
 * the normal (at most 1 % of the step, about 0.6 degrees of gantry tilt; with drift, the mean position step is used).
 */
function sliceStep(
  keyed: readonly { f: FrameRef; d: number }[],
  n: Vec3,
  where: string,
  opts: VolumeOptions,
  warn: (m: string) => void,
): Vec3 {
  const m = keyed.length - 1;
  const mean = (keyed[m].d - keyed[0].d) / m;
  const tol = Math.max(1e-3, 0.05 * mean);
  const tiltTol = Math.max(1e-3, 0.01 * mean);
  let worst = 0;
  let worstAt = 1;
  for (let i = 1; i <= m; i++) {
    const dev = Math.abs(keyed[i].d - keyed[i - 1].d - mean);
    if (dev > worst) {
      worst = dev;
      worstAt = i;
    }
  }
  const p0 = keyed[0].f.info.position!;
  const pm = keyed[m].f.info.position!;
  const v: Vec3 = [(pm[0] - p0[0]) / m, (pm[1] - p0[1]) / m, (pm[2] - p0[2]) / m];
  const along = dot(v, n);
  const offNormal = Math.hypot(v[0] - along * n[0], v[1] - along * n[1], v[2] - along * n[2]);
  let step: Vec3 = [n[0] * mean, n[1] * mean, n[2] * mean];
  const problems: string[] = [];
  if (worst > tol) {
    const d = keyed[worstAt].d - keyed[worstAt - 1].d;
    problems.push(
      `non-uniform slice spacing: step ${d.toFixed(4)} mm between ${frameLabel(keyed[worstAt - 1].f)} and ${frameLabel(keyed[worstAt].f)}, mean ${mean.toFixed(4)} mm (missing slice?)`,
    );
  }
  if (offNormal > tiltTol) {
    problems.push(`slice positions move ${offNormal.toFixed(4)} mm per slice across the slice normal (gantry tilt?)`);
    step = v;
  }
  if (problems.length > 0) {
    if ((opts.nonUniformSpacing ?? 'error') === 'error') {
      fail(where, `${problems.join('; ')}; pass { nonUniformSpacing: 'warn' } to read it with the mean step`);
    }
    warn(`${FORMAT}: ${where}: ${problems.join('; ')}: using the mean step`);
  }
  return step;
}

/** Stored values -> modality values by the per-frame rescale, choosing the output type (see top of file). */
function rescale(stored: StoredArray, frameSize: number, frames: FrameRef[], ranges: [number, number][]): PixelArray {
  const trivial = frames.every((f) => f.info.slope === 1 && f.info.intercept === 0);
  if (trivial) return stored;
  const integral = frames.every((f) => Number.isInteger(f.info.slope) && Number.isInteger(f.info.intercept));
  let lo = Infinity;
  let hi = -Infinity;
  frames.forEach((f, k) => {
    const [a, b] = ranges[k];
    const x = a * f.info.slope + f.info.intercept;
    const y = b * f.info.slope + f.info.intercept;
    lo = Math.min(lo, x, y);
    hi = Math.max(hi, x, y);
  });
  const out = integral && lo >= -32768 && hi <= 32767 ? new Int16Array(stored.length) : new Float32Array(stored.length);
  const w = new Float64Array(frameSize); // monomorphic work buffer, see pixels.ts
  frames.forEach((f, k) => {
    const s = f.info.slope;
    const b = f.info.intercept;
    w.set(stored.subarray(k * frameSize, (k + 1) * frameSize));
    for (let i = 0; i < frameSize; i++) w[i] = w[i] * s + b;
    out.set(w, k * frameSize);
  });
  return out;
}

/** Decodes the frames into one array in the given order; returns the stored values and each frame's range. */
async function decodeAll(
  sorted: FrameRef[],
  where: string,
): Promise<{ stored: StoredArray; ranges: [number, number][] }> {
  const f = sorted[0].file.format;
  const frameSize = f.rows * f.cols;
  const Stored = storedArrayType(f);
  const stored = new Stored(frameSize * sorted.length);
  const ranges: [number, number][] = [];
  for (let k = 0; k < sorted.length; k++) {
    const { file, index } = sorted[k];
    const ts = file.transferSyntax;
    try {
      checkPhotometric(file.format, ts.encoding);
      let bytes = frameBytes(file, index);
      if (ts.encoding !== 'native') {
        bytes = await decodeFrame(ts.encoding, bytes, {
          rows: f.rows,
          cols: f.cols,
          samplesPerPixel: f.samplesPerPixel,
          bytesPerSample: f.bitsAllocated / 8,
        });
      } else if (ts.bigEndian && f.bitsAllocated === 8 && file.dataSet.elements.x7fe00010.vr === 'OW') {
        // 8-bit samples in big-endian 16-bit words: swap the bytes of each word back
        const sw = new Uint8Array(bytes.length);
        for (let i = 0; i + 1 < bytes.length; i += 2) {
          sw[i] = bytes[i + 1];
          sw[i + 1] = bytes[i];
        }
        bytes = sw;
      }
      const planar = ts.encoding === 'native' && file.format.planarConfiguration === 1;
      const bigEndian = ts.encoding === 'native' && ts.bigEndian === true;
      ranges.push(
        writeStoredFrame(stored, k * frameSize, bytes, file.format, { bigEndian, planar, encoding: ts.encoding }),
      );
    } catch (err) {
      const what = `cannot decode frame ${index} (${ts.name}, ${ts.uid})`;
      throw wrapError(FORMAT, file.path === where ? where : file.path, what, err);
    }
  }
  return { stored, ranges };
}

/** Builds one volume from the frames of `files` (already grouped to one series). `where` names it in errors. */
export async function assembleVolume(files: DicomFile[], where: string, opts: VolumeOptions = {}): Promise<Image> {
  if (files.length === 0) fail(where, 'no DICOM image files');
  for (const file of files) {
    const diff = sameFormat(files[0], file);
    if (diff) fail(where, `files of one series differ in ${diff}: ${files[0].path} and ${file.path}`);
  }
  const warn = opts.onWarning ?? ((m: string) => console.warn(m));
  for (const file of files) placeLegacyFrames(file, warn);
  const frames: FrameRef[] = files.flatMap((file) => file.frames.map((info, index) => ({ file, index, info })));
  const { sorted, affine } = geometry(frames, where, opts);
  const { stored, ranges } = await decodeAll(sorted, where);
  const f = files[0].format;
  const data = rescale(stored, f.rows * f.cols, sorted, ranges);
  try {
    return reorientToLps(data, [f.cols, f.rows, sorted.length], affine, where);
  } catch (err) {
    throw wrapError(FORMAT, where, 'bad geometry', err);
  }
}

/** One frame as a 2D image in the stored row/column order (no patient geometry; see dicom.ts). */
export async function assembleSlice(file: DicomFile, opts: VolumeOptions = {}): Promise<Image> {
  const ref: FrameRef = { file, index: 0, info: file.frames[0] };
  const { stored, ranges } = await decodeAll([ref], file.path);
  const f = file.format;
  const data = rescale(stored, f.rows * f.cols, [ref], ranges);
  const ps = inPlaneSpacing([ref], file.path, opts.onWarning ?? ((m: string) => console.warn(m)));
  return {
    data,
    shape: [f.rows, f.cols],
    spacing: [ps[0], ps[1]],
    origin: [0, 0],
    direction: [1, 0, 0, 1],
    source: file.path,
  };
}
