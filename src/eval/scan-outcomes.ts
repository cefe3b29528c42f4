/**
 * The image-level evaluation of a DrasCLR encoder (paper §4.2, Table 2/3; docs/drasclr.md): each scan's
 * representation is the mean of its landmark patches' frozen representations y = e(x, p); linear readouts of the
 * manifest's outcome fields are cross-validated by patient (src/eval/outcomes/).
 *
 * `init: 'random'` evaluates the same architecture with random weights (seeded): the floor any pre-training must
 * beat, computed by the identical path.
 */
import { manualSeed } from '../engine/index.js';
import type { ManifestItem } from '../io/manifest.js';
import { buildDrasclrEncoder } from '../methods/drasclr.js';
import type { DrasclrEncoder } from '../models/drasclr-encoder.js';
import type { DrasclrConfig } from '../methods/drasclr-config.js';
import { embedPatches, scanMeanEmbeddings } from './patch-embed.js';
import {
  LUNGCT_OUTCOMES,
  evaluateOutcomes,
  outcomeTableFromManifest,
  type OutcomeReport,
  type OutcomeSpec,
} from './outcomes/index.js';
import type { LandmarkPatchDataset } from '../data/landmark-patches.js';

export interface ScanOutcomeOptions {
  /** outcome fields of the items' meta (default: the lung CT phantoms' score, stage, survival) */
  outcomes?: OutcomeSpec;
  /** k of the patient-grouped cross-validation (default 5, the paper's) */
  folds?: number;
  /** seed of the folds (and of the random encoder) */
  seed?: number;
  /** patches per forward pass */
  batchSize?: number;
}

/** The manifest items of the data set's scans, in scan order; an item missing from the manifest is an error. */
export function itemsOfScans(dataset: LandmarkPatchDataset, items: readonly ManifestItem[]): ManifestItem[] {
  const byIndex = new Map(items.map((i) => [i.index, i]));
  return dataset.scans.map((s) => {
    const it = byIndex.get(s.item);
    if (!it) throw new Error(`drasclr evaluation: scan ${s.id} (manifest item ${s.item}) is not in the manifest`);
    return it;
  });
}

/** An encoder of the run's architecture with seeded random weights (eval mode). */
export function randomDrasclrEncoder(cfg: DrasclrConfig, seed: number): DrasclrEncoder {
  manualSeed(seed);
  const e = buildDrasclrEncoder(cfg);
  e.eval();
  return e;
}

/** Cross-validated outcome readouts of the mean patch representations of every scan of `dataset`. */
export function evaluateScanOutcomes(
  encoder: DrasclrEncoder,
  dataset: LandmarkPatchDataset,
  items: readonly ManifestItem[],
  options: ScanOutcomeOptions = {},
): OutcomeReport {
  const table = outcomeTableFromManifest(itemsOfScans(dataset, items), options.outcomes ?? LUNGCT_OUTCOMES);
  const e = embedPatches(encoder, dataset, { batchSize: options.batchSize });
  const features = scanMeanEmbeddings(e, dataset.length);
  return evaluateOutcomes(features, e.dim, table, { folds: options.folds ?? 5, seed: options.seed ?? 0 });
}
