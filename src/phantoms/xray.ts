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
 */
import type { Image } from '../io/image.js';
import type { Rng } from '../util/rng.js';
import { boxBlur } from './blur.js';
import {
  addDays,
  clamp,
  daysBetween,
  fillNormal,
  randomWaves,
  smoothNoise,
  smoothstep,
  streamRng,
  waves2,
} from './random.js';
import { addSegment, closedSpline, fillPolygon, keepLargestComponent, pointInPolygon, type Pt } from './raster2d.js';
import type { PhantomItem, PhantomSet, PhantomSetInfo } from './types.js';

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

/** detector field of view in mm (sets the pixel spacing) */
const FOV_MM = 410;
const STREAM = 0x0101;

interface Ellipse {
  cu: number;
  cv: number;
  a: number;
  b: number;
  rot: number;
}

interface Blob {
  u: number;
  v: number;
  sigma: number;
  weight: number;
}

interface Finding {
  type: 'consolidation' | 'nodule' | 'effusion';
  /** 1 = patient's left (image right), -1 = patient's right */
  side: 1 | -1;
  blobs: Blob[];
  /** attenuation at full extent */
  strength: number;
  /** effusion: fluid height at full extent, in v units */
  height: number;
  /** time course in fractions of the patient's follow-up: 0 before onset, rising to 1 at peak, 0 again at end */
  onset: number;
  peak: number;
  end: number;
}

export interface XrayAnatomy {
  sex: 'F' | 'M';
  /** lung outlines in anatomy coordinates: [left lung (u > 0, label 1), right lung (u < 0, label 2)] */
  lungs: [Pt[], Pt[]];
  apexV: number;
  heart: Ellipse;
  neckHalf: number;
  chestHalf: number;
  shoulderV: number;
  spineU: number;
  ribPeriod: number;
  ribV0: number;
  ribCurv: number;
  antRibPeriod: number;
  antRibV0: number;
  clavicles: [Pt, Pt][];
  vessels: { a: Pt; b: Pt; half: number; amount: number }[];
  bubble: Ellipse | null;
  breasts: Ellipse[];
  att: { body: number; lung: number; heart: number; spine: number; rib: number; clavicle: number; vessel: number };
  findings: Finding[];
  /** left and right dome heights (v of the lowest lung point), for effusions */
  baseV: [number, number];
}

/** Base right-lung (image-left) outline, clockwise from the apex; the left lung mirrors it. */
const LUNG_TEMPLATE: Pt[] = [
  [-0.27, -0.79],
  [-0.44, -0.7],
  [-0.59, -0.5],
  [-0.68, -0.2],
  [-0.74, 0.15],
  [-0.78, 0.46],
  [-0.77, 0.63],
  [-0.62, 0.53],
  [-0.42, 0.45],
  [-0.22, 0.47],
  [-0.1, 0.52],
  [-0.1, 0.25],
  [-0.14, 0.0],
  [-0.14, -0.3],
  [-0.16, -0.6],
  [-0.2, -0.75],
];

