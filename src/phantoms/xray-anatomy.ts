/**
 * A chest X-ray patient's anatomy, drawn once in the normalised frame (u, v) in [-1, 1]^2 (u to the image's right,
 * v down): body outline, lobulated lung fields, heart, diaphragm domes, spine, clavicles, ribs, pulmonary vessels,
 * gastric bubble, breast shadows, attenuations and findings (see xray.ts for the conventions).
 */
import type { Rng } from '../util/rng.js';
import { randomWaves, smoothstep, waves2 } from './random.js';
import { closedSpline, type Pt } from './raster2d.js';
import { randomFindings, type Finding } from './xray-findings.js';

export interface Ellipse {
  cu: number;
  cv: number;
  a: number;
  b: number;
  rot: number;
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

/** the patient's lung-field shape parameters, shared by both lungs */
interface LungShape {
  /** overall patient size in the field */
  g: number;
  su: number;
  sv: number;
  /** widens the mediastinum */
  medial: number;
  /** vertical offset of both lungs */
  dv: number;
}

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
  const shape: LungShape = { g, su: lungSu, sv: lungSv, medial, dv };
  const lungs: Pt[][] = [randomLung(rng, shape, 1, domeL), randomLung(rng, shape, -1, domeR)];
  const apexV = Math.min(...lungs.flat().map((p) => p[1]));
  const heart = randomHeart(rng, g, dv, domeL, domeR);
  const spineU = rng.normal(0, 0.015);
  const clavicles = randomClavicles(rng, g);
  const vessels = randomVesselTrees(rng, g, dv);
  const bubble = randomBubble(rng, g, lungs[0]!);
  const breasts = sex === 'F' ? randomBreasts(rng, g) : [];
  const att = randomAttenuations(rng);
  const baseV: [number, number] = [baseOf(lungs[0]!), baseOf(lungs[1]!)];
  const findings = randomFindings(rng, g, lungs);
  // drawn last (after the findings), in this order: the draw order fixes the seeded phantoms
  const outline = randomBodyOutline(rng, g, lungSu);
  const ribs = randomRibs(rng, g);
  return {
    sex,
    lungs: [lungs[0]!, lungs[1]!],
    apexV,
    heart,
    neckHalf: outline.neckHalf,
    chestHalf: outline.chestHalf,
    shoulderV: outline.shoulderV,
    spineU,
    ribPeriod: ribs.ribPeriod,
    ribV0: ribs.ribV0,
    ribCurv: ribs.ribCurv,
    antRibPeriod: ribs.antRibPeriod,
    antRibV0: ribs.antRibV0,
    clavicles,
    vessels,
    bubble,
    breasts,
    att,
    findings,
    baseV,
  };
}

/** v of the lowest point of an outline */
function baseOf(c: Pt[]): number {
  return Math.max(...c.map((p) => p[1]));
}

/** One lung outline: the template scaled, its base lowered by `dome`, jittered, mirrored for side 1, lobulated. */
function randomLung(rng: Rng, sh: LungShape, side: 1 | -1, dome: number): Pt[] {
  const { g, dv } = sh;
  const ctrl: Pt[] = LUNG_TEMPLATE.map(([u, v], i) => {
    let uu = u * sh.su;
    let vv = v * sh.sv;
    if (i >= 10 || i === 0) uu -= sh.medial; // medial points move toward the lateral side (u < 0 here)
    if (v > 0.3) vv += dome * smoothstep(0.3, 0.45, v);
    uu += rng.normal(0, 0.022);
    vv += rng.normal(0, 0.022);
    return [g * side * -uu, g * (vv + dv)];
  });
  if (side === 1) ctrl.reverse(); // keep a consistent orientation after mirroring
  const curve = closedSpline(ctrl, 12);
  // irregular, lobulated boundary: radial harmonics about the centroid
  const cu = curve.reduce((s, p) => s + p[0], 0) / curve.length;
  const cv = curve.reduce((s, p) => s + p[1], 0) / curve.length;
  const harm = randomWaves(rng, 2, 6, 6, 14, 0.035);
  return curve.map(([u, v]) => {
    const f = 1 + waves2(harm, u, v);
    return [cu + (u - cu) * f, cv + (v - cv) * f];
  });
}

