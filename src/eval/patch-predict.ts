/**
 * Patches of DrasCLR's patch classification in batches of ONE landmark (Loc-CondConv mixes its kernel once per
 * batch): the training batches of an epoch, and P(lesion) of given samples.
 */
import { tidy } from '../engine/index.js';
import type { PatchClassifier } from '../models/patch-classifier.js';
import type { Rng } from '../util/rng.js';
import type { LandmarkPatchDataset } from '../data/landmark-patches.js';
import type { PatchSamples } from '../data/patch-labels.js';

/** batches of one landmark each, sizes <= batchSize (never 1: a trailing single patch joins the previous batch) */
export function landmarkBatches(
  samples: PatchSamples,
  idx: readonly number[],
  batchSize: number,
  rng: Pick<Rng, 'shuffle'>,
): { batches: number[][]; skipped: number[] } {
  const byLandmark = new Map<number, number[]>();
  for (const i of idx) {
    const l = samples.landmark[i]!;
    if (!byLandmark.has(l)) byLandmark.set(l, []);
    byLandmark.get(l)!.push(i);
  }
  const batches: number[][] = [];
  const skipped: number[] = [];
  for (const l of [...byLandmark.keys()].sort((a, b) => a - b)) {
    const members = rng.shuffle(byLandmark.get(l)!);
    if (members.length < 2) {
      skipped.push(l);
      continue;
    }
    const count = Math.max(1, Math.min(Math.ceil(members.length / batchSize), Math.floor(members.length / 2)));
    for (let c = 0; c < count; c++)
      batches.push(
        members.slice(Math.floor((c * members.length) / count), Math.floor(((c + 1) * members.length) / count)),
      );
  }
  return { batches: rng.shuffle(batches), skipped };
}

/** P(lesion) of the given samples (eval mode, batches of one landmark); in `idx` order. */
export function predictPatchProbabilities(
  model: PatchClassifier,
  dataset: LandmarkPatchDataset,
  samples: Pick<PatchSamples, 'scan' | 'landmark'>,
  idx: readonly number[],
  options: { batchSize?: number; device?: string } = {},
): Float64Array {
  const batchSize = options.batchSize ?? 64;
  const out = new Float64Array(idx.length);
  const byLandmark = new Map<number, number[]>();
  idx.forEach((i, r) => {
    const l = samples.landmark[i]!;
    if (!byLandmark.has(l)) byLandmark.set(l, []);
    byLandmark.get(l)!.push(r);
  });
  const wasTraining = model.training;
  model.eval();
  try {
    for (const [l, rows] of byLandmark) {
      const p = dataset.landmarks[l]!.location;
      for (let b = 0; b < rows.length; b += batchSize) {
        const chunk = rows.slice(b, b + batchSize);
        const prob = tidy(() => {
          let x = dataset.batch(
            chunk.map((r) => samples.scan[idx[r]!]!),
            l,
          );
          if (options.device) x = x.to({ device: options.device });
          return model.probabilities(x, p);
        });
        chunk.forEach((r, j) => (out[r] = prob[j]!));
      }
    }
  } finally {
    if (wasTraining) model.train();
  }
  return out;
}
