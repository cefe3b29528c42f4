import {
  checkEpoch,
  checkLastPolicy,
  checkPositiveInt,
  checkSeed,
  chunkOrder,
  epochRng,
  type Batch,
  type LastBatchPolicy,
  type Sampler,
} from './sampler.js';
import { nearestLandmarks } from '../relations/landmark-neighbours.js';
import {
  scaleLandmarkCoordinates,
  type CoordinateBounds,
  type LandmarkCoordinates,
} from '../preprocess/landmark-coordinates.js';

/**
 * 'shuffled' (default): all the epoch's batches (every landmark's) in one random order, so consecutive batches are
 * mostly different landmarks; 'grouped': landmark after landmark (in a random landmark order), all batches of one
 * landmark in a row, as the authors' training loop intended.
 */
export type LandmarkBatchOrder = 'shuffled' | 'grouped';

export interface LandmarkBatchSamplerOptions {
  /** atlas coordinates of the L landmarks (voxels or mm) */
  landmarks: LandmarkCoordinates;
  /** number of patients (scans); batches hold patient indices 0..patients-1 */
  patients: number;
  /** patients per batch (paper: 128) */
  batchSize: number;
  seed: number;
  /** ℓ, the neighbouring landmarks of each batch's landmark (paper: 2, from its ablation, Table 8) */
  neighbours?: number;
  /** default 'shuffled' */
  order?: LandmarkBatchOrder;
  /** each landmark's last partial batch; default 'fill' (see sampler.ts) */
  last?: LastBatchPolicy;
  /** the box mapped to [-1, 1]³ for `locations` (default: the landmarks' bounding box) */
  bounds?: CoordinateBounds;
}

/** A batch of patches at ONE landmark: `items` are patient indices (distinct, except for the fill of a last batch). */
export interface LandmarkBatch extends Batch<number> {
  /** the anchor landmark j of every patch in the batch */
  landmark: number;
  /** N(j): the ℓ nearest landmarks, nearest first (the neighbouring loss's query patches are taken there) */
  neighbours: readonly number[];
}

/**
 * DrasCLR batches: every batch holds the patches of B patients at one landmark (Loc-CondConv mixes its kernels once
 * per batch, and the negatives come from that landmark's queue).
 *
 * Each epoch visits EVERY landmark: for each landmark, the patients are shuffled and cut into batches of
 * `batchSize` (the last one completed per `last`), so every (patient, landmark) patch is an anchor at least once per
 * epoch ('fill', 'keep'). The landmark order is re-drawn every epoch from (seed, epoch). The authors' loop switched
 * the landmark by calling `dataset.set_patch_idx` in the main process, which DataLoader worker processes (16 in
 * their script) never see — their workers likely served landmark 0 throughout; here the landmark is part of the batch.
 */
export class LandmarkBatchSampler implements Sampler<number> {
  readonly name = 'landmarkBatches';
  readonly seed: number;
  readonly patients: number;
  readonly batchSize: number;
  readonly order: LandmarkBatchOrder;
  readonly last: LastBatchPolicy;
  readonly landmarkCount: number;
  /** N(j) for every landmark j (nearestLandmarks) */
  readonly neighbourTable: readonly (readonly number[])[];
  /** every landmark's atlas coordinate scaled to [-1, 1] (Loc-CondConv's p) */
  readonly locations: readonly (readonly number[])[];

  constructor(options: LandmarkBatchSamplerOptions) {
    const { landmarks, patients, batchSize, seed, neighbours = 2, order = 'shuffled', last = 'fill' } = options;
    const who = this.name;
    checkSeed(who, seed);
    checkPositiveInt(who, 'patients', patients);
    checkPositiveInt(who, 'batchSize', batchSize);
    checkLastPolicy(who, last);
    if (order !== 'shuffled' && order !== 'grouped')
      throw new Error(`${who}: order: expected "shuffled" | "grouped", got ${JSON.stringify(order)}`);
    if (last === 'fill' && patients < batchSize)
      throw new Error(
        `${who}: needs at least batchSize=${batchSize} patients to fill a batch; data set has ${patients} (use last: "keep" or a smaller batch)`,
      );
    if (last === 'drop' && patients < batchSize)
      throw new Error(`${who}: batchSize=${batchSize} > ${patients} patients with last: "drop" gives no batch at all`);
    this.neighbourTable = nearestLandmarks(landmarks, neighbours);
    this.locations = scaleLandmarkCoordinates(landmarks, options.bounds);
    this.landmarkCount = landmarks.length;
    this.seed = seed;
    this.patients = patients;
    this.batchSize = batchSize;
    this.order = order;
    this.last = last;
  }

  /** batches per landmark and epoch (the same for every landmark) */
  batchesPerLandmark(): number {
    const full = Math.floor(this.patients / this.batchSize);
    return this.patients % this.batchSize === 0 || this.last === 'drop' ? full : full + 1;
  }

  batchesPerEpoch(): number {
    return this.batchesPerLandmark() * this.landmarkCount;
  }

  epoch(e: number): LandmarkBatch[] {
    checkEpoch(this.name, e);
    const rng = epochRng(this.seed, e);
    const groups: { landmark: number; items: number[] }[] = [];
    for (const landmark of rng.permutation(this.landmarkCount)) {
      for (const items of chunkOrder(rng.permutation(this.patients), this.batchSize, this.last, rng))
        groups.push({ landmark, items });
    }
    if (this.order === 'shuffled') rng.shuffle(groups);
    return groups.map((g, index) => ({
      epoch: e,
      index,
      landmark: g.landmark,
      neighbours: this.neighbourTable[g.landmark]!,
      items: g.items,
    }));
  }
}

/** The landmark fields of a batch from a LandmarkBatchSampler (e.g. as returned, typed Batch<number>, by a SamplerCursor). */
export function asLandmarkBatch(batch: Batch<number>): LandmarkBatch {
  const b = batch as Partial<LandmarkBatch>;
  if (typeof b.landmark !== 'number' || !Array.isArray(b.neighbours))
    throw new Error('asLandmarkBatch: the batch has no landmark: it does not come from a LandmarkBatchSampler');
  return batch as LandmarkBatch;
}
