/**
 * The data an experiment reads before any work (src/experiment/experiment.ts): the data set fine-tuning and testing
 * use, the one pre-training uses (the same, or `pretrainData`'s in transfer), the labelled samples and their
 * patients. Both data sets are read and preprocessed in `loaderWorkers` threads (docs/data-loading.md; 0 = on the
 * main thread), taken in manifest order, so they are the same bit for bit whatever the count, and held in memory.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadManifest } from '../io/manifest.js';
import { buildSliceDataset, type SliceDataset } from '../data/slice-dataset.js';
import { resolveLoaderWorkers } from '../data/loader-pool.js';
import { checkLabelIds } from '../data/label-check.js';
import type { ExperimentPlan } from './plan.js';
import { checkLeftRight } from './left-right-check.js';
import type { LabelledSample } from './label-sets.js';

export interface ExperimentData {
  dataset: SliceDataset;
  pretrainDataset: SliceDataset;
  /** sha256 of the pre-training manifest's text */
  manifestHash: string;
  labelled: LabelledSample[];
  patients: string[];
}

/** `2 loader threads`, `1 loader thread`, `the main thread` */
function threadsText(workers: number): string {
  return workers === 0 ? 'the main thread' : `${workers} loader thread${workers === 1 ? '' : 's'}`;
}

/** Reads both data sets; label ids beyond the manifest's classes and too few labelled patients fail here. */
export async function loadExperimentData(
  plan: ExperimentPlan,
  cacheDir: string,
  log: (l: string) => void,
): Promise<ExperimentData> {
  const { cfg } = plan;
  const loaderWorkers = resolveLoaderWorkers(cfg.loaderWorkers);
  log(`experiment ${cfg.name}: reading ${cfg.data} (in ${threadsText(loaderWorkers)})`);
  const manifest = await loadManifest(cfg.data);
  checkLeftRight(manifest, plan.finetune);
  const pretrainManifest = cfg.pretrainData !== undefined ? await loadManifest(cfg.pretrainData) : manifest;
  const opts = { preset: cfg.preset, size: cfg.size, spacing: cfg.spacing, cacheDir, loaderWorkers };
  const dataset = await buildSliceDataset(manifest, opts);
  // label ids beyond the manifest's classes fail here, before any pre-training, naming the label files
  checkLabelIds(dataset);
  const labelled = dataset.samples.filter((s) => dataset.labels[s.id]).map((s) => ({ id: s.id, patient: s.patient }));
  const patients = [...new Set(labelled.map((s) => s.patient))];
  if (patients.length < cfg.folds) {
    throw new Error(
      `experiment: ${cfg.data} has ${patients.length} patients with labels; ${cfg.folds} folds need at least ${cfg.folds}`,
    );
  }
  const pretrainDataset = cfg.pretrainData !== undefined ? await buildSliceDataset(pretrainManifest, opts) : dataset;
  const manifestHash = createHash('sha256').update(readFileSync(pretrainManifest.source)).digest('hex');
  return { dataset, pretrainDataset, manifestHash, labelled, patients };
}