/** a tilted ellipse whose width follows the cardio-thoracic ratio; it sits on the diaphragm */
function randomHeart(rng: Rng, g: number, dv: number, domeL: number, domeR: number): Ellipse {
  const ctr = rng.uniform(0.4, 0.56); // cardio-thoracic ratio
  return {
    cu: g * (0.07 + rng.normal(0, 0.03)),
    cv: g * (0.24 + rng.normal(0, 0.03) + dv + 0.3 * (domeL + domeR)),
    a: g * ctr * 0.72,
    b: g * rng.uniform(0.22, 0.29),
    rot: rng.uniform(-0.45, -0.15),
  };
}

function randomClavicles(rng: Rng, g: number): [Pt, Pt][] {
  return [1, -1].map((s) => {
    const y0 = g * (-0.66 + rng.normal(0, 0.03));
    return [
      [s * g * 0.07, y0],
      [s * g * rng.uniform(0.48, 0.56), y0 - g * rng.uniform(0.05, 0.12)],
    ] as [Pt, Pt];
  });
}

/** pulmonary vessel trees from each hilum: three trunks, binary branching to depth 3 */
function randomVesselTrees(rng: Rng, g: number, dv: number): XrayAnatomy['vessels'] {
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
  return vessels;
}

/** the gastric air bubble under the left dome, in three patients of four */
function randomBubble(rng: Rng, g: number, leftLung: Pt[]): Ellipse | null {
  return rng.next() < 0.75
    ? {
        cu: g * rng.uniform(0.28, 0.45),
        cv: baseOf(leftLung) + g * rng.uniform(0.06, 0.12),
        a: g * rng.uniform(0.05, 0.1),
        b: g * rng.uniform(0.03, 0.06),
        rot: rng.normal(0, 0.2),
      }
    : null;
}

function randomBreasts(rng: Rng, g: number): Ellipse[] {
  return [1, -1].map((s) => ({
    cu: s * g * rng.uniform(0.4, 0.55),
    cv: g * rng.uniform(0.4, 0.6),
    a: g * rng.uniform(0.25, 0.35),
    b: g * rng.uniform(0.18, 0.26),
    rot: 0,
  }));
}

/** per-tissue attenuations; an obese patient has more body and less lung contrast */
function randomAttenuations(rng: Rng): XrayAnatomy['att'] {
  const obese = rng.uniform(0, 1);
  return {
    body: 0.9 + 0.35 * obese,
    lung: rng.uniform(0.5, 0.75) - 0.15 * obese,
    heart: rng.uniform(0.1, 0.25),
    spine: rng.uniform(0.22, 0.35),
    rib: rng.uniform(0.08, 0.2),
    clavicle: rng.uniform(0.25, 0.4),
    vessel: rng.uniform(0.06, 0.14),
  };
}

/** neck and chest half-widths, shoulder height */
function randomBodyOutline(
  rng: Rng,
  g: number,
  lungSu: number,
): Pick<XrayAnatomy, 'neckHalf' | 'chestHalf' | 'shoulderV'> {
  return {
    neckHalf: g * rng.uniform(0.17, 0.24),
    chestHalf: g * rng.uniform(0.84, 0.93) * (0.85 + 0.15 * lungSu),
    shoulderV: g * rng.uniform(-0.86, -0.74),
  };
}

/** posterior ribs (period, first rib's v, lateral curvature) and anterior ribs (period, first rib's v) */
function randomRibs(
  rng: Rng,
  g: number,
): Pick<XrayAnatomy, 'ribPeriod' | 'ribV0' | 'ribCurv' | 'antRibPeriod' | 'antRibV0'> {
  return {
    ribPeriod: g * rng.uniform(0.11, 0.14),
    ribV0: g * rng.uniform(-0.84, -0.76),
    ribCurv: rng.uniform(0.3, 0.7),
    antRibPeriod: g * rng.uniform(0.12, 0.16),
    antRibV0: g * rng.uniform(-0.75, -0.6),
  };
}
