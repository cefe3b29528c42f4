/**
 * A torso subject's anatomy in the body frame (mm, LPS; z = 0 at the pubis, z = L at the lung apex; see torso.ts):
 * body size and fat, diaphragm domes, lobulated-ellipsoid organs at fixed fractions of the trunk length, bowel loops,
 * great vessels, lung vessel trees, and the tissue HU of the subject's contrast phase.
 */
import type { Rng } from '../util/rng.js';
import { randomWaves, type Waves } from './random.js';

/** organ codes of the `organ` volume (internal; data sets map them to their own label values) */
export const Organ = {
  NONE: 0,
  LIVER: 1,
  SPLEEN: 2,
  KIDNEY_L: 3,
  KIDNEY_R: 4,
  BLADDER: 5,
  LUNG_L: 6,
  LUNG_R: 7,
  HEART: 8,
  VESSEL: 9,
  BONE: 10,
  BOWEL: 11,
  BODY: 12,
} as const;

/** A lobulated ellipsoid: inside when |q|^2 + waves(q) < 1, q = rotated, axis-scaled offset from the centre. */
export interface Blob3 {
  c: [number, number, number];
  r: [number, number, number];
  /** rotation about z (radians) */
  rot: number;
  waves: Waves;
}

export interface Torso {
  /** trunk length, pubis to lung apex (mm) */
  L: number;
  /** body width / depth factors */
  wx: number;
  wy: number;
  /** body centre offset in the field (mm) */
  bx: number;
  by: number;
  bodyWaves: Waves;
  fat: number;
  muscle: number;
  visceralFat: number;
  /** diaphragm dome heights (mm), patient right (x < 0) and left */
  domeR: number;
  domeL: number;
  apex: number;
  contrast: boolean;
  hu: { liver: number; spleen: number; kidney: number; blood: number; muscle: number; lung: number };
  liver: Blob3[];
  spleen: Blob3;
  kidneys: [Blob3, Blob3];
  bladder: Blob3;
  heart: Blob3;
  /** amplitude of the lung boundary's random wandering (in cavity radii) */
  lungLobulation: number;
  bowel: { blob: Blob3; content: number }[];
  spineY: number;
  vertebraPeriod: number;
  ribPeriod: number;
  aorta: { x: number; y: number; r: number };
  ivc: { x: number; y: number; r: number };
  /** lung vessel trees: segments (x0, y0, z0, x1, y1, z1, radius) */
  vessels: number[][];
}

/** what organ placement needs of the subject's body */
interface Trunk {
  L: number;
  wx: number;
  wy: number;
  domeR: number;
  domeL: number;
  /** L relative to the reference trunk (455 mm): scales organ heights */
  h: number;
  /** depth of the abdominal cavity (mm): body half-depth less fat and muscle */
  cavY: number;
}

function blob(rng: Rng, c: [number, number, number], r: [number, number, number], rot: number, amp: number): Blob3 {
  return { c, r, rot, waves: randomWaves(rng, 3, 5, 1.5, 4, amp) };
}