/** Draws one patient's anatomy and findings. */
export function randomXrayAnatomy(rng: Rng): XrayAnatomy {
  const sex: 'F' | 'M' = rng.next() < 0.5 ? 'F' : 'M';
  const g = rng.uniform(0.88, 1.04); // overall patient size in the field
  const lungSu = rng.uniform(0.88, 1.08);
  const lungSv = rng.uniform(0.86, 1.1);
  const medial = rng.uniform(-0.03, 0.05); // widens the mediastinum
  const domeR = rng.normal(0, 0.05);
  const domeL = domeR + rng.uniform(0, 0.07); // left hemidiaphragm usually lower
  const dv = rng.normal(0, 0.03);
  const lungs: Pt[][] = [];
  for (const side of [1, -1] as const) {
    const dome = side === 1 ? domeL : domeR;
    const ctrl: Pt[] = LUNG_TEMPLATE.map(([u, v], i) => {
      let uu = u * lungSu;
      let vv = v * lungSv;
      if (i >= 10 || i === 0) uu -= medial; // medial points move toward the lateral side (u < 0 here)
      if (v > 0.3) vv += dome * smoothstep(0.3, 0.45, v);
      uu += rng.normal(0, 0.022);
      vv += rng.normal(0, 0.022);
      return [g * side * -uu, g * (vv + dv)];
    });
    if (side === 1) ctrl.reverse(); // keep a consistent orientation after mirroring
    let curve = closedSpline(ctrl, 12);
    // irregular, lobulated boundary: radial harmonics about the centroid
    const cu = curve.reduce((s, p) => s + p[0], 0) / curve.length;
    const cv = curve.reduce((s, p) => s + p[1], 0) / curve.length;
    const harm = randomWaves(rng, 2, 6, 6, 14, 0.035);
    curve = curve.map(([u, v]) => {
      const f = 1 + waves2(harm, u, v);
      return [cu + (u - cu) * f, cv + (v - cv) * f];
    });
    lungs.push(curve);
  }
  const apexV = Math.min(...lungs.flat().map((p) => p[1]));
  const baseOf = (c: Pt[]): number => Math.max(...c.map((p) => p[1]));
  const ctr = rng.uniform(0.4, 0.56); // cardio-thoracic ratio
  const heart: Ellipse = {
    cu: g * (0.07 + rng.normal(0, 0.03)),
    cv: g * (0.24 + rng.normal(0, 0.03) + dv + 0.3 * (domeL + domeR)),
    a: g * ctr * 0.72,
    b: g * rng.uniform(0.22, 0.29),
    rot: rng.uniform(-0.45, -0.15),
  };
  const spineU = rng.normal(0, 0.015);
  const clavicles: [Pt, Pt][] = [1, -1].map((s) => {
    const y0 = g * (-0.66 + rng.normal(0, 0.03));
    return [
      [s * g * 0.07, y0],
      [s * g * rng.uniform(0.48, 0.56), y0 - g * rng.uniform(0.05, 0.12)],
    ] as [Pt, Pt];
  });
  // pulmonary vessel trees from each hilum
  const vessels: XrayAnatomy['vessels'] = [];
  for (const s of [1, -1]) {
    const hil: Pt = [s * g * 0.17, g * (-0.02 + dv)];
    const grow = (p: Pt, ang: number, len: number, half: number, depth: number): void => {
      const q: Pt = [p[0] + Math.cos(ang) * len, p[1] + Math.sin(ang) * len];
      vessels.push({ a: p, b: q, half, amount: 0.5 + (0.5 * half) / 0.012 });
      if (depth > 0) {
        for (const sgn of [-1, 1])
          grow(q, ang + sgn * rng.uniform(0.2, 0.6), len * rng.uniform(0.65, 0.85), half * 0.72, depth - 1);
      }
    };
    for (const base of [-1.1, -0.3, 0.6]) {
      const ang = s > 0 ? base + rng.normal(0, 0.15) : Math.PI - base + rng.normal(0, 0.15);
      grow(hil, ang, g * rng.uniform(0.1, 0.15), g * 0.012, 3);
    }
  }
  const bubble: Ellipse | null =
    rng.next() < 0.75
      ? {
          cu: g * rng.uniform(0.28, 0.45),
          cv: baseOf(lungs[0]!) + g * rng.uniform(0.06, 0.12),
          a: g * rng.uniform(0.05, 0.1),
          b: g * rng.uniform(0.03, 0.06),
          rot: rng.normal(0, 0.2),
        }
      : null;
  const breasts: Ellipse[] =
    sex === 'F'
      ? [1, -1].map((s) => ({
          cu: s * g * rng.uniform(0.4, 0.55),
          cv: g * rng.uniform(0.4, 0.6),
          a: g * rng.uniform(0.25, 0.35),
          b: g * rng.uniform(0.18, 0.26),
          rot: 0,
        }))
      : [];
  const obese = rng.uniform(0, 1);
  const att = {
    body: 0.9 + 0.35 * obese,
    lung: rng.uniform(0.5, 0.75) - 0.15 * obese,
    heart: rng.uniform(0.1, 0.25),
    spine: rng.uniform(0.22, 0.35),
    rib: rng.uniform(0.08, 0.2),
    clavicle: rng.uniform(0.25, 0.4),
    vessel: rng.uniform(0.06, 0.14),
  };
  const baseV: [number, number] = [baseOf(lungs[0]!), baseOf(lungs[1]!)];
  const findings: Finding[] = [];
  const nFind = [0, 1, 1, 2, 2, 3][rng.int(0, 6)]!;
  for (let k = 0; k < nFind; k++) {
    const side: 1 | -1 = rng.next() < 0.5 ? 1 : -1;
    const lung = lungs[side === 1 ? 0 : 1]!;
    const onset = rng.uniform(-0.4, 0.7);
    const peak = onset + rng.uniform(0.1, 0.6);
    const end = peak + rng.uniform(0.15, 1.2);
    const r = rng.next();
    if (r < 0.3) {
      findings.push({
        type: 'effusion',
        side,
        blobs: [],
        strength: rng.uniform(0.35, 0.6),
        height: g * rng.uniform(0.3, 0.7),
        onset,
        peak,
        end,
      });
      continue;
    }
    const nodule = r > 0.8;
    // half of the opacities sit at the lung edge, where they hide the boundary
    const c = rng.next() < 0.5 ? randomPointIn(rng, lung) : nearEdge(rng, lung, g * rng.uniform(0.0, 0.08));
    const blobs: Blob[] = [];
    const large = !nodule && rng.next() < 0.35; // lobar consolidation
    const nb = nodule ? 1 : rng.int(3, large ? 12 : 8);
    for (let j = 0; j < nb; j++) {
      blobs.push({
        u: c[0] + (nodule ? 0 : rng.normal(0, (large ? 0.1 : 0.06) * g)),
        v: c[1] + (nodule ? 0 : rng.normal(0, (large ? 0.12 : 0.07) * g)),
        sigma: g * (nodule ? rng.uniform(0.015, 0.035) : large ? rng.uniform(0.06, 0.13) : rng.uniform(0.04, 0.1)),
        weight: rng.uniform(0.5, 1),
      });
    }
    findings.push({
      type: nodule ? 'nodule' : 'consolidation',
      side,
      blobs,
      strength: nodule ? rng.uniform(0.3, 0.5) : rng.uniform(0.4, 0.8),
      height: 0,
      onset,
      peak,
      end,
    });
  }
  return {
    sex,
    lungs: [lungs[0]!, lungs[1]!],
    apexV,
    heart,
    neckHalf: g * rng.uniform(0.17, 0.24),
    chestHalf: g * rng.uniform(0.84, 0.93) * (0.85 + 0.15 * lungSu),
    shoulderV: g * rng.uniform(-0.86, -0.74),
    spineU,
    ribPeriod: g * rng.uniform(0.11, 0.14),
    ribV0: g * rng.uniform(-0.84, -0.76),
    ribCurv: rng.uniform(0.3, 0.7),
    antRibPeriod: g * rng.uniform(0.12, 0.16),
    antRibV0: g * rng.uniform(-0.75, -0.6),
    clavicles,
    vessels,
    bubble,
    breasts,
    att,
    findings,
    baseV,
  };
}

