/**
 * Landmark patches: d³ crops of a preprocessed scan around each landmark mapped into it, and the in-memory data set
 * of all (scan, landmark) patches that DrasCLR's pre-training draws its batches from.
 *
 * Placement: the crop is axis-aligned on the scan's own voxel grid (no resampling, as the authors' crops), starting
 * at the voxel nearest to centre − (d − 1)/2 on each axis, i.e. start = floor(c − (d − 1)/2 + 0.5).
 * Out of the scan: when less than `minInsideFraction` (default 0.5, ours) of the crop lies inside the volume the
 * landmark is dropped for that scan (the caller warns); otherwise the missing voxels are padded, by default with the
 * constant -1 (= -1024 HU after the [-1, 1] scaling: air, as outside a CT's field of view; 'constant' with
 * `padValue`), or by edge replication ('edge').
 *
 * Memory: in memory, every patch is float32, d³ · 4 bytes (128 KiB at d = 32): scans × landmarks × 128 KiB
 * (581 landmarks: 73 MiB per scan). With a patch store (src/data/patch-store.ts: loaderWorkers > 0) the patches live
 * in a file and only the loader's window of batches is in memory. `memoryBytes()` reports what is held and the
 * pre-training prints it.
 */
import { tensor, type Tensor } from '../engine/index.js';
import type { Image } from '../io/image.js';
import type { AtlasLandmark } from '../preprocess/landmarks.js';
import type { Vec3 } from '../io/geometry.js';
import type { PatchStore } from './patch-store.js';
import { cacheBatchLoader, type BatchLoader } from './batch-loader.js';

export type PatchPadding = 'constant' | 'edge';

export interface PatchOptions {
  /** d (default 32) */
  patchSize?: number;
  /** the crop's minimum fraction inside the scan, else the landmark is dropped for the scan (default 0.5) */
  minInsideFraction?: number;
  /** default 'constant' */
  padding?: PatchPadding;
  /** value of 'constant' padding (default -1: air on the [-1, 1] scale) */
  padValue?: number;
}

export interface PatchPlacement {
  /** first voxel (i, j, k) of the crop; may be negative or run past the volume */
  start: Vec3;
  /** fraction of the d³ crop inside the volume */
  insideFraction: number;
}

/** Where the d³ crop around the continuous voxel index `centre` (i, j, k) lies in a volume of shape [nz, ny, nx]. */
export function patchPlacement(centre: readonly number[], shape: readonly number[], patchSize: number): PatchPlacement {
  const n = [shape[2]!, shape[1]!, shape[0]!];
  const start = [0, 1, 2].map((a) => Math.floor(centre[a]! - (patchSize - 1) / 2 + 0.5)) as Vec3;
  let inside = 1;
  for (let a = 0; a < 3; a++) {
    const overlap = Math.min(start[a]! + patchSize, n[a]!) - Math.max(start[a]!, 0);
    inside *= Math.max(0, overlap) / patchSize;
  }
  return { start, insideFraction: inside };
}

/**
 * Copies the d³ crop starting at `start` (i, j, k) of `volume` into `out` at `offset`, in [z][y][x] order (a
 * [d, d, d] tensor's memory), padding outside the volume per `padding`.
 */
export function extractPatch(
  volume: Pick<Image, 'data' | 'shape'>,
  start: readonly number[],
  patchSize: number,
  out: Float32Array = new Float32Array(patchSize ** 3),
  offset = 0,
  padding: PatchPadding = 'constant',
  padValue = -1,
): Float32Array {
  const [nz, ny, nx] = volume.shape as [number, number, number];
  const d = patchSize;
  const src = volume.data;
  if (out.length < offset + d * d * d)
    throw new RangeError(`extractPatch: out has room for ${out.length - offset} values, needs ${d ** 3}`);
  const clamp = (v: number, n: number): number => (v < 0 ? 0 : v >= n ? n - 1 : v);
  let q = offset;
  for (let w = 0; w < d; w++) {
    const z = start[2]! + w;
    const zIn = z >= 0 && z < nz;
    for (let v = 0; v < d; v++) {
      const y = start[1]! + v;
      const yIn = y >= 0 && y < ny;
      if (padding === 'constant' && !(zIn && yIn)) {
        out.fill(padValue, q, q + d);
        q += d;
        continue;
      }
      const row = (clamp(z, nz) * ny + clamp(y, ny)) * nx;
      for (let u = 0; u < d; u++, q++) {
        const x = start[0]! + u;
        if (x >= 0 && x < nx) out[q] = src[row + x]!;
        else out[q] = padding === 'constant' ? padValue : src[row + clamp(x, nx)]!;
      }
    }
  }
  return out;
}

