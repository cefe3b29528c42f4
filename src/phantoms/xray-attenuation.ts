/**
 * The radiograph's attenuation sum, pixel by pixel, in layers: body (elliptic thickness profile through neck,
 * shoulders, chest, abdomen), lung air, heart, pulmonary vessels, spine, posterior and anterior ribs, breast
 * shadows, gastric bubble and pleural effusions. Opacities and clavicles are painted on top by the renderer.
 *
 * Each layer adds its term to the running sum in a fixed order (the seeded phantoms depend on the floating-point
 * order), so the helpers take the sum and return it.
 */
import { clamp, smoothstep } from './random.js';
import type { Ellipse, XrayAnatomy } from './xray-anatomy.js';
import type { Finding } from './xray-findings.js';

/** an effusion visible at this acquisition: extent `e` in (0, 1], `base` the breathed dome height */
export interface ActiveEffusion {
  side: 1 | -1;
  e: number;
  f: Finding;
  base: number;
}

/** per-pixel inputs of the sum, in the acquisition's pixel grid */
export interface XrayLayers {
  /** anatomy coordinates of each pixel centre */
  U: Float32Array;
  V: Float32Array;
  /** smooth texture, about unit amplitude */
  texture: Float32Array;
  /** softened lung and heart masks, vessel map */
  lungSoft: Float32Array;
  heartSoft: Float32Array;
  vessel: Float32Array;
  /** the breathed gastric bubble */
  bubble: Ellipse | null;
  effusions: ActiveEffusion[];
}

/** the squared normalised radius of (u, v) in a rotated ellipse: < 1 inside */
export function ellipseLevel(e: Ellipse, u: number, v: number): number {
  const du = u - e.cu;
  const dv = v - e.cv;
  const c = Math.cos(e.rot);
  const sn = Math.sin(e.rot);
  const p = (c * du + sn * dv) / e.a;
  const q = (-sn * du + c * dv) / e.b;
  return p * p + q * q;
}

/** The attenuation of every pixel (before opacities, clavicles, blur and exposure). */
export function attenuationMap(anat: XrayAnatomy, layers: XrayLayers): Float32Array {
  const { U, V, texture, lungSoft, heartSoft, vessel } = layers;
  const N = U.length;
  const A = new Float32Array(N);
  const at = anat.att;
  const cage = anat.chestHalf - 0.04;
  for (let i = 0; i < N; i++) {
    const u = U[i]!;
    const v = V[i]!;
    const tx = texture[i]!;
    const au = Math.abs(u - anat.spineU);
    const r = Math.abs(u) / bodyHalfWidth(anat, v);
    let a = 0;
    if (r < 1) a += at.body * (0.35 + 0.65 * Math.sqrt(1 - r * r)) * (1 + 0.06 * tx);
    // lung air: less of it toward the bases, where more tissue overlaps
    a -= at.lung * lungSoft[i]! * (1 + 0.08 * tx) * (1 - 0.25 * smoothstep(-0.4, 0.6, v));
    a += at.heart * heartSoft[i]!;
    a += at.vessel * vessel[i]! * lungSoft[i]!;
    // spine with vertebral periodicity
    if (Math.abs(u - anat.spineU) < 0.065 && v > -1.1) a += at.spine * (0.8 + 0.2 * Math.cos((2 * Math.PI * v) / 0.09));
    a = addRibs(a, anat, au, v, cage);
    a = addBreastsAndBubble(a, anat.breasts, layers.bubble, u, v);
    a = addEffusions(a, layers.effusions, u, v, r, au, cage);
    A[i] = a;
  }
  return A;
}

/** body outline's half-width at height v: neck, shoulders, chest, abdomen */
function bodyHalfWidth(anat: XrayAnatomy, v: number): number {
  return v < anat.shoulderV - 0.12
    ? anat.neckHalf
    : v < anat.shoulderV
      ? anat.neckHalf + (1.05 - anat.neckHalf) * smoothstep(anat.shoulderV - 0.12, anat.shoulderV, v)
      : v < 0.1
        ? 1.05 - (1.05 - anat.chestHalf) * smoothstep(anat.shoulderV, 0.1, v)
        : anat.chestHalf - 0.04 * smoothstep(0.5, 1.2, v);
}

/**
 * Ribs inside the rib cage: posterior (curving down laterally) and fainter anterior ones (sloping down medially).
 * `au` is the distance from the spine, `cage` the rib cage's half-width.
 */
function addRibs(a: number, anat: XrayAnatomy, au: number, v: number, cage: number): number {
  if (!(au > 0.06 && au < cage && v > anat.ribV0 - 0.05 && v < 0.75)) return a;
  const rib = anat.att.rib;
  const ph = (v - anat.ribV0 - anat.ribCurv * (au - 0.06) * (au - 0.06)) / anat.ribPeriod;
  const k = Math.floor(ph);
  const f = ph - k;
  if (k >= 0 && k < 10 && f < 0.36)
    a += rib * (0.75 + 0.5 * Math.abs(f / 0.36 - 0.5)) * smoothstep(cage, cage - 0.06, au);
  if (au > 0.12) {
    const pa = (v - anat.antRibV0 + 0.45 * (au - 0.12) - 0.5 * (au - 0.12) * (au - 0.12)) / anat.antRibPeriod;
    const ka = Math.floor(pa);
    if (ka >= 0 && ka < 7 && pa - ka < 0.3) a += 0.45 * rib * smoothstep(cage, cage - 0.1, au);
  }
  return a;
}

/** breast shadows add soft tissue; the gastric bubble removes some */
function addBreastsAndBubble(a: number, breasts: Ellipse[], bubble: Ellipse | null, u: number, v: number): number {
  for (const e of breasts) {
    const q = ellipseLevel(e, u, v);
    if (q < 1) a += 0.14 * (1 - q);
  }
  if (bubble) {
    const q = ellipseLevel(bubble, u, v);
    if (q < 1) a -= 0.4 * Math.min(1, 3 * (1 - q));
  }
  return a;
}

/** `r` is |u| over the body's half-width (< 1 inside the body) */
function addEffusions(
  a: number,
  effusions: ActiveEffusion[],
  u: number,
  v: number,
  r: number,
  au: number,
  cage: number,
): number {
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
  return a;
}
