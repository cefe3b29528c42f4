/**
 * Sliding-window dense (voxel-level) lesion prediction with a patch classifier (Yu et al. §4.3.1: "estimate the
 * probability of emphysema in a sliding-window fashion with a step size of 1 voxel. We then use a 0.5 threshold");
 * docs/drasclr.md, "Downstream evaluation": a voxel mask.
 *
 * On a pre-processed scan (1 mm isotropic, [-1, 1], with its lung mask):
 * - windows: d³ crops centred on the voxels of a grid with stride `step` per axis (default 4, ours, for speed;
 *   step 1 = the paper, every voxel gets its own window). Grid coordinates per axis: 0, step, 2·step, ... and the
 *   last voxel n − 1. A window "centred" on voxel v is placed as the landmark patches (patchPlacement: start =
 *   floor(v − (d − 1)/2 + 0.5); for even d its geometric centre is v + 0.5) and padded as them (default -1 = air);
 * - only the grid points that the fill needs for some lung voxel are classified;
 * - each window's location p: its geometric centre, scan voxel → scan world → atlas world by the INVERSE of the
 *   scan's registration transform (which maps atlas → scan) → atlas voxel → scaled to [-1, 1] over the atlas volume
 *   exactly as the landmarks' p (landmarks.ts: index 0 → -1, n − 1 → +1, clamped to the volume).
 *   Loc-CondConv mixes its kernels once per batch, so a batch must share one p. `location: 'landmark'` (default,
 *   ours): windows are grouped by their NEAREST landmark (atlas world distance) and use that landmark's p, the
 *   locations the classifier was trained at; `location: 'window'`: every window uses its own exact p (batches of
 *   the windows sharing a p, i.e. mostly one window per forward pass: exact but slow);
 * - the probability of every lung voxel is filled from the grid: 'trilinear' (default, ours) between the 8
 *   surrounding grid points, or 'nearest' grid point; 0 outside the lung; with step 1 both are the window's own;
 * - mask = lung and probability ≥ threshold (default 0.5, the paper's).
 * Summary: predicted lesion voxels / lung voxels and, with a reference label map on the same grid, Dice of the mask
 * with the reference's lesion voxels (both empty: 1, the project's 'perfect' policy, src/eval/metrics/dice.ts).
 * Memory: windows go through the classifier `batchSize` at a time (default 64, d³ floats each).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { tensor, tidy, type Tensor } from '../engine/index.js';
import type { Image } from '../io/image.js';
import type { Manifest } from '../io/manifest.js';
import { writeNifti } from '../io/nifti.js';
import { readImage } from '../io/read.js';
import { resample, resampledSize } from '../preprocess/resample.js';
import type { DrasclrConfig } from '../methods/drasclr-config.js';
import { applyAffine3, indexToWorld, invert3, worldToIndex, type AffineTransform3, type Vec3 } from '../io/geometry.js';
import type { AtlasLandmark } from '../preprocess/landmarks.js';
import { extractPatch, patchPlacement, type PatchPadding } from '../data/landmark-patches.js';
import type { PreparationReport } from '../data/landmark-prepare.js';
import { preprocessScan } from '../preprocess/drasclr.js';
import { lesionIndicator } from '../data/patch-labels.js';
import type { PatchClassifier } from '../models/patch-classifier.js';

/** The voxel grid of a volume (an Image without its data). */
export type GridGeometry = Pick<Image, 'shape' | 'spacing' | 'origin' | 'direction'>;

/** P(lesion) of each window of a batch [B, 1, d, d, d] that shares the location p. */
export type WindowClassifier = (patches: Tensor, location: Vec3) => ArrayLike<number>;

/** A fine-tuned PatchClassifier as a window classifier (eval mode, no gradients). */
export function patchClassifierWindows(model: PatchClassifier, device?: string): WindowClassifier {
  return (x, p) => {
    model.eval();
    return tidy(() => model.probabilities(device ? x.to({ device }) : x, p));
  };
}

/** T⁻¹ of T(x) = A (x − c) + c + t: A⁻¹ (y − (c + t)) + (c + t) − t, i.e. matrix A⁻¹, centre c + t, translation −t. */
export function inverseAffine(t: AffineTransform3): AffineTransform3 {
  const center = [0, 1, 2].map((a) => t.center[a]! + t.translation[a]!) as Vec3;
  return {
    matrix: invert3(t.matrix, 'inverseAffine: matrix'),
    center,
    translation: [-t.translation[0], -t.translation[1], -t.translation[2]],
  };
}

