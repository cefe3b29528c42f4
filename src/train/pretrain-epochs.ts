/**
 * The epochs of a pre-training run from where its state stands: each epoch's batches (loaded ahead by a prefetch
 * window when the data streams), a step each, the step's JSONL log line and progress, a checkpoint every N epochs
 * and at the end, and the early stop of `stopAfterEpochs` (a simulated kill).
 */
import type { Batch } from '../samplers/sampler.js';
import { Progress } from './progress.js';
import { DEFAULT_PREFETCH_DEPTH, epochBatches, PrefetchWindow } from './prefetch-window.js';
import type { PretrainLoopOptions } from './pretrain-settings.js';
import { writeCheckpoint, type LoopState } from './pretrain-state.js';
import { trainStep, type StepRecord } from './pretrain-step.js';

/** Logs a step: rank 0's log.jsonl line and the progress display. */
type StepLogger<B> = (epoch: number, batch: B, r: StepRecord) => void;

function stepLogger<B extends Batch<unknown>>(
  s: LoopState<B>,
  progress: Progress,
  total: number,
  rateKey: string,
): StepLogger<B> {
  return (epoch, batch, r) => {
    const perSec = r.images / r.seconds;
    if (s.pt.isMain)
      s.log.append({
        step: s.step,
        epoch,
        batch: batch.index,
        loss: r.value,
        ...(r.anchors !== undefined ? { anchors: r.anchors, skipped: r.skipped } : {}),
        ...r.log,
        lr: r.lr,
        [rateKey]: perSec,
      });
    progress.update({ step: s.step, total, epoch, loss: r.value, lr: r.lr, imagesPerSec: perSec });
  };
}

/** One epoch's steps; each step's loss goes into `losses`. */
async function runEpoch<B extends Batch<unknown>>(
  s: LoopState<B>,
  epoch: number,
  batches: readonly B[],
  window: PrefetchWindow<B> | null,
  losses: number[],
  logStep: StepLogger<B>,
): Promise<void> {
  s.trained.train();
  for (const batch of batches) {
    await window?.ready(batch);
    const r = trainStep(s, epoch, batch);
    window?.done(batch);
    losses.push(r.value);
    logStep(epoch, batch, r);
    // let timers, signals and GC finalizers run between steps
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** The epochs from the state's position on; the epoch count when `stopAfterEpochs` stopped them, else null. */
export async function runEpochs<B extends Batch<unknown>>(
  s: LoopState<B>,
  losses: number[],
  options: PretrainLoopOptions<B>,
): Promise<number | null> {
  const progress = new Progress(`pretrain ${s.cfg.method}`, s.pt.isMain ? options.progress : 'quiet');
  const total = s.cfg.epochs * s.sampler.epoch(0).length;
  progress.start(total, s.step);
  const logStep = stepLogger(s, progress, total, options.rateKey ?? 'imagesPerSec');
  const batchesOf = epochBatches((e) => s.sampler.epoch(e));
  function* future(): Generator<B> {
    for (let e = s.epoch; e < s.cfg.epochs; e++) yield* batchesOf(e);
  }
  const loader = options.loader ?? null;
  const window = loader ? new PrefetchWindow(loader, options.prefetchDepth ?? DEFAULT_PREFETCH_DEPTH, future()) : null;
  let epochsThisCall = 0;
  try {
    for (let epoch = s.epoch; epoch < s.cfg.epochs; epoch++) {
      await runEpoch(s, epoch, batchesOf(epoch), window, losses, logStep);
      epochsThisCall++;
      const last = epoch + 1 === s.cfg.epochs;
      const stopping = epochsThisCall === options.stopAfterEpochs;
      if ((epoch + 1) % s.cfg.checkpointEvery === 0 || last || stopping) writeCheckpoint(s, epoch + 1);
      if (stopping && !last) return epoch + 1;
    }
  } catch (e) {
    throw s.pt.explain(e, s.where);
  } finally {
    window?.close();
    progress.stop();
  }
  return null;
}
