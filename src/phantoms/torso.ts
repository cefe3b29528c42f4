/**
 * A 3D torso in Hounsfield units, shared by the CT and lung-CT phantoms.
 *
 * Frame (mm, patient LPS like `Image`): x to the patient's Left, y to Posterior, z to Superior. z = 0 is the pubic
 * symphysis and z = L (the subject's trunk length) the lung apex; anatomy is placed at fixed fractions zeta = z / L
 * of that length, so organs appear at characteristic slice positions: bladder and femoral heads low, kidneys lower
 * middle, liver and spleen under the diaphragm domes, heart and lungs high. Every subject draws its own body size,
 * fat, organ sizes, shapes (lobulated ellipsoids: a sum of random plane waves perturbs the ellipsoid's level set),
 * positions, diaphragm heights and contrast phase.
 *
 * `paintTorso` fills an HU volume (before noise) and an organ-code volume; `finishCt` adds partial-volume blur,
 * a smooth bias and noise and rounds to Int16.
 */
import type { Rng } from '../util/rng.js';
import { boxBlur } from './blur.js';
import { clamp, fillNormal, randomWaves, smoothNoise, smoothstep, waves2, waves3, type Waves } from './random.js';

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

export interface TorsoGrid {
  /** [nz, ny, nx] */
  shape: [number, number, number];
  /** mm per step, [sz, sy, sx] */
  spacing: [number, number, number];
  /** body-frame position (mm) of the centre of voxel (0, 0, 0), in (x, y, z) order */
  origin: [number, number, number];
}

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

// body half-axes (mm) against zeta, before the subject's factors
const PROFILE_Z = [0, 0.15, 0.3, 0.45, 0.6, 0.75, 0.9, 1.0];
const PROFILE_AX = [165, 170, 150, 150, 155, 160, 160, 150];
const PROFILE_AY = [110, 115, 105, 110, 115, 110, 105, 95];