/** One scan's patches: slot[l] is the position of landmark l's patch in `patches`, or -1 when it was dropped. */
export interface ScanPatches {
  /** scan id (the image file name without extension) */
  id: string;
  patient: string;
  /** the manifest item index */
  item: number;
  /** registration Dice with the atlas (1 for the atlas itself) */
  dice: number;
  slots: Int32Array;
  /** present patches, d³ values each (empty when they are in a patch store) */
  patches: Float32Array;
  /** in a patch store: the store's index of this scan's slot 0 */
  stored?: number;
}

/**
 * Patches of every (scan, landmark) pair, with the atlas landmarks (locations p, world coordinates) and patient ids
 * (scans of the same patient share an id; the landmark banks never use a patient's own keys as its negatives).
 */
export class LandmarkPatchDataset {
  readonly landmarks: readonly AtlasLandmark[];
  readonly patchSize: number;
  readonly scans: readonly ScanPatches[];
  /** per scan: an integer patient id (first appearance order) */
  readonly patientIds: readonly number[];
  private readonly withLandmark: number[][];

  /**
   * `sharedPatches`: the scans' patch arrays may hold more patches than their slots use (restrictLandmarks);
   * `store`: the patches are in this store (every scan has `stored`), not in the scans' arrays
   */
  constructor(
    landmarks: readonly AtlasLandmark[],
    patchSize: number,
    scans: readonly ScanPatches[],
    sharedPatches = false,
    readonly store: PatchStore | null = null,
  ) {
    if (landmarks.length === 0) throw new Error('LandmarkPatchDataset: no landmarks');
    if (scans.length === 0) throw new Error('LandmarkPatchDataset: no scans');
    const vol = patchSize ** 3;
    const patients = new Map<string, number>();
    scans.forEach((s, i) => {
      if (s.slots.length !== landmarks.length)
        throw new Error(
          `LandmarkPatchDataset: scan ${s.id} has ${s.slots.length} slots for ${landmarks.length} landmarks`,
        );
      let present = 0;
      let maxSlot = -1;
      for (const slot of s.slots) {
        if (slot >= 0) present++;
        maxSlot = Math.max(maxSlot, slot);
      }
      const ok = store
        ? s.stored !== undefined && s.stored + maxSlot < store.length
        : sharedPatches
          ? s.patches.length >= (maxSlot + 1) * vol
          : s.patches.length === present * vol;
      if (!ok)
        throw new Error(
          `LandmarkPatchDataset: scan ${s.id} (#${i}) holds ${s.patches.length} values for ${present} patches of ${patchSize}³`,
        );
      if (!patients.has(s.patient)) patients.set(s.patient, patients.size);
    });
    this.landmarks = landmarks;
    this.patchSize = patchSize;
    this.scans = scans;
    this.patientIds = scans.map((s) => patients.get(s.patient)!);
    this.withLandmark = landmarks.map((_, l) => scans.flatMap((s, i) => (s.slots[l]! >= 0 ? [i] : [])));
  }

  /** number of scans */
  get length(): number {
    return this.scans.length;
  }

  get landmarkCount(): number {
    return this.landmarks.length;
  }

  has(scan: number, landmark: number): boolean {
    return (this.scans[scan]?.slots[landmark] ?? -1) >= 0;
  }

