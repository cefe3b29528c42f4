/**
 * Canonical orientation (the rule every volume reader applies, see `Image` in image.ts).
 *
 * Rule: each world axis x (Left), y (Posterior), z (Superior) of LPS+ takes the file axis whose direction is the
 * closest to it - chosen greedily, the largest |cosine| of the remaining (world axis, file axis) pairs first,
 * so an oblique scan goes to its nearest canonical orientation - and that file axis is flipped when it points
 * the opposite way (cosine < 0). The array is then permuted/flipped into [z, y, x] (x fastest); voxel values are
 * moved, never interpolated. `direction` keeps the residual rotation (identity for non-oblique scans), `origin`
 * is the world position of the new first voxel, so every voxel keeps its world position.
 */
import { type Affine, applyAffine, column } from './affine.js';
import type { Image, PixelArray } from './image.js';

export interface AxisMapping {
  /** perm[w] = file axis (0 = i, fastest) that becomes world axis w (0 = x, 1 = y, 2 = z) */
  perm: [number, number, number];
  /** +1 when that file axis points along +w, -1 when it is flipped */
  sign: [number, number, number];
}

/** The axis mapping of the rule above for an LPS affine. Throws on a degenerate (zero) column. */
export function lpsAxisMapping(affine: readonly number[]): AxisMapping {
  const unit: number[][] = [];
  for (let v = 0; v < 3; v++) {
    const c = column(affine, v);
    const n = Math.hypot(c[0], c[1], c[2]);
    if (!(n > 0) || !Number.isFinite(n)) throw new Error(`degenerate voxel-to-world matrix: axis ${v} has length ${n}`);
    unit.push(c.map((x) => x / n));
  }
  const perm: [number, number, number] = [-1, -1, -1];
  const sign: [number, number, number] = [1, 1, 1];
  const usedFile = [false, false, false];
  for (let round = 0; round < 3; round++) {
    let best = -1;
    let bw = -1;
    let bv = -1;
    for (let w = 0; w < 3; w++) {
      if (perm[w] >= 0) continue;
      for (let v = 0; v < 3; v++) {
        if (usedFile[v]) continue;
        const c = Math.abs(unit[v][w]);
        if (c > best) {
          best = c;
          bw = w;
          bv = v;
        }
      }
    }
    perm[bw] = bv;
    usedFile[bv] = true;
    sign[bw] = unit[bv][bw] < 0 ? -1 : 1;
  }
  return { perm, sign };
}

/**
 * Reorients a volume stored in file order (i fastest, then j, then k; sizes `size = [ni, nj, nk]`) with the LPS
 * affine `affine` into the canonical Image. `data` is not modified; the result has a new array of the same type
 * (or `data` itself when the file is already canonical).
 */
export function reorientToLps<T extends PixelArray>(
  data: T,
  size: readonly [number, number, number],
  affine: Affine,
  source?: string,
): Image<T> {
  const { perm, sign, outSize, startIdx, start, step } = fileWalk(size, affine);

  let out: T;
  if (perm[0] === 0 && perm[1] === 1 && perm[2] === 2 && sign[0] > 0 && sign[1] > 0 && sign[2] > 0) {
    out = data;
  } else {
    out = new (data.constructor as { new (n: number): T })(data.length);
    // move raw elements through same-size unsigned views: the loop sees at most 4 array types (fast in V8)
    gather(bitsView(data), bitsView(out), outSize, start, step);
  }

  const spacingFile = [0, 1, 2].map((v) => {
    const c = column(affine, v);
    return Math.hypot(c[0], c[1], c[2]);
  });
  const direction = new Array<number>(9);
  for (let w = 0; w < 3; w++) {
    const c = column(affine, perm[w]);
    const s = sign[w] / spacingFile[perm[w]];
    for (let r = 0; r < 3; r++) direction[r * 3 + w] = c[r] * s + 0; // + 0: no -0
  }
  const origin = applyAffine(affine, startIdx[0], startIdx[1], startIdx[2]);
  const img: Image<T> = {
    data: out,
    shape: [outSize[2], outSize[1], outSize[0]],
    spacing: [spacingFile[perm[2]], spacingFile[perm[1]], spacingFile[perm[0]]],
    origin,
    direction,
  };
  if (source !== undefined) img.source = source;
  return img;
}