/** Loc-CondConv's p of an atlas voxel: clamped to the volume and scaled to [-1, 1] per axis (as landmarks.ts). */
export function atlasVoxelToLocation(voxel: readonly number[], atlasShape: readonly number[]): Vec3 {
  const n = [atlasShape[2]!, atlasShape[1]!, atlasShape[0]!];
  return [0, 1, 2].map((a) => {
    const hi = n[a]! - 1;
    const v = Math.min(Math.max(voxel[a]!, 0), hi);
    return hi === 0 ? 0 : (2 * v) / hi - 1;
  }) as Vec3;
}

export interface AtlasLocation {
  /** the point in scan world, atlas world (mm) and atlas voxel coordinates */
  scanWorld: Vec3;
  atlasWorld: Vec3;
  atlasVoxel: Vec3;
  /** p in [-1, 1]³ */
  location: Vec3;
}

/**
 * Where a scan voxel (continuous (i, j, k) on `scan`'s grid) lies in the atlas: `inverse` = inverseAffine of the
 * scan's atlas → scan transform.
 */
export function atlasLocationOf(
  scanVoxel: readonly number[],
  scan: GridGeometry,
  inverse: AffineTransform3,
  atlas: GridGeometry,
): AtlasLocation {
  const scanWorld = indexToWorld(scan, scanVoxel);
  const atlasWorld = applyAffine3(inverse, scanWorld);
  const atlasVoxel = worldToIndex(atlas, atlasWorld);
  return { scanWorld, atlasWorld, atlasVoxel, location: atlasVoxelToLocation(atlasVoxel, atlas.shape) };
}

/** The grid `resample(image, { spacing })` produces (same rule as resample.ts), without resampling any data. */
export function isotropicGeometry(image: GridGeometry, spacing = 1): GridGeometry {
  const nd = image.shape.length;
  const shape: number[] = [];
  const origin = image.origin.slice();
  image.shape.forEach((n, k) => {
    const s = image.spacing[k]!;
    if (s === spacing) {
      shape.push(n);
      return;
    }
    const m = resampledSize(n, s, spacing);
    shape.push(m);
    const shift = ((n - 1) * s - (m - 1) * spacing) / 2;
    const col = nd - 1 - k;
    for (let w = 0; w < nd; w++) origin[w] = origin[w]! + shift * image.direction[w * nd + col]!;
  });
  return { shape, spacing: image.shape.map(() => spacing), origin, direction: image.direction.slice() };
}

/** An affine map of voxel indices, from its values at the origin and the three unit steps. */
function affineOfIndex(f: (v: readonly number[]) => Vec3): (v: readonly number[]) => Vec3 {
  const o = f([0, 0, 0]);
  const cols = [f([1, 0, 0]), f([0, 1, 0]), f([0, 0, 1])].map((c) => [c[0] - o[0], c[1] - o[1], c[2] - o[2]]);
  return (v) =>
    [0, 1, 2].map((r) => o[r]! + cols[0]![r]! * v[0]! + cols[1]![r]! * v[1]! + cols[2]![r]! * v[2]!) as Vec3;
}

export type DenseFill = 'trilinear' | 'nearest';
export type WindowLocation = 'landmark' | 'window';

export interface DensePredictionOptions {
  /** window side d: the classifier's patch size (default 32) */
  patchSize?: number;
  /** grid stride in voxels (default 4, ours; 1 = the paper) */
  step?: number;
  /** windows per classifier call (default 64) */
  batchSize?: number;
  /** mask threshold on the probability (default 0.5, the paper's) */
  threshold?: number;
  /** default 'trilinear' */
  fill?: DenseFill;
  /** default 'landmark' (see the file comment) */
  location?: WindowLocation;
  /** window padding outside the volume, as the training patches (default 'constant' with -1) */
  padding?: PatchPadding;
  padValue?: number;
  /** lesion values of the reference label map (default [3]) */
  lesionLabels?: readonly number[];
  log?: (line: string) => void;
}

