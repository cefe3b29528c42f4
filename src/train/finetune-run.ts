/**
 * A stand-alone fine-tuning run (`medcl finetune`): reads the manifest, splits its labelled items by patient
 * (finetune-patients.ts), writes the resolved config to `<out>/config.json` before any training, builds the slice
 * data set of the items used, fine-tunes (finetune.ts: log.jsonl, checkpoint.safetensors, model/ for `medcl
 * predict`; a rerun resumes from the checkpoint) and writes `<out>/results.json` with Dice (and HD95) per test case.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadManifest, type Manifest } from '../io/manifest.js';
import { buildSliceDataset, type SliceDataset } from '../data/slice-dataset.js';
import { resolveLoaderWorkers } from '../data/loader-pool.js';
import { finetune, type FinetuneResult } from './finetune.js';
import { onMainFirst, type DataParallelContext } from './distributed/context.js';
import { finetunePart, type FinetuneRunConfig } from './finetune-run-config.js';
import { withResolvedPrecision } from '../engine/precision.js';
import { withResolvedDevice } from '../engine/device.js';
import { splitByPatients, type PartSelection, type PatientSplit } from './finetune-patients.js';
import { openRunFolder, trainingRunSpec } from './run-folder.js';
import { NonFiniteLossError } from './run-state.js';
import { DivergedError } from './state-guard.js';

export interface FinetuneRunOptions {
  progress?: 'bar' | 'lines' | 'quiet';
  /** start afresh in a folder holding another run (its outputs move to previous/<time>/) */
  restart?: boolean;
  /** one line per step of the run (default: none) */
  log?: (line: string) => void;
  /** data-parallel training (finetune.ts): rank 0 writes config.json and results.json */
  parallel?: DataParallelContext | null;
}

export interface FinetuneRunReport {
  out: string;
  config: string;
  results: string;
  model: string;
  split: PatientSplit;
  result: FinetuneResult;
}

function idsOf(ds: SliceDataset, part: PartSelection): number[] {
  const items = new Set(part.items);
  return ds.samples.filter((s) => items.has(s.item)).map((s) => s.id);
}

function partSummary(ds: SliceDataset, part: PartSelection) {
  return { patients: part.patients, items: part.items.length, images: idsOf(ds, part).length };
}

function resultsJson(cfg: FinetuneRunConfig, m: Manifest, ds: SliceDataset, split: PatientSplit, r: FinetuneResult) {
  return {
    data: path.resolve(cfg.data),
    init: cfg.init ? path.resolve(cfg.init) : null,
    classes: m.classes ?? Array.from({ length: ds.numClasses }, (_, i) => String(i)),
    model: 'model',
    train: partSummary(ds, split.train),
    val: partSummary(ds, split.val),
    test: { ...partSummary(ds, split.test), cases: r.test },
    meanDice: r.meanDice,
    meanHd95: r.meanHd95,
    hd95Unit: r.hd95Unit,
    excludedCases: r.excludedCases,
    absentClasses: cfg.absentClasses,
    selection: cfg.selection,
    bestEpoch: r.bestEpoch,
    bestValDice: r.bestValDice,
    stepsPerEpoch: r.stepsPerEpoch,
    totalSteps: r.totalSteps,
    finalLoss: r.losses.at(-1) ?? null,
    encoderTensorsLoaded: r.loaded.length,
    tensorsLeftRandom: r.leftRandom.length,
    notes: split.notes,
  };
}

/**
 * Runs `train`; when the run diverges (NaN guard, exploded or non-finite weights) writes `<out>/failed.json` with the
 * reason (and no results) before rethrowing; a successful run removes a failed.json left by an earlier attempt.
 */
async function recordFailure<T>(out: string, train: () => Promise<T>): Promise<T> {
  const file = path.join(out, 'failed.json');
  try {
    const r = await train();
    rmSync(file, { force: true });
    return r;
  } catch (e) {
    if (e instanceof NonFiniteLossError || e instanceof DivergedError)
      writeFileSync(file, JSON.stringify({ failed: true, reason: e.message }, null, 2) + '\n');
    throw e;
  }
}

/** Runs a validated config (parseFinetuneRunConfig / the CLI's validation); its precision is resolved here. */
export async function runFinetune(
  input: FinetuneRunConfig,
  options: FinetuneRunOptions = {},
): Promise<FinetuneRunReport> {
  // the device resolved before any work (a CUDA device this libtorch lacks is refused here)
  const resolved = withResolvedDevice(input);
  const cfg = withResolvedPrecision(resolved, resolved.device);
  const isMain = !options.parallel || options.parallel.rank === 0;
  const log = isMain ? (options.log ?? (() => {})) : () => {};
  if (cfg.init !== undefined && !existsSync(cfg.init)) throw new Error(`finetune: init: file not found: ${cfg.init}`);
  const manifest = await loadManifest(cfg.data);
  const split = splitByPatients(manifest, cfg);
  for (const n of split.notes) log(n);
  // made, locked, checked against the run it resumes (every setting but out, cacheDir and hausdorff), config.json
  const spec = trainingRunSpec('finetune', cfg, { restart: options.restart, alsoMayChange: ['hausdorff'] });
  // by rank 0 alone, before the other ranks look into it
  using _folder = onMainFirst(options.parallel, () => openRunFolder(cfg.out, spec));
  const out = path.resolve(cfg.out);
  const config = path.join(out, 'config.json');
  const items = [...split.train.items, ...split.val.items, ...split.test.items].sort((a, b) => a - b);
  log(`preprocessing ${items.length} items (${cfg.preset}, ${cfg.size} px)`);
  const ds = await buildSliceDataset(manifest, {
    preset: cfg.preset,
    size: cfg.size,
    items,
    ...(cfg.spacing !== undefined ? { spacing: cfg.spacing } : {}),
    ...(cfg.cacheDir !== undefined ? { cacheDir: cfg.cacheDir } : {}),
    loaderWorkers: resolveLoaderWorkers(cfg.loaderWorkers),
  });
  const ids = { train: idsOf(ds, split.train), val: idsOf(ds, split.val), test: idsOf(ds, split.test) };
  log(`training on ${ids.train.length} images, testing on ${ids.test.length}`);
  const train = () =>
    finetune(finetunePart(cfg), ds, ids, {
      out,
      progress: options.progress ?? 'quiet',
      parallel: options.parallel ?? null,
    });
  // rank 0 alone records a failure (the others would race its writes)
  const r = isMain ? await recordFailure(out, train) : await train();
  const results = path.join(out, 'results.json');
  if (isMain) writeFileSync(results, JSON.stringify(resultsJson(cfg, manifest, ds, split, r), null, 2) + '\n');
  return { out, config, results, model: path.join(out, 'model'), split, result: r };
}
