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

export interface CtPhantomOptions {
  seed: number;
  /** number of subjects (default 10) */
  subjects?: number;
  /** [depth, height, width] (default [64, 128, 128]) */
  shape?: [number, number, number];
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
  const r: Required<CtPhantomOptions> = { subjects: 10, shape: [64, 128, 128], ...o };
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
  const torso = randomTorso(rng.fork(1));
  const fov = rng.uniform(340, 420);
  const zFrom = rng.uniform(-0.03, 0.02);
  const zTo = rng.uniform(0.99, 1.04);
  const grid = torsoGrid(torso, o.shape, fov, zFrom, zTo);
  const painted = paintTorso(torso, grid, rng.fork(2));
  const noise = rng.uniform(8, 22);
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