function randomPointIn(rng: Rng, poly: Pt[]): Pt {
  const us = poly.map((p) => p[0]);
  const vs = poly.map((p) => p[1]);
  const [u0, u1, v0, v1] = [Math.min(...us), Math.max(...us), Math.min(...vs), Math.max(...vs)];
  for (;;) {
    const p: Pt = [rng.uniform(u0, u1), rng.uniform(v0, v1)];
    if (pointInPolygon(poly, p[0], p[1])) return p;
  }
}

/** a point `depth` inside the outline from a random boundary point, toward the centroid */
function nearEdge(rng: Rng, poly: Pt[], depth: number): Pt {
  const p = poly[rng.int(0, poly.length)]!;
  const cu = poly.reduce((s, q) => s + q[0], 0) / poly.length;
  const cv = poly.reduce((s, q) => s + q[1], 0) / poly.length;
  const d = Math.hypot(cu - p[0], cv - p[1]) || 1;
  return [p[0] + ((cu - p[0]) * depth) / d, p[1] + ((cv - p[1]) * depth) / d];
}

/** 0 before onset, linear up to 1 at the peak, linear down to 0 at the end */
function course(f: Finding, tau: number): number {
  if (tau <= f.onset || tau >= f.end) return 0;
  return tau < f.peak ? (tau - f.onset) / (f.peak - f.onset) : (f.end - tau) / (f.end - f.peak);
}

