/**
 * The one pre-training loop, for every method (2D slices and DrasCLR's landmark patches alike): a method's steps,
 * SGD/Adam with the paper's schedule, atomic checkpoints every N epochs, exact resume (the same loss curve after a
 * kill and a resume: every step's augmentation and dropout draw from a seed fixed by (seed, epoch, batch), and the
 * sampler is a pure function of (seed, epoch)), a progress bar, a JSONL log truncated back to the checkpoint on
 * resume, and a NaN/Inf guard that stops with the last good checkpoint. Data-parallel (docs/distributed.md): the
 * same loop on every rank, with `ParallelTraining`'s hooks (sharded sampler, per-rank seeds, rank 0's state copied
 * after a resume, gradients averaged after the backward, the logged loss averaged) and rank 0 alone writing.
 *
 * Writes into `out/`: log.jsonl, checkpoint.safetensors (everything needed to resume), encoder.safetensors (the
 * encoder weights fine-tuning loads), summary.json. The caller writes config.json (src/train/run-folder.ts).
 *
 * Its pieces: the settings and options (pretrain-settings.ts), the run's state with its checkpoint and resume
 * (pretrain-state.ts), the step (pretrain-step.ts), the epochs with their log (pretrain-epochs.ts), the outputs
 * (pretrain-outputs.ts).
 */
import type { MethodRun } from '../methods/method.js';
import type { Batch } from '../samplers/sampler.js';
import type { LoopSettings, PretrainLoopOptions, PretrainLoopResult } from './pretrain-settings.js';
import { createLoopState, resumeIfCheckpointed } from './pretrain-state.js';
import { runEpochs } from './pretrain-epochs.js';
import { writeOutputs } from './pretrain-outputs.js';

export type { LoopSettings, PretrainLoopOptions, PretrainLoopResult } from './pretrain-settings.js';

/** Runs (or resumes) the pre-training of `run` with its results in `out`; see the file's comment. */
export async function runPretraining<B extends Batch<unknown>>(
  out: string,
  cfg: LoopSettings,
  run: MethodRun<B, never[]>,
  options: PretrainLoopOptions<B> = {},
): Promise<PretrainLoopResult> {
  const s = createLoopState(out, cfg, run, options.parallel ?? null);
  const resumedFrom = resumeIfCheckpointed(s, options.log);
  const losses: number[] = [];
  const result = (epochsDone: number, encoder: string): PretrainLoopResult => {
    return { epochsDone, steps: s.step, losses, checkpoint: s.ckptFile, encoder, resumedFrom };
  };
  const stoppedAt = await runEpochs(s, losses, options);
  if (stoppedAt !== null) return result(stoppedAt, '');
  return result(cfg.epochs, writeOutputs(out, s, losses, options));
}