/** Draws one subject; `contrastRate` is the probability of a contrast-enhanced scan. */
export function randomTorso(rng: Rng, contrastRate = 0.5): Torso {
  const L = rng.uniform(420, 490);
  const wx = rng.uniform(0.85, 1.12);
  const wy = rng.uniform(0.82, 1.18);
  const fat = rng.uniform(6, 32) * (0.6 + (0.5 * (wy - 0.82)) / 0.36);
  const muscle = rng.uniform(7, 14);
  const domeR = L * rng.uniform(0.66, 0.72);
  const domeL = domeR - rng.uniform(5, 25);
  const contrast = rng.next() < contrastRate;
  const h = L / 455;
  const ay = 110 * wy;
  const cavY = ay - fat - muscle;
  const spineY = cavY - rng.uniform(28, 38);
  const tr: Trunk = { L, wx, wy, domeR, domeL, h, cavY };
  // the organs, in this order: the draw order fixes the seeded phantoms
  const liver = randomLiver(rng, tr);
  const spleen = randomSpleen(rng, tr);
  const kidneys = randomKidneys(rng, tr);
  const bladder = randomBladder(rng, tr);
  const heart = randomHeart(rng, tr);
  const bowel = randomBowel(rng, tr);
  const t: Torso = {
    L,
    wx,
    wy,
    bx: rng.normal(0, 8),
    by: rng.normal(0, 8),
    bodyWaves: randomWaves(rng, 2, 5, 2, 5, 0.05),
    fat,
    muscle,
    visceralFat: rng.uniform(0.15, 0.8),
    domeR,
    domeL,
    apex: L * rng.uniform(0.975, 0.995),
    contrast,
    hu: randomTissueHu(rng, contrast),
    liver,
    spleen,
    kidneys,
    bladder,
    heart,
    lungLobulation: rng.uniform(0.03, 0.07),
    bowel,
    spineY,
    vertebraPeriod: rng.uniform(27, 33) * h,
    ribPeriod: rng.uniform(24, 30) * h,
    aorta: { x: rng.uniform(10, 25), y: spineY - rng.uniform(28, 36), r: rng.uniform(10, 15) },
    ivc: { x: rng.uniform(-30, -20), y: spineY - rng.uniform(30, 40), r: rng.uniform(9, 13) },
    vessels: [],
  };
  t.vessels = randomLungVessels(rng, wx, h, heart.c[2]);
  return t;
}

/** tissue HU: liver, spleen, kidneys and blood enhance in the portal-venous phase */
function randomTissueHu(rng: Rng, contrast: boolean): Torso['hu'] {
  return {
    liver: contrast ? rng.uniform(95, 125) : rng.uniform(45, 70),
    spleen: contrast ? rng.uniform(100, 130) : rng.uniform(40, 55),
    kidney: contrast ? rng.uniform(140, 190) : rng.uniform(28, 40),
    blood: contrast ? rng.uniform(150, 220) : rng.uniform(35, 50),
    muscle: rng.uniform(40, 60),
    lung: rng.uniform(-880, -820),
  };
}

/** right lobe under the right dome, left lobe reaching across anteriorly */
function randomLiver(rng: Rng, tr: Trunk): Blob3[] {
  const { wx, wy, h, cavY, domeR } = tr;
  const liverDrop = rng.uniform(0.8, 1.25);
  return [
    blob(
      rng,
      [-62 * wx + rng.normal(0, 6), rng.normal(0, 8), domeR - 75 * h * liverDrop],
      [rng.uniform(70, 88) * wx, rng.uniform(72, 90) * wy, 80 * h * liverDrop],
      rng.uniform(0, 0.4),
      0.3,
    ),
    blob(
      rng,
      [rng.uniform(-5, 15), -0.45 * cavY, domeR - 45 * h],
      [rng.uniform(55, 80), rng.uniform(30, 42) * wy, rng.uniform(35, 50) * h],
      rng.uniform(-0.4, -0.1),
      0.3,
    ),
  ];
}

function randomSpleen(rng: Rng, tr: Trunk): Blob3 {
  const { wx, h, cavY, domeL } = tr;
  const spleenS = rng.uniform(0.75, 1.25);
  return blob(
    rng,
    [82 * wx + rng.normal(0, 5), 0.45 * cavY + rng.normal(0, 5), domeL - 65 * h + rng.normal(0, 8)],
    [28 * spleenS, 55 * spleenS, 48 * spleenS * h],
    rng.uniform(-0.8, -0.4),
    0.25,
  );
}

/** [left, right]; the right kidney sits a little lower (under the liver) */
function randomKidneys(rng: Rng, tr: Trunk): [Blob3, Blob3] {
  const { L, wx, h, cavY } = tr;
  const kz = rng.uniform(0.4, 0.45) * L;
  const kidneyFor = (side: 1 | -1, dz: number): Blob3 =>
    blob(
      rng,
      [side * rng.uniform(55, 68) * wx, 0.55 * cavY + rng.normal(0, 4), kz + dz + rng.normal(0, 6)],
      [rng.uniform(24, 30), rng.uniform(28, 35), rng.uniform(48, 60) * h],
      side * rng.uniform(0.25, 0.5),
      0.15,
    );
  return [kidneyFor(1, 10), kidneyFor(-1, -5)];
}

