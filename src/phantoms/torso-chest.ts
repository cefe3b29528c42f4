/**
 * The chest above the diaphragm: lungs (in the cavity, lateral to the mediastinum, domed at the apex, with a
 * lobulated boundary), the pulmonary vessels inside them, and the heart painted over both.
 */
import type { Rng } from '../util/rng.js';
import { clamp, smoothNoise, smoothstep } from './random.js';
import { Organ } from './torso-anatomy.js';
import type { TorsoCanvas } from './torso-canvas.js';
import { blobLevel, bodyAxes, domeZ, hyp, segDist3 } from './torso-geometry.js';

/** 5. Lungs: chest cavity above the dome, below the apex cap, outside the mediastinum; `rng` draws the lobulation */
export function paintLungs(cv: TorsoCanvas, rng: Rng): void {
  const { t, hu, organ, tex, cav } = cv;
  const midGap = 22 * t.wx;
  const capStart = 0.86 * t.L;
  const lobe = smoothNoise(rng, [cv.nz, cv.ny, cv.nx], [3, 5, 5]);
  let lz = NaN;
  let lax = 0;
  let lay = 0;
  cv.box([-1e9, -1e9, Math.min(t.domeR, t.domeL) - 120], [1e9, 1e9, t.apex], (p, x, y, z) => {
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
}

/** vessels inside the lungs (the lung label keeps them, as lung masks do) */
export function paintLungVessels(cv: TorsoCanvas): void {
  const { t, hu, organ, sx, sy, sz } = cv;
  for (const s of t.vessels) {
    const [x0, y0, z0, x1, y1, z1, r] = s as [number, number, number, number, number, number, number];
    const m = r + Math.max(sx, sy, sz);
    cv.box(
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
}

/** the heart, over the lungs and mediastinum, not below the diaphragm */
export function paintHeart(cv: TorsoCanvas): void {
  const { t, hu, organ, tex } = cv;
  cv.blobBox(t.heart, (p, x, y, z) => {
    if (z < domeZ(t, x, y) - 5 && organ[p] !== Organ.LUNG_L && organ[p] !== Organ.LUNG_R) return;
    if (blobLevel(t.heart, x, y, z) < 1) {
      hu[p] = t.hu.blood + 6 * tex[p]!;
      organ[p] = Organ.HEART;
    }
  });
}