function interp(xs: number[], ys: number[], x: number): number {
  if (x <= xs[0]!) return ys[0]!;
  for (let i = 1; i < xs.length; i++) {
    if (x <= xs[i]!) {
      const t = (x - xs[i - 1]!) / (xs[i]! - xs[i - 1]!);
      return ys[i - 1]! + t * (ys[i]! - ys[i - 1]!);
    }
  }
  return ys[ys.length - 1]!;
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
  const z = (f: number): number => f * L;
  const ay = 110 * wy;
  const cavY = ay - fat - muscle;
  const spineY = cavY - rng.uniform(28, 38);
  const liverDrop = rng.uniform(0.8, 1.25);
  const liver = [
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
  const spleenS = rng.uniform(0.75, 1.25);
  const spleen = blob(
    rng,
    [82 * wx + rng.normal(0, 5), 0.45 * cavY + rng.normal(0, 5), domeL - 65 * h + rng.normal(0, 8)],
    [28 * spleenS, 55 * spleenS, 48 * spleenS * h],
    rng.uniform(-0.8, -0.4),
    0.25,
  );
  const kz = z(rng.uniform(0.4, 0.45));
  const kidneyFor = (side: 1 | -1, dz: number): Blob3 =>
    blob(
      rng,
      [side * rng.uniform(55, 68) * wx, 0.55 * cavY + rng.normal(0, 4), kz + dz + rng.normal(0, 6)],
      [rng.uniform(24, 30), rng.uniform(28, 35), rng.uniform(48, 60) * h],
      side * rng.uniform(0.25, 0.5),
      0.15,
    );
  const kidneys: [Blob3, Blob3] = [kidneyFor(1, 10), kidneyFor(-1, -5)];
  const fill = rng.uniform(0.55, 1.3);
  const bladder = blob(
    rng,
    [rng.normal(0, 6), -0.4 * cavY, z(0.07) + 10 * fill],
    [45 * fill, 38 * fill, 35 * fill * h],
    0,
    0.12,
  );
  const hs = rng.uniform(0.85, 1.15);
  const heart = blob(
    rng,
    [rng.uniform(10, 35), -0.35 * cavY, 0.5 * (domeR + domeL) + 45 * hs * h],
    [62 * hs, 50 * hs, 52 * hs * h],
    rng.uniform(-0.7, -0.35),
    0.12,
  );
  const bowel: Torso['bowel'] = [];
  const nb = rng.int(25, 45);
  for (let k = 0; k < nb; k++) {
    const ang = rng.uniform(0, 2 * Math.PI);
    const rr = Math.sqrt(rng.next()) * 0.75;
    const c: [number, number, number] = [
      Math.cos(ang) * rr * 130 * wx,
      Math.sin(ang) * rr * cavY * 0.9 - 15,
      z(rng.uniform(0.12, 0.56)),
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
    hu: {
      liver: contrast ? rng.uniform(95, 125) : rng.uniform(45, 70),
      spleen: contrast ? rng.uniform(100, 130) : rng.uniform(40, 55),
      kidney: contrast ? rng.uniform(140, 190) : rng.uniform(28, 40),
      blood: contrast ? rng.uniform(150, 220) : rng.uniform(35, 50),
      muscle: rng.uniform(40, 60),
      lung: rng.uniform(-880, -820),
    },
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
  // pulmonary vessel trees from each hilum: three trunks, binary branching, radius shrinking to 0.72 per level
  for (const side of [1, -1]) {
    const hil = [side * 38 * wx, rng.normal(5, 5), heart.c[2] + 35 * h];
    for (const dir of [
      [0.3, 0, 1],
      [1, 0.2, 0],
      [0.5, 0.3, -1],
    ]) {
      const grow = (p: number[], d: number[], len: number, r: number, depth: number): void => {
        const n = Math.hypot(d[0]!, d[1]!, d[2]!);
        const q = [p[0]! + (d[0]! / n) * len, p[1]! + (d[1]! / n) * len, p[2]! + (d[2]! / n) * len];
        t.vessels.push([p[0]!, p[1]!, p[2]!, q[0]!, q[1]!, q[2]!, r]);
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
  return t;
}

/**
 * A grid covering zeta in [zFrom, zTo] of the trunk with `shape` voxels and an in-plane field of view of `fov` mm,
 * centred on the body axis.
 */
export function torsoGrid(
  t: Torso,
  shape: [number, number, number],
  fov: number,
  zFrom: number,
  zTo: number,
): TorsoGrid {
  const [nz, ny, nx] = shape;
  const sx = fov / nx;
  const sy = fov / ny;
  const sz = ((zTo - zFrom) * t.L) / nz;
  // the body's offset in the field shows as an offset of the grid
  return {
    shape,
    spacing: [sz, sy, sx],
    origin: [t.bx - (nx - 1) * 0.5 * sx, t.by - (ny - 1) * 0.5 * sy, zFrom * t.L + 0.5 * sz],
  };
}

/** inside value of a blob at (x, y, z): < 1 inside */
export function blobLevel(b: Blob3, x: number, y: number, z: number): number {
  const dx = x - b.c[0];
  const dy = y - b.c[1];
  const c = Math.cos(b.rot);
  const s = Math.sin(b.rot);
  const qx = (c * dx + s * dy) / b.r[0];
  const qy = (-s * dx + c * dy) / b.r[1];
  const qz = (z - b.c[2]) / b.r[2];
  return qx * qx + qy * qy + qz * qz + waves3(b.waves, qx, qy, qz);
}

/** the diaphragm surface: lungs above, abdominal organs below (mm) */
export function domeZ(t: Torso, x: number, y: number): number {
  const top = t.domeR + (t.domeL - t.domeR) * smoothstep(-30, 30, x);
  const dx = Math.abs(x) - 60 * t.wx;
  // lower at the lateral and posterior recesses
  return top - 0.009 * (dx * dx + 0.8 * y * y) - 0.15 * Math.max(0, y);
}

/** body half-axes at height z */
export function bodyAxes(t: Torso, z: number): [number, number] {
  const f = z / t.L;
  return [interp(PROFILE_Z, PROFILE_AX, f) * t.wx, interp(PROFILE_Z, PROFILE_AY, f) * t.wy];
}

export interface PaintedTorso {
  /** HU before noise, C order [nz, ny, nx] */
  hu: Float32Array;
  organ: Uint8Array;
}

/** Paints the subject into `grid`. */
export function paintTorso(t: Torso, grid: TorsoGrid, rng: Rng): PaintedTorso {
  const [nz, ny, nx] = grid.shape;
  const [sz, sy, sx] = grid.spacing;
  const [ox, oy, oz] = grid.origin;
  const N = nz * ny * nx;
  const hu = new Float32Array(N).fill(-1000);
  const organ = new Uint8Array(N);
  const tex = smoothNoise(rng, grid.shape, [6, 8, 8]);
  const X = (i: number): number => ox + i * sx;
  const Y = (j: number): number => oy + j * sy;
  const Zc = (k: number): number => oz + k * sz;
  const ind = (k: number, j: number, i: number): number => (k * ny + j) * nx + i;
  // visit every voxel whose centre is in the box [lo, hi] (mm, x y z)
  const box = (lo: number[], hi: number[], f: (p: number, x: number, y: number, z: number) => void): void => {
    const i0 = Math.max(0, Math.ceil((lo[0]! - ox) / sx));
    const i1 = Math.min(nx - 1, Math.floor((hi[0]! - ox) / sx));
    const j0 = Math.max(0, Math.ceil((lo[1]! - oy) / sy));
    const j1 = Math.min(ny - 1, Math.floor((hi[1]! - oy) / sy));
    const k0 = Math.max(0, Math.ceil((lo[2]! - oz) / sz));
    const k1 = Math.min(nz - 1, Math.floor((hi[2]! - oz) / sz));
    for (let k = k0; k <= k1; k++)
      for (let j = j0; j <= j1; j++) for (let i = i0; i <= i1; i++) f(ind(k, j, i), X(i), Y(j), Zc(k));
  };
  const blobBox = (b: Blob3, f: (p: number, x: number, y: number, z: number) => void): void => {
    const m = Math.max(b.r[0], b.r[1]) * 1.4;
    box([b.c[0] - m, b.c[1] - m, b.c[2] - b.r[2] * 1.4], [b.c[0] + m, b.c[1] + m, b.c[2] + b.r[2] * 1.4], f);
  };

  // 1. body: subcutaneous fat, muscle wall, cavity (visceral fat / mesentery below the diaphragm, mediastinal fat above)
  const cav = new Float32Array(N); // cavity radius (< 1 inside the cavity), for organs and lungs
  cav.fill(9);
  // the outline's wobble by angle (the waves evaluated on the unit circle), looked up per voxel
  const WOB = 720;
  const wobTable = new Float32Array(WOB + 1);
  for (let a = 0; a <= WOB; a++)
    wobTable[a] =
      1 + waves2(t.bodyWaves, Math.cos((2 * Math.PI * a) / WOB - Math.PI), Math.sin((2 * Math.PI * a) / WOB - Math.PI));
  for (let k = 0; k < nz; k++) {
    const z = Zc(k);
    const [ax, ay] = bodyAxes(t, z);
    const cax = ax - t.fat - t.muscle;
    const cay = ay - t.fat - t.muscle;
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        const x = X(i);
        const y = Y(j);
        const wob = wobTable[Math.round(((Math.atan2(y / ay, x / ax) + Math.PI) / (2 * Math.PI)) * WOB)]!;
        const rho = hyp(x / ax, y / ay) / wob;
        if (rho >= 1) continue;
        const p = ind(k, j, i);
        organ[p] = Organ.BODY;
        const rc = hyp(x / cax, y / cay) / wob;
        cav[p] = rc;
        if (rc >= 1) {
          // skin/fat then muscle: the muscle ring is the inner `muscle` mm
          const depth = (1 - rho) * Math.min(ax, ay);
          hu[p] = depth < t.fat ? -105 + 10 * tex[p]! : t.hu.muscle + 6 * tex[p]!;
        } else {
          const mix = smoothstep(-0.3, 0.3, tex[p]! + (0.5 - t.visceralFat));
          hu[p] = -95 + (t.hu.muscle - 10 + 95) * mix * (z < domeZ(t, x, y) ? 1 : 0.4);
        }
      }
    }
  }
  const inCavity = (p: number): boolean => cav[p]! < 1;

  // 2. bowel loops (walls + gas, fluid or dense content), overwritten by the solid organs below
  for (const { blob: b, content } of t.bowel) {
    blobBox(b, (p, x, y, z) => {
      if (!inCavity(p) || z > domeZ(t, x, y) - 10) return;
      const l = blobLevel(b, x, y, z);
      if (l < 1) {
        hu[p] = l < 0.75 ? content : 35 + 5 * tex[p]!;
        organ[p] = Organ.BOWEL;
      }
    });
  }

  // 3. solid abdominal organs, below the diaphragm, inside the cavity
  const organBlob = (b: Blob3, code: number, value: number): void => {
    blobBox(b, (p, x, y, z) => {
      if (!inCavity(p) || z > domeZ(t, x, y) - 5) return;
      if (blobLevel(b, x, y, z) < 1) {
        hu[p] = value + 8 * tex[p]!;
        organ[p] = code;
      }
    });
  };
  // Perivesical and perirenal fat: in CT the bladder and the kidneys sit in a fat capsule that outlines them (Gerota's
  // fascia; the perivesical space), a few mm thick; without it they blend into bowel and visceral muscle of the same HU.
  const fatCapsule = (b: Blob3, mm: number): void => {
    const outer = (1 + mm / Math.min(b.r[0], b.r[1])) ** 2; // blobLevel is a squared normalised radius
    blobBox(b, (p, x, y, z) => {
      if (!inCavity(p) || z > domeZ(t, x, y) - 5) return;
      const l = blobLevel(b, x, y, z);
      if (l >= 1 && l < outer) {
        hu[p] = -100 + 10 * tex[p]!;
        organ[p] = Organ.BODY;
      }
    });
  };
  fatCapsule(t.bladder, 6);
  organBlob(t.bladder, Organ.BLADDER, 8);
  // the detrusor wall, about 4 mm of muscle around the urine (labelled bladder, as in segmentation masks)
  const wall = (1 - 4 / Math.min(t.bladder.r[0], t.bladder.r[1])) ** 2;
  blobBox(t.bladder, (p, x, y, z) => {
    if (organ[p] !== Organ.BLADDER) return;
    const l = blobLevel(t.bladder, x, y, z);
    if (l >= wall) hu[p] = t.hu.muscle - 5 + 6 * tex[p]!;
  });
  for (const kid of t.kidneys) fatCapsule(kid, 7); // before the liver and spleen, which lie on the kidneys directly
  organBlob(t.spleen, Organ.SPLEEN, t.hu.spleen);
  for (const b of t.liver) organBlob(b, Organ.LIVER, t.hu.liver);
  // kidneys last: they indent the liver and spleen
  for (const [n, kid] of t.kidneys.entries()) {
    const side = n === 0 ? 1 : -1;
    blobBox(kid, (p, x, y, z) => {
      if (!inCavity(p)) return;
      const l = blobLevel(kid, x, y, z);
      if (l >= 1) return;
      // renal sinus: fat at the medial hilum, not labelled
      const medial = (side * (kid.c[0] - x)) / kid.r[0];
      if (medial > 0.45 && Math.abs(z - kid.c[2]) < 0.35 * kid.r[2]) {
        hu[p] = -60;
        organ[p] = Organ.BODY;
        return;
      }
      hu[p] = t.hu.kidney + 8 * tex[p]! + (t.contrast && l > 0.55 ? 30 : 0);
      organ[p] = n === 0 ? Organ.KIDNEY_L : Organ.KIDNEY_R;
    });
  }

  // 4. great vessels
  const tube = (
    cx: number,
    cy: number,
    r: number,
    z0: number,
    z1: number,
    value: number,
    over: (p: number) => boolean,
  ): void => {
    box([cx - r, cy - r, z0], [cx + r, cy + r, z1], (p, x, y) => {
      if ((x - cx) ** 2 + (y - cy) ** 2 < r * r && over(p)) {
        hu[p] = value + 5 * tex[p]!;
        organ[p] = Organ.VESSEL;
      }
    });
  };
  tube(t.aorta.x, t.aorta.y, t.aorta.r, 0.3 * t.L, 0.88 * t.L, t.hu.blood, () => true);
  tube(t.ivc.x, t.ivc.y, t.ivc.r, 0.3 * t.L, t.domeR + 10, t.contrast ? t.hu.blood * 0.7 : t.hu.blood, () => true);

  // 5. lungs: chest cavity above the dome, below the apex cap, outside the mediastinum; heart painted over
  const midGap = 22 * t.wx;
  const capStart = 0.86 * t.L;
  const lobe = smoothNoise(rng, grid.shape, [3, 5, 5]);
  let lz = NaN;
  let lax = 0;
  let lay = 0;
  box([-1e9, -1e9, Math.min(t.domeR, t.domeL) - 120], [1e9, 1e9, t.apex], (p, x, y, z) => {
    if (cav[p]! >= 1 || z < domeZ(t, x, y) || organ[p] === Organ.VESSEL) return;
    if (z !== lz) {
      lz = z;
      [lax, lay] = bodyAxes(t, z);
      lax -= t.fat + t.muscle;
      lay -= t.fat + t.muscle;
    }
    // lobulated: the lung boundary wanders with a smooth random field
    const lim = 0.93 + t.lungLobulation * lobe[p]!;
    // lungs sit lateral to the mediastinum (wider anteriorly)
    const lateral = Math.abs(x) - midGap * (1 + 0.4 * smoothstep(0, -lay * 0.6, y));
    if (!(cav[p]! < lim) || lateral <= 0) return;
    if (z > capStart) {
      // apex: each lung narrows to a dome about its own axis
      const cap = Math.sqrt(Math.max(0, 1 - ((z - capStart) / (t.apex - capStart)) ** 2)) * 1.1;
      if (hyp((Math.abs(x) - 0.5 * lax) / (0.5 * lax), (y - 0.1 * lay) / (0.75 * lay)) >= cap) return;
    }
    if (y > t.spineY - 5 && Math.abs(x) < 40) return; // spine and paravertebral soft tissue
    // denser toward the dependent (posterior) lung
    hu[p] = t.hu.lung + 30 * tex[p]! + 40 * smoothstep(-40, 80, y);
    organ[p] = x > 0 ? Organ.LUNG_L : Organ.LUNG_R;
  });
  // vessels inside the lungs (the lung label keeps them, as lung masks do)
  for (const s of t.vessels) {
    const [x0, y0, z0, x1, y1, z1, r] = s as [number, number, number, number, number, number, number];
    const m = r + Math.max(sx, sy, sz);
    box(
      [Math.min(x0, x1) - m, Math.min(y0, y1) - m, Math.min(z0, z1) - m],
      [Math.max(x0, x1) + m, Math.max(y0, y1) + m, Math.max(z0, z1) + m],
      (p, x, y, z) => {
        if (organ[p] !== Organ.LUNG_L && organ[p] !== Organ.LUNG_R) return;
        const d = segDist3(x, y, z, x0, y0, z0, x1, y1, z1);
        // partial volume: full vessel density inside, fading over half a voxel
        const w = clamp(1 - (d - r) / (0.5 * sx), 0, 1);
        if (w > 0) hu[p] = Math.max(hu[p]!, hu[p]! + (t.hu.blood - 10 - hu[p]!) * w);
      },
    );
  }
  blobBox(t.heart, (p, x, y, z) => {
    if (z < domeZ(t, x, y) - 5 && organ[p] !== Organ.LUNG_L && organ[p] !== Organ.LUNG_R) return;
    if (blobLevel(t.heart, x, y, z) < 1) {
      hu[p] = t.hu.blood + 6 * tex[p]!;
      organ[p] = Organ.HEART;
    }
  });

  // 6. bones: spine (vertebral bodies, discs, posterior arch), ribs, sternum, pelvis, femoral heads
  const cortical = 650;
  let lastZ = NaN;
  let ay = 0;
  box([-1e9, -1e9, -1e9], [1e9, 1e9, 1e9], (p, x, y, z) => {
    if (organ[p] === Organ.NONE) return;
    if (z !== lastZ) {
      lastZ = z;
      ay = bodyAxes(t, z)[1];
    }
    const vy = t.spineY + 20;
    const dv = hyp(x, y - vy);
    const vph = (z / t.vertebraPeriod) % 1;
    let bone = 0;
    if (dv < 18) bone = vph < 0.22 ? 90 : dv > 15.5 ? cortical : 220; // disc or vertebral body
    const dc = hyp(x, y - vy - 28);
    if (dc < 8)
      bone = 10; // spinal canal
    else if (dc < 15 && vph > 0.3) bone = cortical * 0.8; // arch
    if (Math.abs(x) < 5 && y > vy + 40 && y < vy + 65 && vph > 0.35 && vph < 0.8) bone = cortical * 0.8; // spinous process
    const f = z / t.L;
    // ribs: periodic in z, sloping down anteriorly, at the inner edge of the chest wall
    if (f > 0.55 && f < 0.97) {
      const rc = cav[p]!;
      if (rc > 0.97 && rc < 1.1 && !(y < 0 && Math.abs(x) < 25)) {
        const ph = (z + 0.35 * (ay - y)) / t.ribPeriod;
        if (ph - Math.floor(ph) < 0.33) bone = 500;
      }
      if (f > 0.68 && f < 0.9 && y < -ay + t.fat + 2 * t.muscle && y > -ay + t.fat && Math.abs(x) < 14) bone = 350; // sternum
    }
    if (f > 0.1 && f < 0.27) {
      // iliac wings: curved plates lateral-posterior
      for (const s of [1, -1]) {
        const e = hyp((x - s * 55 * t.wx) / (55 * t.wx), (y - 10) / 65);
        if (Math.abs(e - 1) < 0.1 && s * x > 45 * t.wx) bone = e > 1.05 || e < 0.95 ? cortical : 300;
      }
      if (Math.abs(x) < 40 && y > vy - 15 && y < vy + 15) bone = 280; // sacrum
    }
    if (f < 0.08) {
      for (const s of [1, -1]) {
        const d = hyp(x - s * 88 * t.wx, y, z - 0.035 * t.L);
        if (d < 24) bone = d > 21 ? cortical : 300;
      }
    }
    if (bone !== 0) {
      hu[p] = bone + 15 * tex[p]!;
      organ[p] = Organ.BONE;
    }
  });
  return { hu, organ };
}

function segDist3(
  px: number,
  py: number,
  pz: number,
  ax: number,
  ay: number,
  az: number,
  bx: number,
  by: number,
  bz: number,
): number {
  const dx = bx - ax;
  const dy = by - ay;
  const dz = bz - az;
  const len2 = dx * dx + dy * dy + dz * dz;
  const t = len2 > 0 ? clamp(((px - ax) * dx + (py - ay) * dy + (pz - az) * dz) / len2, 0, 1) : 0;
  return hyp(px - ax - t * dx, py - ay - t * dy, pz - az - t * dz);
}

/**
 * Partial-volume blur (in-plane), a smooth bias and Gaussian noise; rounds to Int16 HU clipped to [-1024, 3071].
 */
export function finishCt(hu: Float32Array, grid: TorsoGrid, rng: Rng, noiseStd: number): Int16Array {
  const blurred = boxBlur(hu, grid.shape, [0, 1, 1], 1);
  // keep some edge sharpness: half the original plus half the blur
  const noise = fillNormal(rng, new Float32Array(hu.length), noiseStd);
  const bias = smoothNoise(rng, grid.shape, [2, 2, 2]);
  const out = new Int16Array(hu.length);
  for (let p = 0; p < hu.length; p++) {
    const v = 0.5 * hu[p]! + 0.5 * blurred[p]! + noise[p]! + 8 * bias[p]!;
    out[p] = Math.round(clamp(v, -1024, 3071));
  }
  return out;
}

/** sqrt of the sum of squares (Math.hypot is several times slower in V8) */
function hyp(a: number, b: number, c = 0): number {
  return Math.sqrt(a * a + b * b + c * c);
}
