/**
 * Chest X-ray pathology: consolidations, nodules (clusters of Gaussian blobs inside a lung) and pleural effusions,
 * each with an onset / peak / resolution over the patient's follow-up.
 */
import type { Rng } from '../util/rng.js';
import { pointInPolygon, type Pt } from './raster2d.js';

export interface Blob {
  u: number;
  v: number;
  sigma: number;
  weight: number;
}

export interface Finding {
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

/** Draws a patient's findings (none to three) in `lungs` ([left, right]); `g` is the patient's size in the field. */
export function randomFindings(rng: Rng, g: number, lungs: Pt[][]): Finding[] {
  const findings: Finding[] = [];
  const nFind = [0, 1, 1, 2, 2, 3][rng.int(0, 6)]!;
  for (let k = 0; k < nFind; k++) findings.push(randomFinding(rng, g, lungs));
  return findings;
}

function randomFinding(rng: Rng, g: number, lungs: Pt[][]): Finding {
  const side: 1 | -1 = rng.next() < 0.5 ? 1 : -1;
  const lung = lungs[side === 1 ? 0 : 1]!;
  const onset = rng.uniform(-0.4, 0.7);
  const peak = onset + rng.uniform(0.1, 0.6);
  const end = peak + rng.uniform(0.15, 1.2);
  const r = rng.next();
  if (r < 0.3) {
    return {
      type: 'effusion',
      side,
      blobs: [],
      strength: rng.uniform(0.35, 0.6),
      height: g * rng.uniform(0.3, 0.7),
      onset,
      peak,
      end,
    };
  }
  const nodule = r > 0.8;
  const blobs = randomOpacityBlobs(rng, g, lung, nodule);
  return {
    type: nodule ? 'nodule' : 'consolidation',
    side,
    blobs,
    strength: nodule ? rng.uniform(0.3, 0.5) : rng.uniform(0.4, 0.8),
    height: 0,
    onset,
    peak,
    end,
  };
}

/** one blob for a nodule, 3..7 for a patchy consolidation, 3..11 for a lobar one */
function randomOpacityBlobs(rng: Rng, g: number, lung: Pt[], nodule: boolean): Blob[] {
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
  return blobs;
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
export function course(f: Finding, tau: number): number {
  if (tau <= f.onset || tau >= f.end) return 0;
  return tau < f.peak ? (tau - f.onset) / (f.peak - f.onset) : (f.end - tau) / (f.end - f.peak);
}
