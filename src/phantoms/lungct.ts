/**
 * Lung CT phantoms (DrasCLR data): chest volumes in HU with both lungs (about -850 HU, denser posteriorly) holding
 * vessel trees, and clusters of small low-attenuation spots (emphysema-like, centrilobular) placed mostly in the
 * upper zones. The lesion burden varies from none to severe across subjects, stratified so that every stage occurs.
 *
 * Labels: 0 background, 1 = left lung, 2 = right lung, 3 = lesion (inside either lung). The lung mask is label > 0.
 * Orientation as `Image` (LPS, slice index toward the head).
 *
 * Outcomes (in each item's `meta`) are deterministic, monotone functions of the MEASURED burden
 * b = lesion voxels / lung voxels, so that a perfect image readout could recover them (the difficulty is in
 * measuring b from the image, not in outcome noise):
 *   score = 100 exp(-6 b)                          (continuous, like FEV1 % predicted; decreases with b)
 *   stage = 0..4 by b < 1%, 3%, 6%, 10%            (ordinal, like a GOLD stage)
 *   T = 10 exp(-12 b) years; follow-up ends at 8 years: survivalYears = min(T, 8), event = T <= 8.
 */
import type { Image } from '../io/image.js';
import { addDays, smoothstep, streamRng } from './random.js';
import { finishCt, Organ, paintTorso, randomTorso, torsoGrid } from './torso.js';
import type { PhantomItem, PhantomSet, PhantomSetInfo } from './types.js';

export interface LungCtPhantomOptions {
  seed: number;
  /** number of subjects (default 32) */
  subjects?: number;
  /** [depth, height, width] (default [80, 128, 128]) */
  shape?: [number, number, number];
}

export const LUNGCT_INFO: PhantomSetInfo = {
  name: 'lungct-phantom',
  classes: ['background', 'left_lung', 'right_lung', 'lesion'],
  leftRightPairs: [[1, 2]],
  kind: '3d',
  description:
    'Synthetic chest CT volumes in HU (LPS) with lung masks and emphysema-like lesion clusters; per-subject outcomes ' +
    '(score, stage 0-4, survival time and event) derived from the lesion burden.',
};

const STREAM = 0x0303;
const STAGE_CUTS = [0.01, 0.03, 0.06, 0.1];
const FOLLOW_UP_YEARS = 8;

export interface LungOutcomes {
  burden: number;
  score: number;
  stage: number;
  survivalYears: number;
  event: 0 | 1;
}

/** the outcome model documented above */
export function outcomesFromBurden(burden: number): LungOutcomes {
  const t = 10 * Math.exp(-12 * burden);
  return {
    burden,
    score: 100 * Math.exp(-6 * burden),
    stage: STAGE_CUTS.filter((c) => burden >= c).length,
    survivalYears: Math.min(t, FOLLOW_UP_YEARS),
    event: t <= FOLLOW_UP_YEARS ? 1 : 0,
  };
}

function checkOptions(o: LungCtPhantomOptions): Required<LungCtPhantomOptions> {
  const r: Required<LungCtPhantomOptions> = { subjects: 32, shape: [80, 128, 128], ...o };
  if (!Number.isInteger(r.subjects) || r.subjects < 1 || r.subjects > 999)
    throw new RangeError(`lungct phantoms: subjects must be an integer in 1..999, got ${r.subjects}`);
  if (r.shape.length !== 3 || r.shape.some((v) => !Number.isInteger(v) || v < 8))
    throw new RangeError(`lungct phantoms: shape must be 3 integers >= 8, got [${r.shape.join(', ')}]`);
  return r;
}

/**
 * The target burden of subject `index`: severities are stratified over the subjects (one per stratum, in a seeded
 * order) so that the whole range, none to severe, is covered.
 */
function targetBurden(seed: number, subjects: number, index: number): number {
  const order = streamRng(seed, STREAM, 0xffff).permutation(subjects);
  const jitter = streamRng(seed, STREAM, 0xfffe);
  let u = 0;
  for (let i = 0; i <= index; i++) u = jitter.next();
  const q = (order[index]! + u) / subjects;
  return 0.15 * Math.pow(q, 1.4);
}

