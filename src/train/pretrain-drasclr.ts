/**
 * Pre-training of DrasCLR (docs/drasclr.md): the config, the landmark patches (prepared, or read from the cache), and
 * the one pre-training loop (src/train/pretrain-loop.ts), with the same guarantees as the 2D methods: one validated
 * config written next to the outputs, exact resume, atomic checkpoints (modules, optimiser, scheduler, landmark
 * banks) every `checkpointEvery` epochs, a progress bar, a JSONL log truncated to the checkpoint on resume, and the
 * NaN/Inf guard.
 *
 * Outputs in `out/`: config.json, scans.json (the preparation report: atlas, landmarks, every scan used or skipped
 * with the reason, registration Dice, dropped landmarks), landmarks.json (the atlas landmarks: voxel and world
 * coordinates, Loc-CondConv locations p), log.jsonl, checkpoint.safetensors, encoder.safetensors (the query network
 * f_q = encoder + head: "blockN.*" the Loc-CondConv encoder, "head.*" the projection head), summary.json.
 */
import path from 'node:path';
import { manualSeed } from '../engine/index.js';
import { describePrecision } from '../engine/precision.js';
import { onDevice, withResolvedDevice } from '../engine/device.js';
import { loadManifest } from '../io/manifest.js';
import { prepareLandmarkPatches, type PreparationReport, type PreparedData } from '../data/landmark-prepare.js';
import { formatBytes } from '../queues/landmark-banks.js';
import { createDrasclrRun, drasclr } from '../methods/drasclr.js';
import { parseDrasclrConfig, type DrasclrConfig, type DrasclrInput } from '../methods/drasclr-config.js';
import { runPretraining, type PretrainLoopResult } from './pretrain-loop.js';
import { openRunFolder, trainingRunSpec, writeJson } from './run-folder.js';
import { checkGlobalBatch, onMainFirst, type DataParallelContext } from './distributed/context.js';
import { LoaderPool, resolveLoaderWorkers } from '../data/loader-pool.js';
import { PatchStore } from '../data/patch-store.js';
import type { LandmarkBatch } from '../samplers/landmark-batches.js';

export interface DrasclrPretrainOptions {
  /** progress display (default: a bar on a terminal, lines otherwise) */
  progress?: 'bar' | 'lines' | 'quiet';
  /** preparation and memory lines (default: stderr unless progress is 'quiet') */
  log?: (line: string) => void;
  /** stop (after checkpointing) once this many epochs are done in this call: simulates a kill for resume tests */
  stopAfterEpochs?: number;
  /** start afresh in a folder holding another run (its outputs but cache/ move to previous/<time>/) */
  restart?: boolean;
  /**
   * data-parallel training (docs/distributed.md): `batchSize` is the global batch; every rank prepares the patches
   * (the cache is atomic, so they share it) and rank 0 alone writes
   */
  parallel?: DataParallelContext | null;
}

export interface DrasclrPretrainResult extends PretrainLoopResult {
  out: string;
  config: DrasclrConfig;
  report: PreparationReport;
}

/**
 * The patch store of a run with loaderWorkers > 0 (a file per rank in the run folder, rewritten at every start and
 * deleted at the end), else null: the patches stay in memory.
 */
function patchStore(cfg: DrasclrConfig, out: string, rank: number): PatchStore | null {
  const workers = resolveLoaderWorkers(cfg.loaderWorkers);
  if (workers === 0) return null;
  return new PatchStore(path.join(out, `patches.rank${rank}.f32`), cfg.patchSize, new LoaderPool(workers));
}

/** the (scan, landmark) patches a DrasCLR step reads: the batch's scans at its landmark and its neighbours */
export function* drasclrBatchPatches(batch: LandmarkBatch): Generator<[number, number]> {
  for (const l of [batch.landmark, ...batch.neighbours]) for (const s of batch.items) yield [s, l];
}

