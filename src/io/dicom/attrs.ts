/**
 * The attributes of a DICOM data set the readers use, read strictly: a numeric attribute that is present must be
 * well-formed (every value of a DS/IS string a finite number, as many values as the attribute has), otherwise it is
 * an error naming the file and the tag; an absent or empty attribute is `undefined` and the caller decides the
 * fallback (documented in docs/data.md). Geometry and rescale are read from the top level, the shared and the
 * per-frame functional groups of enhanced objects.
 */
import type { DataSet } from 'dicom-parser';
import { ImageIoError } from '../errors.js';

export const FORMAT = 'dicom';

export interface FrameInfo {
  /** ImagePositionPatient: world (LPS, mm) centre of the frame's first pixel */
  position?: [number, number, number];
  /** ImageOrientationPatient: row direction (increasing column index), then column direction */
  orientation?: [number, number, number, number, number, number];
  /** PixelSpacing: [between rows, between columns] in mm, both > 0 */
  pixelSpacing?: [number, number];
  /** finite, sign not checked here: only checked where it is used as the slice step (spacing.ts) */
  sliceThickness?: number;
  spacingBetweenSlices?: number;
  slope: number;
  intercept: number;
}

export const T = {
  transferSyntax: 'x00020010',
  seriesUid: 'x0020000e',
  instanceNumber: 'x00200013',
  samplesPerPixel: 'x00280002',
  photometric: 'x00280004',
  planar: 'x00280006',
  numberOfFrames: 'x00280008',
  rows: 'x00280010',
  cols: 'x00280011',
  pixelSpacing: 'x00280030',
  imagerPixelSpacing: 'x00181164',
  bitsAllocated: 'x00280100',
  bitsStored: 'x00280101',
  highBit: 'x00280102',
  pixelRepresentation: 'x00280103',
  intercept: 'x00281052',
  slope: 'x00281053',
  position: 'x00200032',
  orientation: 'x00200037',
  sliceThickness: 'x00180050',
  spacingBetweenSlices: 'x00180088',
  pixelData: 'x7fe00010',
  sharedGroups: 'x52009229',
  perFrameGroups: 'x52009230',
  planePositionSeq: 'x00209113',
  planeOrientationSeq: 'x00209116',
  pixelMeasuresSeq: 'x00289110',
  pixelValueTransformSeq: 'x00289145',
} as const;

/** 'x00280030' -> 'PixelSpacing (0028,0030)' */
export function tagName(tag: string): string {
  const name = Object.entries(NAMES).find(([, t]) => t === tag)?.[0] ?? 'tag';
  return `${name} (${tag.slice(1, 5).toUpperCase()},${tag.slice(5).toUpperCase()})`;
}

const NAMES: Record<string, string> = {
  ImagePositionPatient: T.position,
  ImageOrientationPatient: T.orientation,
  PixelSpacing: T.pixelSpacing,
  ImagerPixelSpacing: T.imagerPixelSpacing,
  SliceThickness: T.sliceThickness,
  SpacingBetweenSlices: T.spacingBetweenSlices,
  RescaleSlope: T.slope,
  RescaleIntercept: T.intercept,
  NumberOfFrames: T.numberOfFrames,
  PixelData: T.pixelData,
};

/** Where an attribute was read: the file, and the functional group item when not the top level. */
export interface AttrSource {
  path: string;
  /** e.g. 'per-frame functional group 3' */
  group?: string;
}

function bad(src: AttrSource, tag: string, raw: string, expected: string): never {
  const inGroup = src.group ? ` in the ${src.group}` : '';
  throw new ImageIoError(FORMAT, src.path, `${tagName(tag)}${inGroup} is ${JSON.stringify(raw)}: expected ${expected}`);
}

/**
 * The `count` numbers of a DS attribute, or undefined when it is absent or empty; throws (naming file and tag) when
 * it has fewer values or a value that is not a finite number ("abc", "NaN", "Inf", "1e999").
 */
export function decimals(ds: DataSet | undefined, tag: string, count: number, src: AttrSource): number[] | undefined {
  const s = ds?.string(tag);
  if (s === undefined || s.trim() === '') return undefined;
  const parts = s.split('\\').map((x) => x.trim());
  const v = parts.map((x) => (x === '' ? Number.NaN : Number(x)));
  if (v.length < count || !v.slice(0, count).every(Number.isFinite))
    bad(src, tag, s, count === 1 ? 'a finite number' : `${count} finite numbers separated by "\\"`);
  return v.slice(0, count);
}

/** A spacing attribute: every value a finite number > 0. */
function spacing(ds: DataSet | undefined, tag: string, count: number, src: AttrSource): number[] | undefined {
  const v = decimals(ds, tag, count, src);
  if (v && !v.every((x) => x > 0)) bad(src, tag, ds!.string(tag)!, `${count === 1 ? 'a' : count} spacing(s) > 0 mm`);
  return v;
}

/** NumberOfFrames (IS): absent or empty means one frame; otherwise a whole number >= 1 (not "abc", "-5", "0"). */
export function numberOfFrames(ds: DataSet, path: string): number {
  const s = ds.string(T.numberOfFrames);
  if (s === undefined || s.trim() === '') return 1;
  const t = s.trim();
  const n = /^\+?\d+$/.test(t) ? Number(t) : Number.NaN;
  if (!(Number.isSafeInteger(n) && n >= 1)) bad({ path }, T.numberOfFrames, s, 'a whole number >= 1');
  return n;
}

/** The data set of the first item of a sequence inside `ds`. */
export function seqItem(ds: DataSet | undefined, tag: string): DataSet | undefined {
  return ds?.elements[tag]?.items?.[0]?.dataSet;
}

/** Reads the geometry/rescale attributes found in `ds` (a file, or a functional-group item) over `into`. */
export function readFrameAttrs(
  ds: DataSet | undefined,
  into: FrameInfo,
  functionalGroup: boolean,
  src: AttrSource,
): void {
  if (!ds) return;
  const posDs = functionalGroup ? seqItem(ds, T.planePositionSeq) : ds;
  const oriDs = functionalGroup ? seqItem(ds, T.planeOrientationSeq) : ds;
  const measDs = functionalGroup ? seqItem(ds, T.pixelMeasuresSeq) : ds;
  const pvtDs = functionalGroup ? seqItem(ds, T.pixelValueTransformSeq) : ds;
  const p = decimals(posDs, T.position, 3, src);
  if (p) into.position = [p[0]!, p[1]!, p[2]!];
  const o = decimals(oriDs, T.orientation, 6, src);
  if (o) into.orientation = [o[0]!, o[1]!, o[2]!, o[3]!, o[4]!, o[5]!];
  const ps =
    spacing(measDs, T.pixelSpacing, 2, src) ??
    (functionalGroup ? undefined : spacing(ds, T.imagerPixelSpacing, 2, src));
  if (ps) into.pixelSpacing = [ps[0]!, ps[1]!];
  const st = decimals(measDs, T.sliceThickness, 1, src);
  if (st) into.sliceThickness = st[0];
  const sbs = decimals(measDs, T.spacingBetweenSlices, 1, src);
  if (sbs) into.spacingBetweenSlices = sbs[0];
  const slope = decimals(pvtDs, T.slope, 1, src)?.[0];
  // a slope of 0 would erase the image: read as absent (1), as before
  if (slope !== undefined && slope !== 0) into.slope = slope;
  const intercept = decimals(pvtDs, T.intercept, 1, src)?.[0];
  if (intercept !== undefined) into.intercept = intercept;
}