export interface DensePredictionInput {
  /** the pre-processed scan (isotropic, [-1, 1]) and its lung mask on the same grid */
  image: Image;
  lung: Image;
  /** the scan's registration transform, atlas world → scan world (report.scans[i].transform) */
  transform: AffineTransform3;
  /** the atlas's isotropic grid (isotropicGeometry of the atlas image) */
  atlas: GridGeometry;
  /** the landmarks (world and p) the classifier was trained at */
  landmarks: readonly Pick<AtlasLandmark, 'world' | 'location'>[];
  classifier: WindowClassifier;
  /** a label map on the same grid: Dice of the mask with its lesion voxels */
  reference?: Image;
}

export interface DensePredictionResult {
  /** P(lesion) per voxel (0 outside the lung), float32, and the 0/1 mask, on the scan's isotropic grid */
  probability: Image<Float32Array>;
  mask: Image<Uint8Array>;
  step: number;
  fill: DenseFill;
  location: WindowLocation;
  threshold: number;
  patchSize: number;
  /** windows classified and classifier calls (batches) */
  windows: number;
  batches: number;
  /** distinct locations p used */
  locations: number;
  lungVoxels: number;
  predictedVoxels: number;
  /** predicted lesion voxels / lung voxels */
  lesionFraction: number;
  /** with a reference: its lesion voxels and the Dice of the mask with them */
  referenceVoxels: number | null;
  dice: number | null;
  seconds: number;
}

interface AxisFill {
  /** grid coordinate of grid index k */
  coords: number[];
  /** per voxel: lower and upper grid index and the upper's weight */
  lo: Int32Array;
  hi: Int32Array;
  w: Float64Array;
}

function axisFill(n: number, step: number, fill: DenseFill): AxisFill {
  const K = Math.ceil((n - 1) / step);
  const coords = Array.from({ length: K + 1 }, (_, k) => Math.min(k * step, n - 1));
  const lo = new Int32Array(n);
  const hi = new Int32Array(n);
  const w = new Float64Array(n);
  for (let x = 0; x < n; x++) {
    const k = K === 0 ? 0 : Math.min(Math.floor(x / step), K - 1);
    const k1 = Math.min(k + 1, K);
    const g0 = coords[k]!;
    const g1 = coords[k1]!;
    const t = g1 > g0 ? (x - g0) / (g1 - g0) : 0;
    if (fill === 'trilinear') {
      lo[x] = k;
      hi[x] = k1;
      w[x] = t;
    } else {
      // nearest grid point, ties to the lower one
      const nearest = x - g0 <= g1 - x ? k : k1;
      lo[x] = nearest;
      hi[x] = nearest;
      w[x] = 0;
    }
  }
  return { coords, lo, hi, w };
}

function positiveInt(v: number, name: string): number {
  if (!Number.isSafeInteger(v) || v < 1)
    throw new RangeError(`densePredict: ${name} must be an integer >= 1, got ${v}`);
  return v;
}