/** Prepares the patches, writes scans.json and landmarks.json (`write`: rank 0), and says what is in memory. */
async function preparePatches(
  cfg: DrasclrConfig,
  out: string,
  log: (line: string) => void,
  write: boolean,
  store: PatchStore | null,
): Promise<PreparedData> {
  const manifest = await loadManifest(cfg.data);
  const prepared = await prepareLandmarkPatches(manifest, cfg, {
    cacheDir: cfg.cacheDir ?? path.join(out, 'cache'),
    log,
    // the store's loader threads prepare the scans too, several at a time
    ...(store ? { store, pool: store.pool } : {}),
  });
  const { dataset, report } = prepared;
  if (write) {
    writeJson(path.join(out, 'scans.json'), report);
    writeJson(path.join(out, 'landmarks.json'), {
      atlas: report.atlas,
      atlasShape: prepared.grid.atlasShape,
      patchSize: dataset.patchSize,
      landmarks: dataset.landmarks,
    });
  }
  const where = store
    ? `${formatBytes(store.fileBytes)} in ${store.file}, read ahead in loader threads`
    : `${formatBytes(dataset.memoryBytes())} in memory`;
  log(
    `data: ${dataset.length} scans used, ${report.skipped} skipped (see scans.json), ${dataset.landmarkCount} landmarks, ` +
      `patches ${where}`,
  );
  return prepared;
}

/** summary.json's DrasCLR part: the scans used and skipped, dropped and unused landmarks */
function preparationSummary(report: PreparationReport): Record<string, unknown> {
  return {
    scans: { used: report.used, skipped: report.skipped },
    skipped: report.scans
      .filter((s) => s.status === 'skipped')
      .map((s) => ({ id: s.id, item: s.item, reason: s.reason })),
    droppedLandmarks: report.scans
      .filter((s) => (s.dropped?.length ?? 0) > 0)
      .map((s) => ({ id: s.id, dropped: s.dropped })),
    unusedLandmarks: report.unusedLandmarks,
    landmarks: report.landmarks,
  };
}

/** Prepares the patches (or reads them from the cache) and pre-trains; resumes from out/checkpoint.safetensors. */
export async function pretrainDrasclr(
  input: DrasclrInput,
  options: DrasclrPretrainOptions = {},
): Promise<DrasclrPretrainResult> {
  // the device resolved before any work (a CUDA device this libtorch lacks is refused here)
  const cfg = withResolvedDevice(parseDrasclrConfig(input));
  const parallel = options.parallel ?? null;
  checkGlobalBatch('pretrain-drasclr', cfg.batchSize, parallel);
  const isMain = !parallel || parallel.rank === 0;
  // made, locked, checked against the run it resumes, config.json written (src/train/run-folder.ts); by rank 0
  // alone, before the other ranks look into it
  using _folder = onMainFirst(parallel, () =>
    openRunFolder(
      cfg.out,
      trainingRunSpec('pretrain-drasclr', cfg, { keepOnRestart: ['cache'], restart: options.restart }),
    ),
  );
  const out = path.resolve(cfg.out);
  const log = !isMain
    ? () => {}
    : (options.log ?? (options.progress === 'quiet' ? () => {} : (l: string) => process.stderr.write(`${l}\n`)));
  log(`pretrain drasclr: device ${cfg.device}, ${describePrecision(cfg.precision, cfg.device)}`);
  const store = patchStore(cfg, out, parallel?.rank ?? 0);
  try {
    return await pretrainPatches(cfg, out, options, log, store);
  } finally {
    await store?.close();
  }
}

async function pretrainPatches(
  cfg: DrasclrConfig,
  out: string,
  options: DrasclrPretrainOptions,
  log: (line: string) => void,
  store: PatchStore | null,
): Promise<DrasclrPretrainResult> {
  const parallel = options.parallel ?? null;
  const isMain = !parallel || parallel.rank === 0;
  const { dataset, report } = await preparePatches(cfg, out, log, isMain, store);

  manualSeed(cfg.seed);
  // the encoders and the landmark banks built on the run's device
  const run = onDevice(cfg.device, () => createDrasclrRun(dataset, cfg, parallel ? { group: parallel.group } : {}));
  log(run.banks.describeMemory());
  const r = await runPretraining(out, { ...cfg, method: drasclr.name }, run, {
    progress: options.progress,
    stopAfterEpochs: options.stopAfterEpochs,
    parallel,
    log,
    rateKey: 'patchesPerSec',
    encoderMetadata: {
      conditioning: cfg.conditioning,
      experts: String(cfg.experts),
      layers: JSON.stringify(cfg.layers ?? null),
      landmarks: path.join(out, 'landmarks.json'),
    },
    summary: preparationSummary(report),
    loader: dataset.batchLoader(drasclrBatchPatches),
  });
  return { out, config: cfg, ...r, report };
}
