/**
 * Abdominal-thoracic CT phantoms (PCL / PolyCL data): one volume per subject, pubis to lung apex, in HU, with an
 * organ label map. Organs sit at characteristic heights (bladder low, kidneys lower middle, liver and spleen under
 * the diaphragm, lungs high), so that a slice's position and its "contains organ" flags carry information; size,
 * shape, position, extent, fat, contrast phase (enhanced or not) and noise vary per subject, and so do the field of
 * view and slice spacing (anisotropic: about 3 mm in-plane, 7 mm between slices for the default 64x128x128).
 *
 * Orientation: the volume is C order [z, y, x] in LPS (see `Image`): column index toward the patient's left, row
 * index toward posterior, slice index toward superior (slice 0 is the lowest, in the pelvis).
 */
import type { Image } from '../io/image.js';
import { addDays, streamRng } from './random.js';
import { finishCt, Organ, paintTorso, randomTorso, torsoGrid } from './torso.js';
import type { PhantomItem, PhantomSet, PhantomSetInfo } from './types.js';

/**
 * The acquisition protocol of a data set: what differs between two hospitals' CT archives scanning the same anatomy
 * (transfer experiments pre-train on one protocol and fine-tune on another, as PCL's CHD -> MMWHS).
 */
export interface CtScanner {
  /** in-plane field of view drawn per subject (mm) */
  fovMm: [number, number];
  /** image noise standard deviation drawn per subject (HU) */
  noiseHU: [number, number];
  /** lowest covered height, as a fraction of the trunk length (0 = pubis), drawn per subject */
  coverageFrom: [number, number];
  /** highest covered height (1 = lung apex), drawn per subject */
  coverageTo: [number, number];
  /** share of contrast-enhanced (portal-venous) scans */
  contrastRate: number;
}

/**
 * The default protocol: FOV 340-420 mm, noise 8-22 HU, coverage starting between 6 % below and 4 % above the pubis
 * and ending between 4 % below and 6 % above the lung apex (routine chest-abdomen-pelvis scans vary by a few cm at
 * both ends), half of the scans contrast-enhanced.
 */
export const DEFAULT_SCANNER: CtScanner = {
  fovMm: [340, 420],
  noiseHU: [8, 22],
  coverageFrom: [-0.06, 0.04],
  coverageTo: [0.96, 1.06],
  contrastRate: 0.5,
};

/**
 * A second protocol for transfer experiments: larger FOV, lower dose (noisier), every scan enhanced, coverage a
 * little more variable.
 */
export const SECOND_SCANNER: CtScanner = {
  fovMm: [400, 480],
  noiseHU: [18, 35],
  coverageFrom: [-0.1, 0.05],
  coverageTo: [0.95, 1.08],
  contrastRate: 1,
};

export interface CtPhantomOptions {
  seed: number;
  /** number of subjects (default 10) */
  subjects?: number;
  /** [depth, height, width] (default [64, 128, 128]) */
  shape?: [number, number, number];
  /** acquisition protocol (default DEFAULT_SCANNER) */
  scanner?: CtScanner;
}

export const CT_INFO: PhantomSetInfo = {
  name: 'ct-phantom',
  classes: ['background', 'liver', 'spleen', 'left_kidney', 'right_kidney', 'bladder', 'left_lung', 'right_lung'],
  leftRightPairs: [
    [3, 4],
    [6, 7],
  ],
  kind: '3d',
  description:
    'Synthetic CT volumes in HU from the pubis to the lung apex, LPS orientation (slice index increases toward the ' +
    'head); organs at characteristic heights; subject-specific anatomy, contrast phase, field of view and spacing.',
};

const STREAM = 0x0202;

/** organ code -> label value of CT_INFO.classes */
const LABEL_OF: Record<number, number> = {
  [Organ.LIVER]: 1,
  [Organ.SPLEEN]: 2,
  [Organ.KIDNEY_L]: 3,
  [Organ.KIDNEY_R]: 4,
  [Organ.BLADDER]: 5,
  [Organ.LUNG_L]: 6,
  [Organ.LUNG_R]: 7,
};

function checkOptions(o: CtPhantomOptions): Required<CtPhantomOptions> {
  const r: Required<CtPhantomOptions> = { subjects: 10, shape: [64, 128, 128], scanner: DEFAULT_SCANNER, ...o };
  if (!Number.isInteger(r.subjects) || r.subjects < 1 || r.subjects > 999)
    throw new RangeError(`ct phantoms: subjects must be an integer in 1..999, got ${r.subjects}`);
  if (r.shape.length !== 3 || r.shape.some((v) => !Number.isInteger(v) || v < 8))
    throw new RangeError(`ct phantoms: shape must be 3 integers >= 8, got [${r.shape.join(', ')}]`);
  return r;
}

/** One subject's volume, deterministic in (seed, index). */
export function ctSubject(options: CtPhantomOptions, index: number): PhantomItem {
  const o = checkOptions(options);
  const rng = streamRng(o.seed, STREAM, index);
  const sc = o.scanner;
  const torso = randomTorso(rng.fork(1), sc.contrastRate);
  const fov = rng.uniform(...sc.fovMm);
  const zFrom = rng.uniform(...sc.coverageFrom);
  const zTo = rng.uniform(...sc.coverageTo);
  const grid = torsoGrid(torso, o.shape, fov, zFrom, zTo);
  const painted = paintTorso(torso, grid, rng.fork(2));
  const noise = rng.uniform(...sc.noiseHU);
  const hu = finishCt(painted.hu, grid, rng.fork(3), noise);
  const lab = new Uint8Array(painted.organ.length);
  for (let p = 0; p < lab.length; p++) lab[p] = LABEL_OF[painted.organ[p]!] ?? 0;
  const id = `s${String(index + 1).padStart(2, '0')}`;
  const geom = {
    shape: [...o.shape],
    spacing: [...grid.spacing],
    origin: [...grid.origin],
    direction: [1, 0, 0, 0, 1, 0, 0, 0, 1],
  };
  const image: Image<Int16Array> = { data: hu, ...geom };
  const label: Image<Uint8Array> = { data: lab, ...geom };
  return {
    id,
    patient: id,
    time: addDays('2016-01-01', rng.int(0, 5 * 365)),
    kind: '3d',
    image,
    label,
    meta: {
      contrast: torso.contrast ? 'portal-venous' : 'none',
      noiseHU: Math.round(noise * 10) / 10,
      trunkLengthMm: Math.round(torso.L),
      // the z range covered, as fractions of the trunk length (0 = pubis, 1 = lung apex)
      coverageFrom: Math.round(zFrom * 1000) / 1000,
      coverageTo: Math.round(zTo * 1000) / 1000,
    },
  };
}

export function* ctItems(options: CtPhantomOptions): Generator<PhantomItem> {
  const o = checkOptions(options);
  for (let s = 0; s < o.subjects; s++) yield ctSubject(o, s);
}

export function ctPhantoms(options: CtPhantomOptions): PhantomSet {
  return { ...CT_INFO, items: [...ctItems(options)] };
}