/** Sliding-window dense prediction of one scan (see the file comment). */
export function densePredict(input: DensePredictionInput, options: DensePredictionOptions = {}): DensePredictionResult {
  const t0 = performance.now();
  const d = positiveInt(options.patchSize ?? 32, 'patchSize');
  const step = positiveInt(options.step ?? 4, 'step');
  const batchSize = positiveInt(options.batchSize ?? 64, 'batchSize');
  const threshold = options.threshold ?? 0.5;
  const fill = options.fill ?? 'trilinear';
  const location = options.location ?? 'landmark';
  if (fill !== 'trilinear' && fill !== 'nearest') throw new RangeError(`densePredict: fill: got ${String(fill)}`);
  if (location !== 'landmark' && location !== 'window')
    throw new RangeError(`densePredict: location: got ${String(location)}`);
  const { image, lung } = input;
  if (image.shape.length !== 3) throw new RangeError(`densePredict: expected a 3D image, got [${image.shape}]`);
  if (lung.shape.join(',') !== image.shape.join(','))
    throw new RangeError(`densePredict: lung mask shape [${lung.shape}] differs from the image's [${image.shape}]`);
  if (input.reference && input.reference.shape.join(',') !== image.shape.join(','))
    throw new RangeError(
      `densePredict: reference shape [${input.reference.shape}] differs from the image's [${image.shape}]: ` +
        'resample the label map to the image grid (nearest)',
    );
  if (location === 'landmark' && input.landmarks.length === 0) throw new Error('densePredict: no landmarks');
  const [nz, ny, nx] = image.shape as [number, number, number];
  const ax = [axisFill(nx, step, fill), axisFill(ny, step, fill), axisFill(nz, step, fill)];
  const gx = ax[0]!.coords.length;
  const gy = ax[1]!.coords.length;
  const gz = ax[2]!.coords.length;

  // the grid points that some lung voxel needs
  const needed = new Uint8Array(gx * gy * gz);
  const m = lung.data;
  let lungVoxels = 0;
  for (let z = 0, q = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++, q++) {
        if (!m[q]) continue;
        lungVoxels++;
        const zs = ax[2]!.w[z]! > 0 ? [ax[2]!.lo[z]!, ax[2]!.hi[z]!] : [ax[2]!.lo[z]!];
        const ys = ax[1]!.w[y]! > 0 ? [ax[1]!.lo[y]!, ax[1]!.hi[y]!] : [ax[1]!.lo[y]!];
        const xs = ax[0]!.w[x]! > 0 ? [ax[0]!.lo[x]!, ax[0]!.hi[x]!] : [ax[0]!.lo[x]!];
        for (const kz of zs) for (const ky of ys) for (const kx of xs) needed[(kz * gy + ky) * gx + kx] = 1;
      }

  // windows (named by their grid index), their locations and groups (one p per group)
  const inverse = inverseAffine(input.transform);
  // scan voxel → atlas world is affine: evaluate it once at the origin and the unit steps (no per-window inversions)
  const toAtlasWorld = affineOfIndex((v) => applyAffine3(inverse, indexToWorld(image, v)));
  const atlasInv = invert3(input.atlas.direction, 'densePredict: atlas direction');
  const atlasSpacing = [input.atlas.spacing[2]!, input.atlas.spacing[1]!, input.atlas.spacing[0]!];
  const groups = new Map<string, { p: Vec3; windows: number[] }>();
  const half = (d - 1) / 2;
  const startOf = (g: number): Vec3 => {
    const v = [
      ax[0]!.coords[g % gx]!,
      ax[1]!.coords[Math.floor(g / gx) % gy]!,
      ax[2]!.coords[Math.floor(g / (gx * gy))]!,
    ];
    return patchPlacement(v, image.shape, d).start;
  };
  let windows = 0;
  for (let g = 0; g < needed.length; g++) {
    if (!needed[g]) continue;
    const start = startOf(g);
    const w = toAtlasWorld([start[0] + half, start[1] + half, start[2] + half]);
    let key: string;
    let p: Vec3;
    if (location === 'landmark') {
      let best = 0;
      let bestD = Infinity;
      for (let i = 0; i < input.landmarks.length; i++) {
        const lw = input.landmarks[i]!.world;
        const dd = (lw[0] - w[0]) ** 2 + (lw[1] - w[1]) ** 2 + (lw[2] - w[2]) ** 2;
        if (dd < bestD) {
          bestD = dd;
          best = i;
        }
      }
      key = `l${best}`;
      p = [...input.landmarks[best]!.location] as Vec3;
    } else {
      // atlas world → atlas voxel (worldToIndex, with the direction inverted once)
      const r = [w[0] - input.atlas.origin[0]!, w[1] - input.atlas.origin[1]!, w[2] - input.atlas.origin[2]!];
      const voxel = [0, 1, 2].map(
        (a) =>
          (atlasInv[3 * a]! * r[0]! + atlasInv[3 * a + 1]! * r[1]! + atlasInv[3 * a + 2]! * r[2]!) / atlasSpacing[a]!,
      );
      p = atlasVoxelToLocation(voxel, input.atlas.shape);
      key = p.join(',');
    }
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { p, windows: [] }));
    group.windows.push(g);
    windows++;
  }

  // classify the windows, batch by batch
  const gridProb = new Float32Array(needed.length);
  const vol = d ** 3;
  const padding = options.padding ?? 'constant';
  const padValue = options.padValue ?? -1;
  let batches = 0;
  for (const group of groups.values()) {
    for (let b = 0; b < group.windows.length; b += batchSize) {
      const chunk = group.windows.slice(b, b + batchSize);
      const buf = new Float32Array(chunk.length * vol);
      chunk.forEach((g, i) => extractPatch(image, startOf(g), d, buf, i * vol, padding, padValue));
      const prob = tidy(() => input.classifier(tensor(buf, { shape: [chunk.length, 1, d, d, d] }), group.p));
      if (prob.length !== chunk.length)
        throw new Error(`densePredict: the classifier returned ${prob.length} values for ${chunk.length} windows`);
      chunk.forEach((g, i) => {
        const v = Number(prob[i]);
        if (!(v >= 0 && v <= 1)) throw new Error(`densePredict: the classifier returned the probability ${v}`);
        gridProb[g] = v;
      });
      batches++;
    }
  }
  options.log?.(`dense prediction: ${windows} windows (step ${step}), ${groups.size} locations, ${batches} batches`);

  // fill the lung voxels
  const prob = new Float32Array(m.length);
  const mask = new Uint8Array(m.length);
  let predictedVoxels = 0;
  for (let z = 0, q = 0; z < nz; z++) {
    const z0 = ax[2]!.lo[z]!;
    const z1 = ax[2]!.hi[z]!;
    const wz = ax[2]!.w[z]!;
    for (let y = 0; y < ny; y++) {
      const y0 = ax[1]!.lo[y]!;
      const y1 = ax[1]!.hi[y]!;
      const wy = ax[1]!.w[y]!;
      for (let x = 0; x < nx; x++, q++) {
        if (!m[q]) continue;
        const x0 = ax[0]!.lo[x]!;
        const x1 = ax[0]!.hi[x]!;
        const wx = ax[0]!.w[x]!;
        const at = (kz: number, ky: number, kx: number): number => gridProb[(kz * gy + ky) * gx + kx]!;
        let v: number;
        if (wx === 0 && wy === 0 && wz === 0) v = at(z0, y0, x0);
        else {
          const c00 = at(z0, y0, x0) * (1 - wx) + (wx > 0 ? at(z0, y0, x1) * wx : 0);
          const c01 = wy > 0 ? at(z0, y1, x0) * (1 - wx) + (wx > 0 ? at(z0, y1, x1) * wx : 0) : 0;
          const c10 = wz > 0 ? at(z1, y0, x0) * (1 - wx) + (wx > 0 ? at(z1, y0, x1) * wx : 0) : 0;
          const c11 = wz > 0 && wy > 0 ? at(z1, y1, x0) * (1 - wx) + (wx > 0 ? at(z1, y1, x1) * wx : 0) : 0;
          v = (c00 * (1 - wy) + c01 * wy) * (1 - wz) + (c10 * (1 - wy) + c11 * wy) * wz;
        }
        prob[q] = v;
        if (v >= threshold) {
          mask[q] = 1;
          predictedVoxels++;
        }
      }
    }
  }

  let referenceVoxels: number | null = null;
  let dice: number | null = null;
  if (input.reference) {
    const ref = lesionIndicator(input.reference, options.lesionLabels ?? [3]);
    let r = 0;
    let both = 0;
    for (let q = 0; q < ref.length; q++) {
      r += ref[q]!;
      if (ref[q] && mask[q]) both++;
    }
    referenceVoxels = r;
    dice = r + predictedVoxels === 0 ? 1 : (2 * both) / (r + predictedVoxels);
  }
  const geo = {
    shape: [...image.shape],
    spacing: [...image.spacing],
    origin: [...image.origin],
    direction: [...image.direction],
  };
  return {
    probability: { ...geo, data: prob, ...(image.source ? { source: image.source } : {}) },
    mask: { ...geo, data: mask, ...(image.source ? { source: image.source } : {}) },
    step,
    fill,
    location,
    threshold,
    patchSize: d,
    windows,
    batches,
    locations: groups.size,
    lungVoxels,
    predictedVoxels,
    lesionFraction: lungVoxels > 0 ? predictedVoxels / lungVoxels : 0,
    referenceVoxels,
    dice,
    seconds: (performance.now() - t0) / 1000,
  };
}

