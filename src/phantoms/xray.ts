/**
 * Chest X-ray phantoms (CL-TCI's data): longitudinal series of posterior-anterior radiographs, several per patient.
 *
 * Geometry. Every patient has an anatomy drawn once in a normalised frame (u, v) in [-1, 1]^2, u to the image's
 * right, v down: body outline with neck and shoulders, two lobulated lung fields (spline through perturbed control
 * points plus random boundary harmonics), a tilted heart ellipse that carves the cardiac notch, diaphragm domes at
 * patient-specific heights, spine, clavicles, posterior and anterior ribs (periodic bands), pulmonary vessel trees,
 * a gastric air bubble, breast shadows for some patients, and pathology (consolidations, nodules, pleural effusion)
 * with onset/peak/resolution dates. Each acquisition adds a similarity transform (rotation, scale, shift), a breathing
 * depth, exposure (window, gamma, bias field), detector blur and noise.
 *
 * Radiological convention: the image is viewed as if facing the patient, so the PATIENT'S LEFT lung is on the
 * image's RIGHT (larger column index). Label values: 0 background, 1 = left lung (image right), 2 = right lung
 * (image left). This agrees with the LPS orientation of `Image` (the x axis, columns, points to the patient's left).
 * Masks are anatomical: a lung stays labelled under an opacity or effusion that hides its edge, and the heart is
 * cut out (as in the usual lung-field masks).
 *
 * Intensities: a radiograph-like attenuation sum mapped through an exposure curve to 0..65535 (Uint16, for 16-bit
 * PNG): lungs and the air outside the body dark, soft tissue grey, heart and bone bright.
 *
 * Modules: xray-anatomy.ts draws the anatomy, xray-findings.ts the pathology and its time course,
 * xray-acquisition.ts the acquisition, xray-render.ts (with xray-attenuation.ts) renders one image; this file
 * assembles each patient's series.
 */
import { addDays, daysBetween, streamRng } from './random.js';
import type { PhantomItem, PhantomSet, PhantomSetInfo } from './types.js';
import { randomAcquisition } from './xray-acquisition.js';
import { randomXrayAnatomy } from './xray-anatomy.js';
import { renderXray, round3 } from './xray-render.js';

export { randomAcquisition, type XrayAcquisition } from './xray-acquisition.js';
export { randomXrayAnatomy, type XrayAnatomy } from './xray-anatomy.js';
export { renderXray } from './xray-render.js';

export interface XrayPhantomOptions {
  seed: number;
  /** number of patients (default 20) */
  patients?: number;
  /** image side in pixels (default 256) */
  size?: number;
  /** images per patient, drawn uniformly in [minImages, maxImages] (default 2..10) */
  minImages?: number;
  maxImages?: number;
}

export const XRAY_INFO: PhantomSetInfo = {
  name: 'xray-phantom',
  classes: ['background', 'left_lung', 'right_lung'],
  leftRightPairs: [[1, 2]],
  kind: '2d',
  description:
    'Synthetic posterior-anterior chest radiographs, several per patient over time. Radiological convention: the ' +
    "patient's left lung (label 1) is on the image's right, the right lung (label 2) on the image's left.",
};

const STREAM = 0x0101;

function checkOptions(o: XrayPhantomOptions): Required<XrayPhantomOptions> {
  const r = { patients: 20, size: 256, minImages: 2, maxImages: 10, ...o };
  if (!Number.isInteger(r.patients) || r.patients < 1 || r.patients > 999)
    throw new RangeError(`xray phantoms: patients must be an integer in 1..999, got ${r.patients}`);
  if (!Number.isInteger(r.size) || r.size < 16)
    throw new RangeError(`xray phantoms: size must be an integer >= 16, got ${r.size}`);
  if (
    !Number.isInteger(r.minImages) ||
    !Number.isInteger(r.maxImages) ||
    r.minImages < 1 ||
    r.maxImages < r.minImages
  ) {
    throw new RangeError(`xray phantoms: need 1 <= minImages <= maxImages, got ${r.minImages}..${r.maxImages}`);
  }
  return r;
}

/** One patient's series, deterministic in (seed, patient index) whatever the number of patients. */
export function xrayPatient(options: XrayPhantomOptions, index: number): PhantomItem[] {
  const o = checkOptions(options);
  const rng = streamRng(o.seed, STREAM, index);
  const anat = randomXrayAnatomy(rng.fork(1));
  const nImg = rng.int(o.minImages, o.maxImages + 1);
  const start = addDays('2015-01-01', rng.int(0, 6 * 365));
  const dates = [start];
  for (let k = 1; k < nImg; k++) dates.push(addDays(dates[k - 1]!, rng.int(5, 400)));
  const span = Math.max(1, daysBetween(start, dates[nImg - 1]!));
  const patient = `p${String(index + 1).padStart(2, '0')}`;
  const items: PhantomItem[] = [];
  for (let k = 0; k < nImg; k++) {
    const acqRng = rng.fork(100 + k);
    const acq = randomAcquisition(acqRng);
    const tau = daysBetween(start, dates[k]!) / span;
    const { image, label, findings } = renderXray(anat, acq, tau, o.size, acqRng);
    items.push({
      id: `${patient}_t${k}`,
      patient,
      time: dates[k]!,
      kind: '2d',
      image,
      label,
      meta: {
        sex: anat.sex,
        visit: k,
        followUp: round3(tau),
        findings: findings.map((f) => `${f.type}:${f.side === 1 ? 'L' : 'R'}:${f.extent}`).join(';'),
        opacityExtent: round3(findings.filter((f) => f.type !== 'effusion').reduce((a, f) => a + f.extent, 0)),
        effusionExtent: round3(
          findings.filter((f) => f.type === 'effusion').reduce((a, f) => Math.max(a, f.extent), 0),
        ),
        rotationDeg: round3(acq.rotationDeg),
        scale: round3(acq.scale),
        shiftX: round3(acq.shift[0]),
        shiftY: round3(acq.shift[1]),
        inspiration: round3(acq.inspiration),
        gamma: round3(acq.gamma),
        noise: round3(acq.noise),
      },
    });
  }
  return items;
}

/** All patients' series, one patient at a time (to write without holding every image). */
export function* xrayItems(options: XrayPhantomOptions): Generator<PhantomItem> {
  const o = checkOptions(options);
  for (let p = 0; p < o.patients; p++) yield* xrayPatient(o, p);
}

export function xrayPhantoms(options: XrayPhantomOptions): PhantomSet {
  return { ...XRAY_INFO, items: [...xrayItems(options)] };
}