export interface XrayAcquisition {
  rotationDeg: number;
  scale: number;
  shift: [number, number];
  inspiration: number;
  gamma: number;
  window: [number, number];
  noise: number;
  blurPx: number;
  bias: number;
}

export function randomAcquisition(rng: Rng): XrayAcquisition {
  return {
    rotationDeg: clamp(rng.normal(0, 2.5), -6, 6),
    scale: rng.uniform(0.93, 1.06),
    shift: [clamp(rng.normal(0, 0.025), -0.06, 0.06), clamp(rng.normal(0, 0.025), -0.06, 0.06)],
    inspiration: rng.uniform(0.94, 1.04),
    gamma: rng.uniform(0.75, 1.35),
    window: [rng.normal(-0.05, 0.04), rng.uniform(1.5, 2.0)],
    noise: rng.uniform(0.006, 0.03),
    blurPx: rng.uniform(0.3, 1.6),
    bias: rng.uniform(0, 0.15),
  };
}

/**
 * Renders one radiograph of `anat` at follow-up fraction `tau` (0 = first visit, 1 = last) with acquisition `acq`.
 * `rng` supplies the noise.
 */
export function renderXray(
  anat: XrayAnatomy,
  acq: XrayAcquisition,
  tau: number,
  size: number,
  rng: Rng,
): { image: Image<Uint16Array>; label: Image<Uint8Array>; findings: { type: string; side: number; extent: number }[] } {
  const n = size;
  const half = n / 2;
  const th = (acq.rotationDeg * Math.PI) / 180;
  const cos = Math.cos(th);
  const sin = Math.sin(th);
  const s = acq.scale;
  const [tu, tv] = acq.shift;
  const toPx = (p: Pt): Pt => [
    half + half * (s * (cos * p[0] - sin * p[1]) + tu),
    half + half * (s * (sin * p[0] + cos * p[1]) + tv),
  ];
  // breathing: lungs (and the heart, sitting on the diaphragm) stretch vertically about the apex
  const breathe = (p: Pt): Pt => [p[0], anat.apexV + (p[1] - anat.apexV) * acq.inspiration];
  const N = n * n;
  const U = new Float32Array(N);
  const V = new Float32Array(N);
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      const a = ((x + 0.5 - half) / half - tu) / s;
      const b = ((y + 0.5 - half) / half - tv) / s;
      U[y * n + x] = cos * a + sin * b;
      V[y * n + x] = -sin * a + cos * b;
    }
  }
  const heart = { ...anat.heart, cv: breathe([0, anat.heart.cv])[1] };
  const inEllipse = (e: Ellipse, u: number, v: number): number => {
    const du = u - e.cu;
    const dv = v - e.cv;
    const c = Math.cos(e.rot);
    const sn = Math.sin(e.rot);
    const p = (c * du + sn * dv) / e.a;
    const q = (-sn * du + c * dv) / e.b;
    return p * p + q * q;
  };

  // labels: lungs minus the heart
  const lab = new Uint8Array(N);
  fillPolygon(
    lab,
    n,
    n,
    anat.lungs[0].map((p) => toPx(breathe(p))),
    1,
  );
  fillPolygon(
    lab,
    n,
    n,
    anat.lungs[1].map((p) => toPx(breathe(p))),
    2,
  );
  const heartMask = new Float32Array(N);
  for (let i = 0; i < N; i++) {
    if (inEllipse(heart, U[i]!, V[i]!) < 1) {
      heartMask[i] = 1;
      lab[i] = 0;
    }
  }
  keepLargestComponent(lab, n, n, 1);
  keepLargestComponent(lab, n, n, 2);

  const rSoft = Math.max(1, Math.round(n / 128));
  const lungSoft = boxBlur(
    Float32Array.from(lab, (l) => (l > 0 ? 1 : 0)),
    [n, n],
    [rSoft, rSoft],
    2,
  );
  const heartSoft = boxBlur(heartMask, [n, n], [rSoft, rSoft], 2);
  const vessel = new Float32Array(N);
  const pxScale = half * s;
  for (const ve of anat.vessels)
    addSegment(vessel, n, n, toPx(breathe(ve.a)), toPx(breathe(ve.b)), Math.max(0.7, ve.half * pxScale), ve.amount);

  const A = new Float32Array(N);
  const at = anat.att;
  const activeFindings = anat.findings.map((f) => ({ f, e: course(f, tau) }));
  const texture = smoothNoise(rng, [n, n], [10, 10]);
  const cage = anat.chestHalf - 0.04;
  const bubble = anat.bubble ? { ...anat.bubble, cv: breathe([0, anat.bubble.cv])[1] } : null;
  const effusions = activeFindings
    .filter((x) => x.f.type === 'effusion' && x.e > 0)
    .map(({ f, e }) => ({ side: f.side, e, f, base: breathe([0, anat.baseV[f.side === 1 ? 0 : 1]])[1] }));
  for (let i = 0; i < N; i++) {
    const u = U[i]!;
    const v = V[i]!;
    const tx = texture[i]!;
    const au = Math.abs(u - anat.spineU);
    // body outline: neck, shoulders, chest, abdomen; elliptic thickness profile
    const hw =
      v < anat.shoulderV - 0.12
        ? anat.neckHalf
        : v < anat.shoulderV
          ? anat.neckHalf + (1.05 - anat.neckHalf) * smoothstep(anat.shoulderV - 0.12, anat.shoulderV, v)
          : v < 0.1
            ? 1.05 - (1.05 - anat.chestHalf) * smoothstep(anat.shoulderV, 0.1, v)
            : anat.chestHalf - 0.04 * smoothstep(0.5, 1.2, v);
    const r = Math.abs(u) / hw;
    let a = 0;
    if (r < 1) a += at.body * (0.35 + 0.65 * Math.sqrt(1 - r * r)) * (1 + 0.06 * tx);
    // lung air: less of it toward the bases, where more tissue overlaps
    a -= at.lung * lungSoft[i]! * (1 + 0.08 * tx) * (1 - 0.25 * smoothstep(-0.4, 0.6, v));
    a += at.heart * heartSoft[i]!;
    a += at.vessel * vessel[i]! * lungSoft[i]!;
    // spine with vertebral periodicity
    if (Math.abs(u - anat.spineU) < 0.065 && v > -1.1) a += at.spine * (0.8 + 0.2 * Math.cos((2 * Math.PI * v) / 0.09));
    // ribs inside the rib cage: posterior (curving down laterally) and fainter anterior ones (sloping down medially)
    if (au > 0.06 && au < cage && v > anat.ribV0 - 0.05 && v < 0.75) {
      const ph = (v - anat.ribV0 - anat.ribCurv * (au - 0.06) * (au - 0.06)) / anat.ribPeriod;
      const k = Math.floor(ph);
      const f = ph - k;
      if (k >= 0 && k < 10 && f < 0.36)
        a += at.rib * (0.75 + 0.5 * Math.abs(f / 0.36 - 0.5)) * smoothstep(cage, cage - 0.06, au);
      if (au > 0.12) {
        const pa = (v - anat.antRibV0 + 0.45 * (au - 0.12) - 0.5 * (au - 0.12) * (au - 0.12)) / anat.antRibPeriod;
        const ka = Math.floor(pa);
        if (ka >= 0 && ka < 7 && pa - ka < 0.3) a += 0.45 * at.rib * smoothstep(cage, cage - 0.1, au);
      }
    }
    for (const e of anat.breasts) {
      const q = inEllipse(e, u, v);
      if (q < 1) a += 0.14 * (1 - q);
    }
    if (bubble) {
      const q = inEllipse(bubble, u, v);
      if (q < 1) a -= 0.4 * Math.min(1, 3 * (1 - q));
    }
    for (const ef of effusions) {
      // fluid rising from the costophrenic angle, meniscus higher laterally
      if (u * ef.side > 0.05 && r < 1) {
        const line = ef.base - ef.f.height * Math.sqrt(ef.e) * (0.45 + 0.55 * clamp((Math.abs(u) - 0.1) / 0.6, 0, 1));
        // inside the pleural space: not beyond the rib cage, fading just below the dome
        a +=
          ef.f.strength *
          Math.sqrt(ef.e) *
          smoothstep(line, line + 0.1, v) *
          smoothstep(ef.base + 0.12, ef.base + 0.02, v) *
          smoothstep(cage + 0.01, cage - 0.05, au);
      }
    }
    A[i] = a;
  }
  // opacities: irregular clusters of Gaussian blobs, patchy for consolidations, painted over their pixel boxes
  for (const { f, e } of activeFindings) {
    if (e <= 0 || f.type === 'effusion') continue;
    const grow = Math.sqrt(e);
    for (const b of f.blobs) {
      const sg = b.sigma * (0.4 + 0.6 * grow);
      const [px, py] = toPx(breathe([b.u, b.v]));
      const bu = b.u;
      const bv = breathe([b.u, b.v])[1];
      const rad = Math.ceil(3.5 * sg * pxScale);
      const amp = f.strength * e * b.weight;
      for (let y = Math.max(0, Math.floor(py - rad)); y < Math.min(n, Math.ceil(py + rad)); y++) {
        for (let x = Math.max(0, Math.floor(px - rad)); x < Math.min(n, Math.ceil(px + rad)); x++) {
          const i = y * n + x;
          const du = U[i]! - bu;
          const dv = V[i]! - bv;
          const d2 = (du * du + dv * dv) / (sg * sg);
          A[i] =
            A[i]! +
            amp * Math.exp(-0.5 * d2) * (f.type === 'consolidation' ? 0.75 + 0.35 * texture[(i + 37 * n) % N]! : 1);
        }
      }
    }
  }
  for (const [p, q] of anat.clavicles) addSegment(A, n, n, toPx(p), toPx(q), 0.03 * pxScale, at.clavicle);
  const blurred =
    acq.blurPx >= 0.5
      ? boxBlur(
          A,
          [n, n],
          [Math.max(1, Math.round((acq.blurPx * n) / 256)), Math.max(1, Math.round((acq.blurPx * n) / 256))],
          1,
        )
      : A;
  const bias = smoothNoise(rng, [n, n], [2, 2]);
  const noise = fillNormal(rng, new Float32Array(N), acq.noise);
  const out = new Uint16Array(N);
  const [lo, hi] = acq.window;
  for (let i = 0; i < N; i++) {
    let t = clamp((blurred[i]! - lo) / (hi - lo), 0, 1);
    t = Math.pow(t, acq.gamma) * (1 + acq.bias * 0.5 * bias[i]!);
    // quantum-like noise, stronger in bright (less exposed) regions
    t += noise[i]! * (0.6 + 0.8 * t);
    out[i] = Math.round(clamp(t, 0, 1) * 65535);
  }
  const sp = FOV_MM / n;
  const image: Image<Uint16Array> = {
    data: out,
    shape: [n, n],
    spacing: [sp, sp],
    origin: [0, 0],
    direction: [1, 0, 0, 1],
  };
  const label: Image<Uint8Array> = {
    data: lab,
    shape: [n, n],
    spacing: [sp, sp],
    origin: [0, 0],
    direction: [1, 0, 0, 1],
  };
  return {
    image,
    label,
    findings: activeFindings
      .filter((x) => x.e > 0)
      .map((x) => ({ type: x.f.type, side: x.f.side, extent: round3(x.e) })),
  };
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

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
