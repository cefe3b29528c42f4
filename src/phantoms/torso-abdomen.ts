/**
 * The abdomen's contents, below the diaphragm and inside the body cavity: bowel loops, then the solid organs over
 * them (bladder with its wall, fat capsules, spleen, liver, kidneys with their renal sinus).
 */
import { Organ, type Blob3 } from './torso-anatomy.js';
import type { TorsoCanvas } from './torso-canvas.js';
import { blobLevel, domeZ } from './torso-geometry.js';

/** 2. Bowel loops (walls + gas, fluid or dense content), overwritten by the solid organs */
export function paintBowel(cv: TorsoCanvas): void {
  const { t, hu, organ, tex } = cv;
  for (const { blob: b, content } of t.bowel) {
    cv.blobBox(b, (p, x, y, z) => {
      if (!cv.inCavity(p) || z > domeZ(t, x, y) - 10) return;
      const l = blobLevel(b, x, y, z);
      if (l < 1) {
        hu[p] = l < 0.75 ? content : 35 + 5 * tex[p]!;
        organ[p] = Organ.BOWEL;
      }
    });
  }
}

/** 3. Solid abdominal organs, below the diaphragm, inside the cavity */
export function paintAbdominalOrgans(cv: TorsoCanvas): void {
  const { t } = cv;
  paintFatCapsule(cv, t.bladder, 6);
  paintOrgan(cv, t.bladder, Organ.BLADDER, 8);
  paintBladderWall(cv);
  for (const kid of t.kidneys) paintFatCapsule(cv, kid, 7); // before the liver and spleen, which lie on the kidneys directly
  paintOrgan(cv, t.spleen, Organ.SPLEEN, t.hu.spleen);
  for (const b of t.liver) paintOrgan(cv, b, Organ.LIVER, t.hu.liver);
  // kidneys last: they indent the liver and spleen
  for (const [n, kid] of t.kidneys.entries()) paintKidney(cv, kid, n === 0 ? 1 : -1);
}

function paintOrgan(cv: TorsoCanvas, b: Blob3, code: number, value: number): void {
  const { t, hu, organ, tex } = cv;
  cv.blobBox(b, (p, x, y, z) => {
    if (!cv.inCavity(p) || z > domeZ(t, x, y) - 5) return;
    if (blobLevel(b, x, y, z) < 1) {
      hu[p] = value + 8 * tex[p]!;
      organ[p] = code;
    }
  });
}

/**
 * Perivesical and perirenal fat: in CT the bladder and the kidneys sit in a fat capsule that outlines them (Gerota's
 * fascia; the perivesical space), a few mm thick; without it they blend into bowel and visceral muscle of the same HU.
 */
function paintFatCapsule(cv: TorsoCanvas, b: Blob3, mm: number): void {
  const { t, hu, organ, tex } = cv;
  const outer = (1 + mm / Math.min(b.r[0], b.r[1])) ** 2; // blobLevel is a squared normalised radius
  cv.blobBox(b, (p, x, y, z) => {
    if (!cv.inCavity(p) || z > domeZ(t, x, y) - 5) return;
    const l = blobLevel(b, x, y, z);
    if (l >= 1 && l < outer) {
      hu[p] = -100 + 10 * tex[p]!;
      organ[p] = Organ.BODY;
    }
  });
}

/** the detrusor wall, about 4 mm of muscle around the urine (labelled bladder, as in segmentation masks) */
function paintBladderWall(cv: TorsoCanvas): void {
  const { t, hu, organ, tex } = cv;
  const wall = (1 - 4 / Math.min(t.bladder.r[0], t.bladder.r[1])) ** 2;
  cv.blobBox(t.bladder, (p, x, y, z) => {
    if (organ[p] !== Organ.BLADDER) return;
    const l = blobLevel(t.bladder, x, y, z);
    if (l >= wall) hu[p] = t.hu.muscle - 5 + 6 * tex[p]!;
  });
}

/** `side` 1 = left kidney, -1 = right; cortex enhances more than the medulla with contrast */
function paintKidney(cv: TorsoCanvas, kid: Blob3, side: 1 | -1): void {
  const { t, hu, organ, tex } = cv;
  cv.blobBox(kid, (p, x, y, z) => {
    if (!cv.inCavity(p)) return;
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
    organ[p] = side === 1 ? Organ.KIDNEY_L : Organ.KIDNEY_R;
  });
}
