/**
 * The DrasCLR pre-training loop (docs/drasclr.md). The slice-based loop (src/train/pretrain.ts) is built around a
 * SliceDataset; DrasCLR's data are landmark patches, so it has this loop, with the same guarantees: one validated
 * config written next to the outputs, per-step seeds from (seed, epoch, batch) and a sampler that is a pure function
 * of (seed, epoch) so a resumed run draws exactly what the uninterrupted one would, atomic checkpoints (modules,
 * optimiser, scheduler, landmark banks) every `checkpointEvery` epochs, a progress bar, a JSONL log truncated to the
 * checkpoint on resume, and the NaN/Inf guard.
 *
 * Outputs in `out/`: config.json, scans.json (the preparation report: atlas, landmarks, every scan used or skipped
 * with the reason, registration Dice, dropped landmarks), landmarks.json (the atlas landmarks: voxel and world
 * coordinates, Loc-CondConv locations p), log.jsonl, checkpoint.safetensors, encoder.safetensors (the query network
 * f_q = encoder + head: "blockN.*" the Loc-CondConv encoder, "head.*" the projection head), summary.json.
 */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadCheckpoint, manualSeed, optim, saveSafetensors, tidy } from '../engine/index.js';
import { loadManifest } from '../io/manifest.js';
import { formatBytes } from '../queues/landmark-banks.js';
import { createDrasclrRun, drasclr } from '../methods/drasclr.js';
import { ModuleBundle, JsonlLog, checkedLoss, stepSeed } from '../train/run-state.js';
import { Progress } from '../train/progress.js';
import { Rng } from '../util/rng.js';
import { parseDrasclrConfig, type DrasclrConfig, type DrasclrInput } from './config.js';
import { prepareLandmarkPatches, type PreparationReport, type PreparedData } from './prepare.js';
import { autocastScope } from '../train/precision.js';
import { describePrecision } from '../train/precision-default.js';
import { openRunFolder, trainingRunSpec } from '../train/run-folder.js';
import { saveGoodCheckpoint } from '../train/state-guard.js';

export interface DrasclrPretrainOptions {
  /** progress display (default: a bar on a terminal, lines otherwise) */
  progress?: 'bar' | 'lines' | 'quiet';
  /** preparation and memory lines (default: stderr unless progress is 'quiet') */
  log?: (line: string) => void;
  /** stop (after checkpointing) once this many epochs are done in this call: simulates a kill for resume tests */
  stopAfterEpochs?: number;
  /** start afresh in a folder holding another run (its outputs but cache/ move to previous/<time>/) */
  restart?: boolean;
}

export interface DrasclrPretrainResult {
  out: string;
  config: DrasclrConfig;
  epochsDone: number;
  steps: number;
  /** the losses of the steps run in this call */
  losses: number[];
  checkpoint: string;
  /** '' when the run stopped early (stopAfterEpochs) */
  encoder: string;
  resumedFrom: number | null;
  report: PreparationReport;
}

function writeJson(file: string, value: unknown): void {
  writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
}