/** size with the filling state */
function randomBladder(rng: Rng, tr: Trunk): Blob3 {
  const { L, h, cavY } = tr;
  const fill = rng.uniform(0.55, 1.3);
  return blob(
    rng,
    [rng.normal(0, 6), -0.4 * cavY, 0.07 * L + 10 * fill],
    [45 * fill, 38 * fill, 35 * fill * h],
    0,
    0.12,
  );
}

/** above the domes, left of the midline, tilted */
function randomHeart(rng: Rng, tr: Trunk): Blob3 {
  const { h, cavY, domeR, domeL } = tr;
  const hs = rng.uniform(0.85, 1.15);
  return blob(
    rng,
    [rng.uniform(10, 35), -0.35 * cavY, 0.5 * (domeR + domeL) + 45 * hs * h],
    [62 * hs, 50 * hs, 52 * hs * h],
    rng.uniform(-0.7, -0.35),
    0.12,
  );
}

/** 25..44 loops spread over the abdomen, holding gas, fluid or dense content */
function randomBowel(rng: Rng, tr: Trunk): Torso['bowel'] {
  const { L, wx, cavY } = tr;
  const bowel: Torso['bowel'] = [];
  const nb = rng.int(25, 45);
  for (let k = 0; k < nb; k++) {
    const ang = rng.uniform(0, 2 * Math.PI);
    const rr = Math.sqrt(rng.next()) * 0.75;
    const c: [number, number, number] = [
      Math.cos(ang) * rr * 130 * wx,
      Math.sin(ang) * rr * cavY * 0.9 - 15,
      rng.uniform(0.12, 0.56) * L,
    ];
    const rad = rng.uniform(10, 26);
    const u = rng.next();
    bowel.push({
      blob: blob(
        rng,
        c,
        [rad * rng.uniform(0.7, 1.4), rad * rng.uniform(0.7, 1.4), rad * rng.uniform(0.8, 2)],
        rng.uniform(0, Math.PI),
        0.15,
      ),
      content: u < 0.35 ? -950 : u < 0.8 ? rng.uniform(0, 30) : rng.uniform(80, 250),
    });
  }
  return bowel;
}

/**
 * Pulmonary vessel trees from each hilum (above the heart's centre, height `heartZ`): three trunks, binary branching
 * to depth 5, radius shrinking to 0.72 per level.
 */
function randomLungVessels(rng: Rng, wx: number, h: number, heartZ: number): number[][] {
  const vessels: number[][] = [];
  for (const side of [1, -1]) {
    const hil = [side * 38 * wx, rng.normal(5, 5), heartZ + 35 * h];
    for (const dir of [
      [0.3, 0, 1],
      [1, 0.2, 0],
      [0.5, 0.3, -1],
    ]) {
      const grow = (p: number[], d: number[], len: number, r: number, depth: number): void => {
        const n = Math.hypot(d[0]!, d[1]!, d[2]!);
        const q = [p[0]! + (d[0]! / n) * len, p[1]! + (d[1]! / n) * len, p[2]! + (d[2]! / n) * len];
        vessels.push([p[0]!, p[1]!, p[2]!, q[0]!, q[1]!, q[2]!, r]);
        if (depth === 0) return;
        for (let b = 0; b < 2; b++) {
          const nd = [
            d[0]! / n + rng.normal(0, 0.45),
            d[1]! / n + rng.normal(0, 0.45),
            d[2]! / n + rng.normal(0, 0.45),
          ];
          grow(q, nd, len * rng.uniform(0.7, 0.9), r * 0.72, depth - 1);
        }
      };
      grow(hil, [side * dir[0]!, dir[1]!, dir[2]!], rng.uniform(30, 40), rng.uniform(5, 7), 5);
    }
  }
  return vessels;
}