/** One subject, deterministic in (seed, subjects, index). */
export function lungCtSubject(options: LungCtPhantomOptions, index: number): PhantomItem {
  const o = checkOptions(options);
  const rng = streamRng(o.seed, STREAM, index);
  const torso = randomTorso(rng.fork(1));
  const fov = rng.uniform(320, 380);
  const zFrom = rng.uniform(0.54, 0.58);
  const zTo = rng.uniform(0.99, 1.02);
  const grid = torsoGrid(torso, o.shape, fov, zFrom, zTo);
  const { hu, organ } = paintTorso(torso, grid, rng.fork(2));
  const [nz, ny, nx] = grid.shape;
  const [sz, sy, sx] = grid.spacing;
  const [ox, oy, oz] = grid.origin;

  const lab = new Uint8Array(organ.length);
  let nLung = 0;
  for (let p = 0; p < organ.length; p++) {
    if (organ[p] === Organ.LUNG_L) lab[p] = 1;
    else if (organ[p] === Organ.LUNG_R) lab[p] = 2;
    if (lab[p]! > 0) nLung++;
  }
  const lung = new Int32Array(nLung);
  for (let p = 0, m = 0; p < organ.length; p++) if (lab[p]! > 0) lung[m++] = p;
  if (lung.length === 0) throw new Error(`lungct phantoms: subject ${index} has no lung voxels (shape too small?)`);
  let zLo = Infinity;
  let zHi = -Infinity;
  for (const p of lung) {
    const k = Math.floor(p / (nx * ny));
    zLo = Math.min(zLo, k);
    zHi = Math.max(zHi, k);
  }

  // lesion clusters until the painted burden reaches the target; centres favour the upper zones
  const target = targetBurden(o.seed, o.subjects, index);
  const lr = rng.fork(4);
  const upper = lr.uniform(0.6, 1);
  const lesionHu = lr.uniform(-990, -940);
  let lesion = 0;
  let clusters = 0;
  let upperCount = 0;
  const want = Math.round(target * lung.length);
  while (lesion < want && clusters < 5000) {
    const p = lung[lr.int(0, lung.length)]!;
    const k = Math.floor(p / (nx * ny));
    const zf = (k - zLo) / Math.max(1, zHi - zLo);
    if (lr.next() > 1 - upper + upper * smoothstep(0.3, 0.8, zf)) continue;
    clusters++;
    if (zf > 0.5) upperCount++;
    const j = Math.floor(p / nx) % ny;
    const i = p % nx;
    const cx = ox + i * sx;
    const cy = oy + j * sy;
    const cz = oz + k * sz;
    const spots = lr.int(3, 12);
    for (let s = 0; s < spots && lesion < want; s++) {
      const r = lr.uniform(2, 6);
      const px = cx + lr.normal(0, 7);
      const py = cy + lr.normal(0, 7);
      const pz = cz + lr.normal(0, 7);
      // at least the nearest voxel, so that spots smaller than a voxel still count
      const rr = Math.max(r, 0.5 * Math.min(sx, sy, sz));
      for (
        let kk = Math.max(0, Math.floor((pz - rr - oz) / sz));
        kk <= Math.min(nz - 1, Math.ceil((pz + rr - oz) / sz));
        kk++
      ) {
        for (
          let jj = Math.max(0, Math.floor((py - rr - oy) / sy));
          jj <= Math.min(ny - 1, Math.ceil((py + rr - oy) / sy));
          jj++
        ) {
          for (
            let ii = Math.max(0, Math.floor((px - rr - ox) / sx));
            ii <= Math.min(nx - 1, Math.ceil((px + rr - ox) / sx));
            ii++
          ) {
            const q = (kk * ny + jj) * nx + ii;
            const d = hyp(ox + ii * sx - px, oy + jj * sy - py, oz + kk * sz - pz);
            if (d > rr || lab[q] === 0 || lab[q] === 3 || hu[q]! > -700) continue;
            hu[q] = lesionHu + 10 * lr.normal();
            lab[q] = 3;
            lesion++;
          }
        }
      }
    }
  }
  const noise = rng.uniform(10, 25);
  const image: Image<Int16Array> = {
    data: finishCt(hu, grid, rng.fork(3), noise),
    shape: [...o.shape],
    spacing: [...grid.spacing],
    origin: [...grid.origin],
    direction: [1, 0, 0, 0, 1, 0, 0, 0, 1],
  };
  const label: Image<Uint8Array> = { ...image, data: lab };
  const out = outcomesFromBurden(lesion / lung.length);
  const id = `l${String(index + 1).padStart(2, '0')}`;
  return {
    id,
    patient: id,
    time: addDays('2017-01-01', rng.int(0, 4 * 365)),
    kind: '3d',
    image,
    label,
    meta: {
      ...roundAll(out),
      lesionClusters: clusters,
      upperZoneClusterFraction: clusters > 0 ? Math.round((upperCount / clusters) * 1000) / 1000 : 0,
      noiseHU: Math.round(noise * 10) / 10,
    },
  };
}

function roundAll(o: LungOutcomes): LungOutcomes {
  const r = (x: number): number => Math.round(x * 1e6) / 1e6;
  return { burden: r(o.burden), score: r(o.score), stage: o.stage, survivalYears: r(o.survivalYears), event: o.event };
}

export function* lungCtItems(options: LungCtPhantomOptions): Generator<PhantomItem> {
  const o = checkOptions(options);
  for (let s = 0; s < o.subjects; s++) yield lungCtSubject(o, s);
}

export function lungCtPhantoms(options: LungCtPhantomOptions): PhantomSet {
  return { ...LUNGCT_INFO, items: [...lungCtItems(options)] };
}

/** sqrt of the sum of squares (Math.hypot is several times slower in V8) */
function hyp(a: number, b: number, c = 0): number {
  return Math.sqrt(a * a + b * b + c * c);
}