/**
 * The paper's patch detection from a dense prediction (§4.3.1): a patch is positive when at least `minFraction`
 * (default 0.25) of its voxels have a probability above `voxelThreshold` (default 0.5); voxels outside the volume
 * count as negative.
 */
export function patchDetection(
  probability: Pick<Image, 'data' | 'shape'>,
  centre: readonly number[],
  patchSize: number,
  options: { voxelThreshold?: number; minFraction?: number } = {},
): { fraction: number; positive: boolean } {
  const { start } = patchPlacement(centre, probability.shape, patchSize);
  const buf = extractPatch(probability, start, patchSize, undefined, 0, 'constant', 0);
  const thr = options.voxelThreshold ?? 0.5;
  let count = 0;
  for (let i = 0; i < buf.length; i++) if (buf[i]! > thr) count++;
  const fraction = count / buf.length;
  return { fraction, positive: fraction >= (options.minFraction ?? 0.25) };
}

/** Writes `<id>_probability.nii.gz` (float32) and `<id>_mask.nii.gz` (uint8) into `dir`, with the scan's grid. */
export async function writeDensePrediction(
  result: Pick<DensePredictionResult, 'probability' | 'mask'>,
  dir: string,
  id: string,
): Promise<{ probability: string; mask: string }> {
  mkdirSync(dir, { recursive: true });
  const probability = path.join(dir, `${id}_probability.nii.gz`);
  const mask = path.join(dir, `${id}_mask.nii.gz`);
  await writeNifti(probability, result.probability, { description: 'medcl DrasCLR lesion probability' });
  await writeNifti(mask, result.mask, { description: 'medcl DrasCLR lesion mask' });
  return { probability, mask };
}

