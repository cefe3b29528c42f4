/**
 * Paints a torso subject into a grid, layer over layer: body wall and cavity, bowel, solid abdominal organs, great
 * vessels, lungs with their vessels, heart, bones (later layers overwrite earlier ones).
 */
import type { Rng } from '../util/rng.js';
import { smoothNoise, smoothstep, waves2 } from './random.js';
import { paintAbdominalOrgans, paintBowel } from './torso-abdomen.js';
import { Organ, type Torso } from './torso-anatomy.js';
import { paintBones } from './torso-bones.js';
import { torsoCanvas, type TorsoCanvas } from './torso-canvas.js';
import { paintHeart, paintLungs, paintLungVessels } from './torso-chest.js';
import { bodyAxes, domeZ, hyp, type TorsoGrid } from './torso-geometry.js';

export interface PaintedTorso {
  /** HU before noise, C order [nz, ny, nx] */
  hu: Float32Array;
  organ: Uint8Array;
}

/** Paints the subject into `grid`. */
export function paintTorso(t: Torso, grid: TorsoGrid, rng: Rng): PaintedTorso {
  const cv = torsoCanvas(t, grid, smoothNoise(rng, grid.shape, [6, 8, 8]));
  paintBody(cv); // 1
  paintBowel(cv); // 2
  paintAbdominalOrgans(cv); // 3
  paintGreatVessels(cv); // 4
  paintLungs(cv, rng); // 5
  paintLungVessels(cv);
  paintHeart(cv);
  paintBones(cv); // 6
  return { hu: cv.hu, organ: cv.organ };
}

/**
 * 1. Body: subcutaneous fat, muscle wall, cavity (visceral fat / mesentery below the diaphragm, mediastinal fat
 * above); fills the cavity radius map.
 */
function paintBody(cv: TorsoCanvas): void {
  const { t, nz, ny, nx, hu, organ, tex, cav, X, Y, Zc, ind } = cv;
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
}

/** 4. Great vessels: aorta (pelvis to upper chest) and inferior vena cava (up to the diaphragm) */
function paintGreatVessels(cv: TorsoCanvas): void {
  const { t, hu, organ, tex } = cv;
  const tube = (
    cx: number,
    cy: number,
    r: number,
    z0: number,
    z1: number,
    value: number,
    over: (p: number) => boolean,
  ): void => {
    cv.box([cx - r, cy - r, z0], [cx + r, cy + r, z1], (p, x, y) => {
      if ((x - cx) ** 2 + (y - cy) ** 2 < r * r && over(p)) {
        hu[p] = value + 5 * tex[p]!;
        organ[p] = Organ.VESSEL;
      }
    });
  };
  tube(t.aorta.x, t.aorta.y, t.aorta.r, 0.3 * t.L, 0.88 * t.L, t.hu.blood, () => true);
  tube(t.ivc.x, t.ivc.y, t.ivc.r, 0.3 * t.L, t.domeR + 10, t.contrast ? t.hu.blood * 0.7 : t.hu.blood, () => true);
}
