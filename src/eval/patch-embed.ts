/**
 * Frozen DrasCLR representations of landmark patches (§4.2): y = e(x, p), the encoder's pooled 128-d features before
 * the projection head, computed landmark by landmark (a batch holds one landmark, so Loc-CondConv mixes its kernels
 * once per batch) in eval mode without gradients.
 */
import { noGrad, tidy } from '../engine/index.js';
import type { DrasclrEncoder } from '../models/drasclr-encoder.js';
import type { LandmarkPatchDataset } from '../data/landmark-patches.js';

export interface PatchEmbeddings {
  dim: number;
  /** number of embedded (scan, landmark) patches */
  n: number;
  /** row-major n × dim */
  data: Float32Array;
  /** per row: scan index in the data set and landmark index */
  scan: Int32Array;
  landmark: Int32Array;
  /** per scan and landmark: the row of that patch, or -1 (scan-major, scans × landmarks) */
  rowOf: Int32Array;
}

export interface EmbedPatchesOptions {
  /** patches per forward pass (default 64) */
  batchSize?: number;
  /** only these scans (data set indices; default all) */
  scans?: readonly number[];
}

/** Embeds every present (scan, landmark) patch of `dataset` with `encoder` (set to eval mode, restored after). */
export function embedPatches(
  encoder: DrasclrEncoder,
  dataset: LandmarkPatchDataset,
  options: EmbedPatchesOptions = {},
): PatchEmbeddings {
  const batchSize = options.batchSize ?? 64;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1)
    throw new Error(`embedPatches: batchSize: expected an integer >= 1, got ${batchSize}`);
  const scans = options.scans ?? dataset.scans.map((_, i) => i);
  scans.forEach((s) => {
    if (!Number.isInteger(s) || s < 0 || s >= dataset.length)
      throw new RangeError(`embedPatches: scan ${s} outside [0, ${dataset.length})`);
  });
  const inScans = new Set(scans);
  const L = dataset.landmarkCount;
  const dim = encoder.representationDim;
  const rowOf = new Int32Array(dataset.length * L).fill(-1);
  const scanOf: number[] = [];
  const landmarkOf: number[] = [];
  for (let l = 0; l < L; l++)
    for (const s of dataset.scansWith(l))
      if (inScans.has(s)) {
        rowOf[s * L + l] = scanOf.length;
        scanOf.push(s);
        landmarkOf.push(l);
      }
  const n = scanOf.length;
  const data = new Float32Array(n * dim);
  const wasTraining = encoder.training;
  encoder.eval();
  try {
    noGrad(() => {
      for (let l = 0; l < L; l++) {
        const members = dataset.scansWith(l).filter((s) => inScans.has(s));
        const p = dataset.landmarks[l]!.location;
        for (let b = 0; b < members.length; b += batchSize) {
          const chunk = members.slice(b, b + batchSize);
          const y = tidy(() => {
            const x = dataset.batch(chunk, l);
            return encoder.encode(x, p).float().toFloat32Array();
          });
          chunk.forEach((s, i) => data.set(y.subarray(i * dim, (i + 1) * dim), rowOf[s * L + l]! * dim));
        }
      }
    });
  } finally {
    if (wasTraining) encoder.train();
  }
  return { dim, n, data, scan: Int32Array.from(scanOf), landmark: Int32Array.from(landmarkOf), rowOf };
}

/** Image-level representations: per scan, the mean of its patch embeddings (float64, scans × dim, in scan order). */
export function scanMeanEmbeddings(e: PatchEmbeddings, scans: number): Float64Array {
  const out = new Float64Array(scans * e.dim);
  const counts = new Float64Array(scans);
  for (let r = 0; r < e.n; r++) {
    const s = e.scan[r]!;
    counts[s]!++;
    for (let k = 0; k < e.dim; k++) out[s * e.dim + k]! += e.data[r * e.dim + k]!;
  }
  for (let s = 0; s < scans; s++) {
    if (counts[s] === 0) continue;
    for (let k = 0; k < e.dim; k++) out[s * e.dim + k]! /= counts[s]!;
  }
  return out;
}
