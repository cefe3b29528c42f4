/**
 * Sliding-window dense (voxel-level) lesion prediction with a patch classifier (Yu et al. §4.3.1: "estimate the
 * probability of emphysema in a sliding-window fashion with a step size of 1 voxel. We then use a 0.5 threshold");
 * docs/drasclr.md, "Downstream evaluation": a voxel mask.
 *
 * On a pre-processed scan (1 mm isotropic, [-1, 1], with its lung mask):
 * - windows: d³ crops centred on the voxels of a grid with stride `step` per axis (default 4, ours, for speed;
 *   step 1 = the paper, every voxel gets its own window; grid.ts); only the grid points that the fill needs for
 *   some lung voxel are classified;
 * - each window's location p: from the atlas (atlas-location.ts), by nearest landmark or per window (windows.ts);
 * - the probability of every lung voxel is filled from the grid, 'trilinear' (default, ours) or 'nearest'; 0 outside
 *   the lung; mask = lung and probability ≥ threshold (default 0.5, the paper's);
 * - summary: predicted lesion voxels / lung voxels and, with a reference label map on the same grid, Dice of the mask
 *   with the reference's lesion voxels (score.ts).
 */
import type { Image } from '../../io/image.js';
import type { AffineTransform3 } from '../../io/geometry.js';
import type { AtlasLandmark } from '../../preprocess/landmarks.js';
import type { PatchPadding } from '../../data/landmark-patches.js';
import { scanToAtlas, type GridGeometry } from './atlas-location.js';
import { fillFromGrid, neededGridPoints, windowGrid, type DenseFill } from './grid.js';
import { classifyWindows, groupWindows, type WindowClassifier, type WindowLocation } from './windows.js';
import { lesionDice } from './score.js';

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
  /** default 'landmark' (see windows.ts) */
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

function positiveInt(v: number, name: string): number {
  if (!Number.isSafeInteger(v) || v < 1)
    throw new RangeError(`densePredict: ${name} must be an integer >= 1, got ${v}`);
  return v;
}

/** the options with their defaults, checked */
function resolveOptions(options: DensePredictionOptions) {
  const d = positiveInt(options.patchSize ?? 32, 'patchSize');
  const step = positiveInt(options.step ?? 4, 'step');
  const batchSize = positiveInt(options.batchSize ?? 64, 'batchSize');
  const fill = options.fill ?? 'trilinear';
  const location = options.location ?? 'landmark';
  if (fill !== 'trilinear' && fill !== 'nearest') throw new RangeError(`densePredict: fill: got ${String(fill)}`);
  if (location !== 'landmark' && location !== 'window')
    throw new RangeError(`densePredict: location: got ${String(location)}`);
  return { d, step, batchSize, threshold: options.threshold ?? 0.5, fill, location };
}

/** the image is 3D and the lung mask and the reference lie on its grid; landmarks exist when they are used */
function checkInput(input: DensePredictionInput, location: WindowLocation): void {
  const { image, lung, reference } = input;
  if (image.shape.length !== 3) throw new RangeError(`densePredict: expected a 3D image, got [${image.shape}]`);
  if (lung.shape.join(',') !== image.shape.join(','))
    throw new RangeError(`densePredict: lung mask shape [${lung.shape}] differs from the image's [${image.shape}]`);
  if (reference && reference.shape.join(',') !== image.shape.join(','))
    throw new RangeError(
      `densePredict: reference shape [${reference.shape}] differs from the image's [${image.shape}]: ` +
        'resample the label map to the image grid (nearest)',
    );
  if (location === 'landmark' && input.landmarks.length === 0) throw new Error('densePredict: no landmarks');
}

/** `data` on the grid of `image` (its source too) */
function onGridOf<T extends Float32Array | Uint8Array>(image: Image, data: T): Image<T> {
  const { shape, spacing, origin, direction } = image;
  const geo = { shape: [...shape], spacing: [...spacing], origin: [...origin], direction: [...direction] };
  return { ...geo, data, ...(image.source ? { source: image.source } : {}) };
}

/** Sliding-window dense prediction of one scan (see the file comment). */
export function densePredict(input: DensePredictionInput, options: DensePredictionOptions = {}): DensePredictionResult {
  const t0 = performance.now();
  const o = resolveOptions(options);
  checkInput(input, o.location);
  const { image } = input;
  const grid = windowGrid(image.shape, o.step, o.fill);
  const { needed, lungVoxels } = neededGridPoints(grid, input.lung.data);
  const toAtlas = scanToAtlas(image, input.transform, input.atlas);
  const placement = { grid, d: o.d, location: o.location, landmarks: input.landmarks };
  const groups = groupWindows(
    { ...placement, atlasWorld: toAtlas.atlasWorld, atlasLocation: toAtlas.location },
    needed,
  );
  const windows = [...groups.values()].reduce((n, g) => n + g.windows.length, 0);
  const { gridProb, batches } = classifyWindows(image, grid, o.d, groups.values(), {
    classifier: input.classifier,
    batchSize: o.batchSize,
    padding: options.padding ?? 'constant',
    padValue: options.padValue ?? -1,
  });
  options.log?.(`dense prediction: ${windows} windows (step ${o.step}), ${groups.size} locations, ${batches} batches`);
  const { probability, mask, predictedVoxels } = fillFromGrid(grid, gridProb, input.lung.data, o.threshold);
  const scored = input.reference
    ? lesionDice(mask, predictedVoxels, input.reference, options.lesionLabels ?? [3])
    : null;
  return {
    probability: onGridOf(image, probability),
    mask: onGridOf(image, mask),
    step: o.step,
    fill: o.fill,
    location: o.location,
    threshold: o.threshold,
    patchSize: o.d,
    windows,
    batches,
    locations: groups.size,
    lungVoxels,
    predictedVoxels,
    lesionFraction: lungVoxels > 0 ? predictedVoxels / lungVoxels : 0,
    referenceVoxels: scored?.referenceVoxels ?? null,
    dice: scored?.dice ?? null,
    seconds: (performance.now() - t0) / 1000,
  };
}