/** Prepares the patches (or reads them from the cache) and pre-trains; resumes from out/checkpoint.safetensors. */
export async function pretrainDrasclr(
  input: DrasclrInput,
  options: DrasclrPretrainOptions = {},
): Promise<DrasclrPretrainResult> {
  const cfg = parseDrasclrConfig(input);
  // made, locked, checked against the run it resumes, config.json written (src/train/run-folder.ts)
  using folder = openRunFolder(
    cfg.out,
    trainingRunSpec('pretrain-drasclr', cfg, { keepOnRestart: ['cache'], restart: options.restart }),
  );
  const out = folder.dir;
  const log = options.log ?? (options.progress === 'quiet' ? () => {} : (l: string) => process.stderr.write(`${l}\n`));
  const ckptFile = path.join(out, 'checkpoint.safetensors');
  log(`pretrain drasclr: ${describePrecision(cfg.precision)}`);

  const manifest = await loadManifest(cfg.data);
  const prepared: PreparedData = await prepareLandmarkPatches(manifest, cfg, {
    cacheDir: cfg.cacheDir ?? path.join(out, 'cache'),
    log,
  });
  const { dataset, report } = prepared;
  writeJson(path.join(out, 'scans.json'), report);
  writeJson(path.join(out, 'landmarks.json'), {
    atlas: report.atlas,
    atlasShape: prepared.grid.atlasShape,
    patchSize: dataset.patchSize,
    landmarks: dataset.landmarks,
  });
  log(
    `data: ${dataset.length} scans used, ${report.skipped} skipped (see scans.json), ${dataset.landmarkCount} landmarks, ` +
      `patches ${formatBytes(dataset.memoryBytes())} in memory`,
  );

  manualSeed(cfg.seed);
  const run = createDrasclrRun(dataset, cfg);
  log(run.banks.describeMemory());
  const all = new ModuleBundle({ momentum: run.momentum });
  const stepsPerEpoch = run.sampler.batchesPerEpoch();
  const opt = new optim.SGD(run.encoder.parameters(), {
    lr: cfg.lr,
    momentum: cfg.momentum,
    weightDecay: cfg.weightDecay,
  });
  const total = cfg.epochs * stepsPerEpoch;
  const sched = new optim.CosineWithWarmup(opt, {
    warmupSteps: Math.min(cfg.warmupEpochs * stepsPerEpoch, total),
    totalSteps: total,
  });
  const jsonl = new JsonlLog(path.join(out, 'log.jsonl'));

  let startEpoch = 0;
  let step = 0;
  let resumedFrom: number | null = null;
  if (existsSync(ckptFile)) {
    const ck = loadCheckpoint(ckptFile);
    all.loadStateDict(ck.model);
    if (ck.optimizer) opt.loadStateDict(ck.optimizer);
    if (ck.scheduler) sched.loadStateDict(ck.scheduler);
    run.loadStateTensors(ck.tensors);
    const extra = ck.extra as { epoch: number; step: number };
    startEpoch = extra.epoch;
    step = extra.step;
    resumedFrom = startEpoch;
    jsonl.truncateAfter(step);
    log(`resumed from ${ckptFile} at epoch ${startEpoch} (step ${step})`);
  } else {
    jsonl.truncateAfter(-1);
  }

  const progress = new Progress('pretrain drasclr', options.progress);
  progress.start(total, step);
  const losses: number[] = [];
  let lastCheckpoint: string | null = existsSync(ckptFile) ? ckptFile : null;
  let epochsThisCall = 0;
  const writeCheckpoint = (epoch: number): void => {
    saveGoodCheckpoint(ckptFile, {
      model: all,
      optimizer: opt,
      scheduler: sched,
      tensors: run.stateTensors(),
      extra: { epoch, step, method: drasclr.name },
    });
    lastCheckpoint = ckptFile;
  };
  const result = (epochsDone: number, encoder: string): DrasclrPretrainResult => ({
    out,
    config: cfg,
    epochsDone,
    steps: step,
    losses,
    checkpoint: ckptFile,
    encoder,
    resumedFrom,
    report,
  });
  try {
    for (let epoch = startEpoch; epoch < cfg.epochs; epoch++) {
      run.momentum.train();
      for (const batch of run.sampler.epoch(epoch)) {
        const seed = stepSeed(cfg.seed, epoch, batch.index);
        manualSeed(seed);
        const rng = new Rng(seed);
        const t0 = performance.now();
        const record = tidy(() => {
          const o = autocastScope(cfg.precision, () => run.step(batch, rng));
          const value = checkedLoss(o.loss, epoch, batch.index, lastCheckpoint);
          opt.zeroGrad();
          o.loss.backward();
          return {
            value,
            local: o.local,
            neighbour: o.neighbour,
            withoutNegatives: o.withoutNegatives,
            substituted: o.substituted,
            images: o.images,
          };
        });
        opt.step();
        sched.step();
        run.afterStep();
        step++;
        const dt = (performance.now() - t0) / 1000;
        const lr = opt.groups[0]!.lr;
        losses.push(record.value);
        jsonl.append({
          step,
          epoch,
          batch: batch.index,
          landmark: batch.landmark,
          loss: record.value,
          local: record.local,
          neighbour: record.neighbour,
          withoutNegatives: record.withoutNegatives,
          substituted: record.substituted,
          lr,
          patchesPerSec: record.images / dt,
        });
        progress.update({ step, total, epoch, loss: record.value, lr, imagesPerSec: record.images / dt });
        // let timers, signals and GC finalizers run between steps
        await new Promise((r) => setImmediate(r));
      }
      epochsThisCall++;
      const last = epoch + 1 === cfg.epochs;
      if ((epoch + 1) % cfg.checkpointEvery === 0 || last || epochsThisCall === options.stopAfterEpochs)
        writeCheckpoint(epoch + 1);
      if (epochsThisCall === options.stopAfterEpochs && !last) return result(epoch + 1, '');
    }
  } finally {
    progress.stop();
  }
  const encoderFile = path.join(out, 'encoder.safetensors');
  saveSafetensors(encoderFile, run.encoder.stateDict(), {
    method: drasclr.name,
    conditioning: cfg.conditioning,
    experts: String(cfg.experts),
    layers: JSON.stringify(cfg.layers ?? null),
    landmarks: path.join(out, 'landmarks.json'),
    source: ckptFile,
  });
  writeJson(path.join(out, 'summary.json'), {
    method: drasclr.name,
    epochs: cfg.epochs,
    steps: step,
    finalLoss: losses[losses.length - 1] ?? null,
    scans: { used: report.used, skipped: report.skipped },
    skipped: report.scans
      .filter((s) => s.status === 'skipped')
      .map((s) => ({ id: s.id, item: s.item, reason: s.reason })),
    droppedLandmarks: report.scans
      .filter((s) => (s.dropped?.length ?? 0) > 0)
      .map((s) => ({ id: s.id, dropped: s.dropped })),
    unusedLandmarks: report.unusedLandmarks,
    landmarks: report.landmarks,
  });
  return result(cfg.epochs, encoderFile);
}
