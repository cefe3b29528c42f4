/** Shared pieces of the dense prediction tests: a transform, grids, a scan with a lesion, stub classifiers. */
import type { Tensor } from '../../../src/engine/index.js';
import type { Image } from '../../../src/io/image.js';
import type { AffineTransform3, Vec3 } from '../../../src/io/geometry.js';
import { densePredict } from '../../../src/eval/dense/index.js';
import { Rng } from '../../../src/util/rng.js';

export const ROT = (deg: number): number[] => {
  const c = Math.cos((deg * Math.PI) / 180);
  const s = Math.sin((deg * Math.PI) / 180);
  return [c, -s, 0, s, c, 0, 0, 0, 1];
};

/** atlas → scan: a rotation about z with a scale, a centre and a shift */
export const T: AffineTransform3 = {
  matrix: ROT(12).map((v, i) => v * (i % 4 === 0 ? 1.08 : 1.03)),
  translation: [3.5, -2.25, 1.5],
  center: [4, 6, 5],
};

export function geometry(shape: number[], spacing: number[], origin: number[]) {
  return { shape, spacing, origin, direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
}

/** a scan with a lung box and a bright lesion ball, on a 1 mm grid (origin not at 0) */
export function scanWithLesion(): {
  image: Image<Float32Array>;
  lung: Image<Uint8Array>;
  reference: Image<Uint8Array>;
} {
  const shape = [14, 16, 18];
  const [nz, ny, nx] = shape as [number, number, number];
  const geo = { shape, spacing: [1, 1, 1], origin: [-9, -8, -7], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
  const rng = new Rng(5);
  const img = new Float32Array(nz * ny * nx);
  const lung = new Uint8Array(nz * ny * nx);
  const ref = new Uint8Array(nz * ny * nx);
  for (let z = 0, q = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++, q++) {
        const inLung = z >= 2 && z < 12 && y >= 3 && y < 14 && x >= 2 && x < 16;
        img[q] = inLung ? -0.7 + 0.1 * rng.normal() : 0.1 * rng.normal();
        if (inLung) {
          lung[q] = x < 9 ? 1 : 2;
          if (Math.hypot(x - 11, y - 8, z - 6) <= 2.6) {
            img[q] = 0.9;
            ref[q] = 3;
          }
        }
      }
  return {
    image: { ...geo, data: img },
    lung: { ...geo, data: lung.map((v) => (v ? 1 : 0)) },
    reference: { ...geo, data: Uint8Array.from(lung, (v, q) => (ref[q] ? 3 : v)) },
  };
}

/** brute-force window mean at voxel v (start = v − floor((d − 1)/2 + 0.5) ... as patchPlacement), -1 padding */
export function windowMean(image: Image, v: readonly number[], d: number): number {
  const [nz, ny, nx] = image.shape as [number, number, number];
  const s = v.map((c) => Math.floor(c - (d - 1) / 2 + 0.5));
  let sum = 0;
  for (let z = s[2]!; z < s[2]! + d; z++)
    for (let y = s[1]!; y < s[1]! + d; y++)
      for (let x = s[0]!; x < s[0]! + d; x++) {
        const inside = x >= 0 && x < nx && y >= 0 && y < ny && z >= 0 && z < nz;
        sum += inside ? image.data[(z * ny + y) * nx + x]! : -1;
      }
  return sum / d ** 3;
}

export const f = (m: number): number => 1 / (1 + Math.exp(-8 * (m + 0.55)));

/** stub: P = f(window mean); records the locations it was called with */
export function meanStub(calls: { p: Vec3; n: number }[]) {
  return (x: Tensor, p: Vec3): Float32Array => {
    calls.push({ p: [...p] as Vec3, n: x.shape[0]! });
    return Float32Array.from(x.mean([1, 2, 3, 4]).toFloat32Array(), f);
  };
}

/** the landmarks of the nearest-landmark tests */
export const LANDMARKS = [
  { world: [-5, -2, -1] as Vec3, location: [-0.5, -0.4, -0.3] as Vec3 },
  { world: [6, 3, 2] as Vec3, location: [0.5, 0.4, 0.3] as Vec3 },
  { world: [0, 9, -4] as Vec3, location: [0.1, 0.9, -0.6] as Vec3 },
];

/** stub: the window's centre voxel (index 2 of a 5³ crop) above 0.5 → lesion; records its calls */
export function centreStub(calls: { p: Vec3; n: number }[]) {
  return (x: Tensor, p: Vec3): Float32Array => {
    calls.push({ p: [...p] as Vec3, n: x.shape[0]! });
    const v = x.toFloat32Array();
    const out = new Float32Array(x.shape[0]!);
    for (let b = 0; b < out.length; b++) out[b] = v[b * 125 + (2 * 5 + 2) * 5 + 2]! > 0.5 ? 0.9 : 0.1;
    return out;
  };
}

/** scanWithLesion predicted with 5³ windows at step 1, grouped by nearest landmark, scored against its reference */
export function predictLesion(calls: { p: Vec3; n: number }[] = []) {
  const scan = scanWithLesion();
  const atlas = geometry([18, 20, 22], [1, 1, 1], [-11, -10, -9]);
  const { image, lung, reference } = scan;
  const r = densePredict(
    { image, lung, transform: T, atlas, landmarks: LANDMARKS, classifier: centreStub(calls), reference },
    { patchSize: 5, step: 1, batchSize: 32 },
  );
  return { ...scan, atlas, r };
}
