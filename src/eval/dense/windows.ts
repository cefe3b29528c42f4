/**
 * The windows of a dense prediction and their classification: d³ crops centred on the needed grid points, placed
 * and padded as the landmark patches (patchPlacement: start = floor(v − (d − 1)/2 + 0.5); for even d the geometric
 * centre is v + 0.5; padding default -1 = air). Loc-CondConv mixes its kernels once per batch, so a batch shares one
 * location p: `location: 'landmark'` (default, ours) groups the windows by their NEAREST landmark (atlas world
 * distance) and uses that landmark's p, the locations the classifier was trained at; `location: 'window'` gives
 * every window its own exact p (atlas-location.ts; batches of the windows sharing a p, i.e. mostly one window per
 * forward pass: exact but slow). Windows go through the classifier `batchSize` at a time (d³ floats each).
 */
import { tensor, tidy, type Tensor } from '../../engine/index.js';
import type { Image } from '../../io/image.js';
import type { Vec3 } from '../../io/geometry.js';
import type { AtlasLandmark } from '../../preprocess/landmarks.js';
import { extractPatch, patchPlacement, type PatchPadding } from '../../data/landmark-patches.js';
import type { PatchClassifier } from '../../models/patch-classifier.js';
import { gridVoxel, type WindowGrid } from './grid.js';

/** P(lesion) of each window of a batch [B, 1, d, d, d] that shares the location p. */
export type WindowClassifier = (patches: Tensor, location: Vec3) => ArrayLike<number>;

export type WindowLocation = 'landmark' | 'window';

/** A fine-tuned PatchClassifier as a window classifier (eval mode, no gradients). */
export function patchClassifierWindows(model: PatchClassifier, device?: string): WindowClassifier {
  return (x, p) => {
    model.eval();
    return tidy(() => model.probabilities(device ? x.to({ device }) : x, p));
  };
}

/** the windows (grid point indices) that share one location p */
export interface WindowGroup {
  p: Vec3;
  windows: number[];
}

/** the first voxel of the window of grid point g */
export function windowStart(grid: WindowGrid, g: number, d: number): Vec3 {
  return patchPlacement(gridVoxel(grid, g), grid.shape, d).start;
}

/** the index of the landmark nearest to an atlas world point */
function nearestLandmark(landmarks: readonly Pick<AtlasLandmark, 'world'>[], w: Vec3): number {
  let best = 0;
  let bestD = Infinity;
  for (let i = 0; i < landmarks.length; i++) {
    const lw = landmarks[i]!.world;
    const dd = (lw[0] - w[0]) ** 2 + (lw[1] - w[1]) ** 2 + (lw[2] - w[2]) ** 2;
    if (dd < bestD) {
      bestD = dd;
      best = i;
    }
  }
  return best;
}

export interface WindowPlacement {
  grid: WindowGrid;
  /** window side */
  d: number;
  location: WindowLocation;
  landmarks: readonly Pick<AtlasLandmark, 'world' | 'location'>[];
  /** scan voxel → atlas world, and atlas world → p (atlas-location.ts scanToAtlas) */
  atlasWorld: (voxel: readonly number[]) => Vec3;
  atlasLocation: (atlasWorld: Vec3) => Vec3;
}

/** The needed windows grouped by their location p (see the file comment), in grid order. */
export function groupWindows(w: WindowPlacement, needed: Uint8Array): Map<string, WindowGroup> {
  const groups = new Map<string, WindowGroup>();
  const half = (w.d - 1) / 2;
  for (let g = 0; g < needed.length; g++) {
    if (!needed[g]) continue;
    const start = windowStart(w.grid, g, w.d);
    const world = w.atlasWorld([start[0] + half, start[1] + half, start[2] + half]);
    let key: string;
    let p: Vec3;
    if (w.location === 'landmark') {
      const best = nearestLandmark(w.landmarks, world);
      key = `l${best}`;
      p = [...w.landmarks[best]!.location] as Vec3;
    } else {
      p = w.atlasLocation(world);
      key = p.join(',');
    }
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { p, windows: [] }));
    group.windows.push(g);
  }
  return groups;
}

export interface WindowBatching {
  classifier: WindowClassifier;
  batchSize: number;
  padding: PatchPadding;
  padValue: number;
}

/** P(lesion) of every grouped window, per grid point, and the number of classifier calls. */
export function classifyWindows(
  image: Image,
  grid: WindowGrid,
  d: number,
  groups: Iterable<WindowGroup>,
  b: WindowBatching,
): { gridProb: Float32Array; batches: number } {
  const gridProb = new Float32Array(grid.gx * grid.gy * grid.gz);
  const vol = d ** 3;
  let batches = 0;
  for (const group of groups)
    for (let s = 0; s < group.windows.length; s += b.batchSize) {
      const chunk = group.windows.slice(s, s + b.batchSize);
      const buf = new Float32Array(chunk.length * vol);
      chunk.forEach((g, i) => extractPatch(image, windowStart(grid, g, d), d, buf, i * vol, b.padding, b.padValue));
      const prob = tidy(() => b.classifier(tensor(buf, { shape: [chunk.length, 1, d, d, d] }), group.p));
      if (prob.length !== chunk.length)
        throw new Error(`densePredict: the classifier returned ${prob.length} values for ${chunk.length} windows`);
      chunk.forEach((g, i) => {
        const v = Number(prob[i]);
        if (!(v >= 0 && v <= 1)) throw new Error(`densePredict: the classifier returned the probability ${v}`);
        gridProb[g] = v;
      });
      batches++;
    }
  return { gridProb, batches };
}
