/**
 * 6. Bones, painted last over every body voxel: spine (vertebral bodies, discs, canal, posterior arch, spinous
 * processes), ribs and sternum, pelvis (iliac wings, sacrum), femoral heads. Each part overrides the ones before it
 * where they meet; the value is the bone's HU before texture.
 */
import { Organ, type Torso } from './torso-anatomy.js';
import type { TorsoCanvas } from './torso-canvas.js';
import { bodyAxes, hyp } from './torso-geometry.js';

const CORTICAL = 650;

export function paintBones(cv: TorsoCanvas): void {
  const { t, hu, organ, tex, cav } = cv;
  let lastZ = NaN;
  let ay = 0;
  cv.box([-1e9, -1e9, -1e9], [1e9, 1e9, 1e9], (p, x, y, z) => {
    if (organ[p] === Organ.NONE) return;
    if (z !== lastZ) {
      lastZ = z;
      ay = bodyAxes(t, z)[1];
    }
    let bone = spineBone(t, x, y, z);
    const f = z / t.L;
    if (f > 0.55 && f < 0.97) bone = chestWallBone(bone, t, x, y, z, f, cav[p]!, ay);
    if (f > 0.1 && f < 0.27) bone = pelvisBone(bone, t, x, y);
    if (f < 0.08) bone = femoralHeadBone(bone, t, x, y, z);
    if (bone !== 0) {
      hu[p] = bone + 15 * tex[p]!;
      organ[p] = Organ.BONE;
    }
  });
}

/** the vertebral body sits 20 mm behind `spineY` */
function vertebraY(t: Torso): number {
  return t.spineY + 20;
}

/** vertebral bodies and discs, the spinal canal, the arch and the spinous process; 0 outside the spine */
function spineBone(t: Torso, x: number, y: number, z: number): number {
  const vy = vertebraY(t);
  const dv = hyp(x, y - vy);
  const vph = (z / t.vertebraPeriod) % 1;
  let bone = 0;
  if (dv < 18) bone = vph < 0.22 ? 90 : dv > 15.5 ? CORTICAL : 220; // disc or vertebral body
  const dc = hyp(x, y - vy - 28);
  if (dc < 8)
    bone = 10; // spinal canal
  else if (dc < 15 && vph > 0.3) bone = CORTICAL * 0.8; // arch
  if (Math.abs(x) < 5 && y > vy + 40 && y < vy + 65 && vph > 0.35 && vph < 0.8) bone = CORTICAL * 0.8; // spinous process
  return bone;
}

/**
 * Ribs: periodic in z, sloping down anteriorly, at the inner edge of the chest wall (`rc` the cavity radius, `ay` the
 * body half-depth); the sternum in front. `f` = z / L.
 */
function chestWallBone(
  bone: number,
  t: Torso,
  x: number,
  y: number,
  z: number,
  f: number,
  rc: number,
  ay: number,
): number {
  if (rc > 0.97 && rc < 1.1 && !(y < 0 && Math.abs(x) < 25)) {
    const ph = (z + 0.35 * (ay - y)) / t.ribPeriod;
    if (ph - Math.floor(ph) < 0.33) bone = 500;
  }
  if (f > 0.68 && f < 0.9 && y < -ay + t.fat + 2 * t.muscle && y > -ay + t.fat && Math.abs(x) < 14) bone = 350; // sternum
  return bone;
}

/** iliac wings (curved plates, lateral-posterior) and the sacrum */
function pelvisBone(bone: number, t: Torso, x: number, y: number): number {
  for (const s of [1, -1]) {
    const e = hyp((x - s * 55 * t.wx) / (55 * t.wx), (y - 10) / 65);
    if (Math.abs(e - 1) < 0.1 && s * x > 45 * t.wx) bone = e > 1.05 || e < 0.95 ? CORTICAL : 300;
  }
  const vy = vertebraY(t);
  if (Math.abs(x) < 40 && y > vy - 15 && y < vy + 15) bone = 280; // sacrum
  return bone;
}

/** femoral heads: cortical shells around cancellous bone */
function femoralHeadBone(bone: number, t: Torso, x: number, y: number, z: number): number {
  for (const s of [1, -1]) {
    const d = hyp(x - s * 88 * t.wx, y, z - 0.035 * t.L);
    if (d < 24) bone = d > 21 ? CORTICAL : 300;
  }
  return bone;
}