  /** the scans that have a patch at `landmark` */
  scansWith(landmark: number): readonly number[] {
    const s = this.withLandmark[landmark];
    if (!s) throw new RangeError(`LandmarkPatchDataset: landmark ${landmark} outside [0, ${this.landmarks.length})`);
    return s;
  }

  /** the d³ values of one patch (a view; from a store: the resident copy, else read now) */
  patch(scan: number, landmark: number): Float32Array {
    const g = this.storeIndex(scan, landmark);
    if (g !== null) return this.store!.resident.get(g);
    const s = this.scans[scan];
    if (!s) throw new RangeError(`LandmarkPatchDataset: scan ${scan} outside [0, ${this.scans.length})`);
    const slot = s.slots[landmark];
    if (slot === undefined)
      throw new RangeError(`LandmarkPatchDataset: landmark ${landmark} outside [0, ${this.landmarks.length})`);
    if (slot < 0)
      throw new RangeError(`LandmarkPatchDataset: scan ${s.id} has no patch at landmark ${landmark} (dropped)`);
    const vol = this.patchSize ** 3;
    return s.patches.subarray(slot * vol, (slot + 1) * vol);
  }

  /** the store's index of a patch (null without a store) */
  private storeIndex(scan: number, landmark: number): number | null {
    if (!this.store) return null;
    const s = this.scans[scan];
    const slot = s?.slots[landmark];
    if (s === undefined || slot === undefined || slot < 0) return null;
    return s.stored! + slot;
  }

  /**
   * The loader of the batches of a data set in a patch store (null in memory): `pairsOf(batch)` are the (scan,
   * landmark) patches step(batch) reads; pairs without a patch are skipped.
   */
  batchLoader<B>(pairsOf: (batch: B) => Iterable<[scan: number, landmark: number]>): BatchLoader<B> | null {
    if (!this.store) return null;
    const keysOf = (b: B): number[] => {
      const keys: number[] = [];
      for (const [s, l] of pairsOf(b)) {
        const g = this.storeIndex(s, l);
        if (g !== null) keys.push(g);
      }
      return keys;
    };
    return cacheBatchLoader(this.store.resident, keysOf);
  }

  /**
   * The patches of `scans` at `landmark` as a float32 tensor [B, 1, d, d, d]; `landmark` may give one landmark per
   * scan.
   */
  batch(scans: readonly number[], landmark: number | readonly number[]): Tensor {
    if (typeof landmark !== 'number' && landmark.length !== scans.length)
      throw new RangeError(`LandmarkPatchDataset.batch: ${landmark.length} landmarks for ${scans.length} scans`);
    const vol = this.patchSize ** 3;
    const data = new Float32Array(scans.length * vol);
    scans.forEach((s, b) => data.set(this.patch(s, typeof landmark === 'number' ? landmark : landmark[b]!), b * vol));
    const d = this.patchSize;
    return tensor(data, { shape: [scans.length, 1, d, d, d] });
  }

  /**
   * The data set restricted to the landmarks `keep` (in that order, re-indexed 0..), sharing the patch memory:
   * e.g. without the landmarks that fewer than two scans have (no negatives for them).
   */
  restrictLandmarks(keep: readonly number[]): LandmarkPatchDataset {
    keep.forEach((l) => {
      if (!Number.isInteger(l) || l < 0 || l >= this.landmarks.length)
        throw new RangeError(
          `LandmarkPatchDataset.restrictLandmarks: landmark ${l} outside [0, ${this.landmarks.length})`,
        );
    });
    const landmarks = keep.map((l, index) => ({ ...this.landmarks[l]!, index }));
    const scans = this.scans.map((s) => ({ ...s, slots: Int32Array.from(keep, (l) => s.slots[l]!) }));
    return new LandmarkPatchDataset(landmarks, this.patchSize, scans, true, this.store);
  }

  /** bytes of patch data held in memory (with a store: those resident now) */
  memoryBytes(): number {
    return this.scans.reduce((a, s) => a + s.patches.byteLength, 0) + (this.store?.resident.bytes ?? 0);
  }
}
