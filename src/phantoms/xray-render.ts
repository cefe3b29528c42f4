/**
 * Renders one radiograph of an X-ray anatomy under an acquisition: the pixel grid in anatomy coordinates, the
 * anatomical lung labels, the attenuation layers (xray-attenuation.ts), opacities and clavicles, then detector blur
 * and the exposure curve with bias field and noise, to 16-bit intensities.
 */
import type { Image } from '../io/image.js';
import type { Rng } from '../util/rng.js';
import { boxBlur } from './blur.js';
import { clamp, fillNormal, smoothNoise } from './random.js';
import { addSegment, fillPolygon, keepLargestComponent, type Pt } from './raster2d.js';
import type { XrayAcquisition } from './xray-acquisition.js';
import type { XrayAnatomy } from './xray-anatomy.js';
import { attenuationMap, ellipseLevel, type ActiveEffusion } from './xray-attenuation.js';
import { course, type Finding } from './xray-findings.js';

/** detector field of view in mm (sets the pixel spacing) */
const FOV_MM = 410;

/** The acquisition's pixel grid: anatomy <-> pixel maps and every pixel centre in anatomy coordinates. */
interface XrayFrame {
  n: number;
  /** pixels per anatomy unit */
  pxScale: number;
  U: Float32Array;
  V: Float32Array;
  /** anatomy (u, v) -> pixel (x, y): rotation, scale, shift */
  toPx: (p: Pt) => Pt;
  /** breathing: lungs (and the heart, sitting on the diaphragm) stretch vertically about the apex */
  breathe: (p: Pt) => Pt;
}

interface ActiveFinding {
  f: Finding;
  /** extent at this acquisition's follow-up fraction, 0..1 */
  e: number;
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
  const fr = acquisitionFrame(anat, acq, n);
  const { lab, heartMask } = lungLabels(anat, fr);
  const rSoft = Math.max(1, Math.round(n / 128));
  const lungSoft = boxBlur(
    Float32Array.from(lab, (l) => (l > 0 ? 1 : 0)),
    [n, n],
    [rSoft, rSoft],
    2,
  );
  const heartSoft = boxBlur(heartMask, [n, n], [rSoft, rSoft], 2);
  const vessel = vesselMap(anat, fr);
  const activeFindings: ActiveFinding[] = anat.findings.map((f) => ({ f, e: course(f, tau) }));
  // rng draws, in this order: the texture here, then the bias field and the noise in expose()
  const texture = smoothNoise(rng, [n, n], [10, 10]);
  const bubble = anat.bubble ? { ...anat.bubble, cv: fr.breathe([0, anat.bubble.cv])[1] } : null;
  const effusions: ActiveEffusion[] = activeFindings
    .filter((x) => x.f.type === 'effusion' && x.e > 0)
    .map(({ f, e }) => ({ side: f.side, e, f, base: fr.breathe([0, anat.baseV[f.side === 1 ? 0 : 1]])[1] }));
  const A = attenuationMap(anat, { U: fr.U, V: fr.V, texture, lungSoft, heartSoft, vessel, bubble, effusions });
  addOpacities(A, fr, activeFindings, texture);
  for (const [p, q] of anat.clavicles)
    addSegment(A, n, n, fr.toPx(p), fr.toPx(q), 0.03 * fr.pxScale, anat.att.clavicle);
  return {
    image: detectorImage(expose(A, acq, n, rng), n),
    label: detectorImage(lab, n),
    findings: activeFindings
      .filter((x) => x.e > 0)
      .map((x) => ({ type: x.f.type, side: x.f.side, extent: round3(x.e) })),
  };
}

/** an n x n image over the detector's field of view */
function detectorImage<T extends Uint8Array | Uint16Array>(data: T, n: number): Image<T> {
  const sp = FOV_MM / n;
  return { data, shape: [n, n], spacing: [sp, sp], origin: [0, 0], direction: [1, 0, 0, 1] };
}

export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function acquisitionFrame(anat: XrayAnatomy, acq: XrayAcquisition, n: number): XrayFrame {
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
  const breathe = (p: Pt): Pt => [p[0], anat.apexV + (p[1] - anat.apexV) * acq.inspiration];
  const U = new Float32Array(n * n);
  const V = new Float32Array(n * n);
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      const a = ((x + 0.5 - half) / half - tu) / s;
      const b = ((y + 0.5 - half) / half - tv) / s;
      U[y * n + x] = cos * a + sin * b;
      V[y * n + x] = -sin * a + cos * b;
    }
  }
  return { n, pxScale: half * s, U, V, toPx, breathe };
}

/** labels: the breathed lungs (1 left, 2 right) minus the heart, each its largest component; and the heart mask */
function lungLabels(anat: XrayAnatomy, fr: XrayFrame): { lab: Uint8Array; heartMask: Float32Array } {
  const { n, U, V, toPx, breathe } = fr;
  const N = n * n;
  const heart = { ...anat.heart, cv: breathe([0, anat.heart.cv])[1] };
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
    if (ellipseLevel(heart, U[i]!, V[i]!) < 1) {
      heartMask[i] = 1;
      lab[i] = 0;
    }
  }
  keepLargestComponent(lab, n, n, 1);
  keepLargestComponent(lab, n, n, 2);
  return { lab, heartMask };
}

/** the pulmonary vessel trees as anti-aliased segments, at least 0.7 px wide */
function vesselMap(anat: XrayAnatomy, fr: XrayFrame): Float32Array {
  const { n, toPx, breathe } = fr;
  const vessel = new Float32Array(n * n);
  for (const ve of anat.vessels)
    addSegment(vessel, n, n, toPx(breathe(ve.a)), toPx(breathe(ve.b)), Math.max(0.7, ve.half * fr.pxScale), ve.amount);
  return vessel;
}

/** opacities: irregular clusters of Gaussian blobs, patchy for consolidations, painted over their pixel boxes */
function addOpacities(A: Float32Array, fr: XrayFrame, active: ActiveFinding[], texture: Float32Array): void {
  const { n, U, V, toPx, breathe } = fr;
  const N = n * n;
  for (const { f, e } of active) {
    if (e <= 0 || f.type === 'effusion') continue;
    const grow = Math.sqrt(e);
    for (const b of f.blobs) {
      const sg = b.sigma * (0.4 + 0.6 * grow);
      const [px, py] = toPx(breathe([b.u, b.v]));
      const bu = b.u;
      const bv = breathe([b.u, b.v])[1];
      const rad = Math.ceil(3.5 * sg * fr.pxScale);
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
}

/** detector blur, then the exposure curve (window, gamma, bias field) and noise, to 0..65535 */
function expose(A: Float32Array, acq: XrayAcquisition, n: number, rng: Rng): Uint16Array {
  const N = n * n;
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
  return out;
}