/** How the canonical [z, y, x] order walks the file array: first file offset and the offset step per canonical x, y, z. */
function fileWalk(size: readonly [number, number, number], affine: Affine) {
  const { perm, sign } = lpsAxisMapping(affine);
  const fileStride = [1, size[0], size[0] * size[1]];
  const outSize = [size[perm[0]], size[perm[1]], size[perm[2]]]; // x, y, z
  const step = [0, 1, 2].map((w) => sign[w] * fileStride[perm[w]]);
  const startIdx = [0, 0, 0];
  for (let w = 0; w < 3; w++) if (sign[w] < 0) startIdx[perm[w]] = size[perm[w]] - 1;
  const start = startIdx[0] + startIdx[1] * fileStride[1] + startIdx[2] * fileStride[2];
  return { perm, sign, outSize, startIdx, start, step };
}

/**
 * The inverse of `reorientToLps`: the values of a canonical image's array (`data`, [z, y, x] order, as
 * reorientToLps returned it for a file of `size` with LPS `affine`) put back in that file's order (i fastest), e.g.
 * to save a label map predicted on the canonical image in the input file's own voxel order and header.
 */
export function reorientFromLps<T extends PixelArray>(
  data: T,
  size: readonly [number, number, number],
  affine: Affine,
): T {
  const n = size[0] * size[1] * size[2];
  if (data.length !== n) throw new Error(`reorientFromLps: ${data.length} values for a file of ${size.join('x')}`);
  const { outSize, start, step } = fileWalk(size, affine);
  const out = new (data.constructor as { new (n: number): T })(n);
  const src = bitsView(data);
  const dst = bitsView(out);
  const [nx, ny, nz] = outSize as [number, number, number];
  let o = 0;
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      let q = start + z * step[2]! + y * step[1]!;
      for (let x = 0; x < nx; x++, q += step[0]!) dst[q] = src[o++]!;
    }
  }
  return out;
}

type BitsArray = Uint8Array | Uint16Array | Uint32Array | Float64Array;

function bitsView(a: PixelArray): BitsArray {
  const n = a.length;
  switch (a.BYTES_PER_ELEMENT) {
    case 1:
      return new Uint8Array(a.buffer, a.byteOffset, n);
    case 2:
      return new Uint16Array(a.buffer, a.byteOffset, n);
    case 4:
      return new Uint32Array(a.buffer, a.byteOffset, n);
    default:
      return new Float64Array(a.buffer, a.byteOffset, n);
  }
}

function gather(src: BitsArray, dst: BitsArray, outSize: number[], start: number, step: number[]): void {
  const [nx, ny, nz] = outSize;
  const sx = step[0];
  let o = 0;
  for (let z = 0; z < nz; z++) {
    const zOff = start + z * step[2];
    for (let y = 0; y < ny; y++) {
      const p = zOff + y * step[1];
      if (sx === 1) {
        dst.set(src.subarray(p, p + nx) as never, o);
        o += nx;
      } else if (sx === -1) {
        const row = dst.subarray(o, o + nx);
        row.set(src.subarray(p - nx + 1, p + 1) as never);
        row.reverse();
        o += nx;
      } else {
        for (let x = 0, q = p; x < nx; x++, q += sx) dst[o++] = src[q];
      }
    }
  }
}

/**
 * The LPS affine of an Image in its own array order (i = width, j = height, k = depth). A 2D image is embedded
 * in the plane z = 0 with unit spacing along z.
 */
export function imageAffine(image: Image): Affine {
  if (image.shape.length === 3) {
    const d = image.direction;
    const s = [image.spacing[2], image.spacing[1], image.spacing[0]];
    const o = image.origin;
    // prettier-ignore
    return [
      d[0] * s[0], d[1] * s[1], d[2] * s[2], o[0],
      d[3] * s[0], d[4] * s[1], d[5] * s[2], o[1],
      d[6] * s[0], d[7] * s[1], d[8] * s[2], o[2],
    ];
  }
  if (image.shape.length === 2) {
    const d = image.direction;
    const s = [image.spacing[1], image.spacing[0]];
    const o = image.origin;
    return [d[0] * s[0], d[1] * s[1], 0, o[0], d[2] * s[0], d[3] * s[1], 0, o[1], 0, 0, 1, o[2] ?? 0];
  }
  throw new Error(`imageAffine: shape must have 2 or 3 axes, got [${image.shape.join(', ')}]`);
}