export type DenseScanConfig = Pick<
  DrasclrConfig,
  'spacing' | 'huMin' | 'huMax' | 'lungLabels' | 'airThreshold' | 'patchSize' | 'padding' | 'padValue'
>;

/**
 * Dense prediction of one prepared scan of a run: reads the manifest item (image and, when present, label map),
 * pre-processes it as the preparation did, takes its transform from the preparation report and the atlas grid from
 * the atlas image (or `atlas`). `item` is the manifest item index of a scan the preparation USED.
 */
export async function densePredictItem(args: {
  manifest: Pick<Manifest, 'items'>;
  report: Pick<PreparationReport, 'scans' | 'atlas'>;
  landmarks: readonly Pick<AtlasLandmark, 'world' | 'location'>[];
  config: DenseScanConfig;
  item: number;
  classifier: WindowClassifier;
  atlas?: GridGeometry;
  options?: Omit<DensePredictionOptions, 'patchSize' | 'padding' | 'padValue'>;
}): Promise<DensePredictionResult & { id: string }> {
  const { manifest, report, config } = args;
  const rec = report.scans.find((r) => r.item === args.item);
  if (!rec) throw new Error(`densePredictItem: item ${args.item} is not in the preparation report`);
  if (rec.status !== 'used' || !rec.transform)
    throw new Error(
      `densePredictItem: scan ${rec.id} (item ${args.item}) was not used: ${rec.reason ?? 'no transform'}`,
    );
  const entry = manifest.items[args.item];
  if (!entry) throw new Error(`densePredictItem: manifest item ${args.item} does not exist`);
  const image = await readImage(entry.image);
  const label = entry.label ? await readImage(entry.label) : undefined;
  const pre = preprocessScan(image, label, {
    spacing: config.spacing,
    huMin: config.huMin,
    huMax: config.huMax,
    lungLabels: config.lungLabels,
    threshold: { airThreshold: config.airThreshold },
  });
  let atlas = args.atlas;
  if (!atlas) {
    const atlasItem = manifest.items[report.atlas.item];
    if (!atlasItem) throw new Error(`densePredictItem: the atlas item ${report.atlas.item} is not in the manifest`);
    atlas = isotropicGeometry(await readImage(atlasItem.image), config.spacing);
  }
  const reference = label ? resample(label, { spacing: config.spacing, interpolation: 'nearest' }) : undefined;
  const result = densePredict(
    {
      image: pre.image,
      lung: pre.lung,
      transform: rec.transform,
      atlas,
      landmarks: args.landmarks,
      classifier: args.classifier,
      ...(reference ? { reference } : {}),
    },
    { ...args.options, patchSize: config.patchSize, padding: config.padding, padValue: config.padValue },
  );
  return { ...result, id: rec.id };
}
