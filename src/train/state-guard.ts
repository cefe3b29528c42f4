/**
 * The divergence guard of the training loops, beside the loss guard of run-state.ts: a run has diverged when any
 * parameter or buffer (BatchNorm running statistics included) holds NaN/Inf, or when a parameter's magnitude passes
 * MAX_ABS_WEIGHT (a finite but exploded run, e.g. lr 1e6, whose loss may stay finite since contrastive losses
 * normalise the embeddings). A checkpoint is written only for a healthy state (saveGoodCheckpoint), so "the last
 * good checkpoint" is always one to resume from; a diverged fine-tuning run reports no Dice.
 */
import { existsSync } from 'node:fs';
import {
  describeNonFinite,
  noGrad,
  NonFiniteStateError,
  nonFiniteTensors,
  saveCheckpoint,
  tidy,
  type CheckpointParts,
  type nn,
} from '../engine/index.js';

/**
 * The largest |parameter| a healthy run may reach. The networks here keep their weights within a few units: the
 * largest in 31 pre-trained encoders and fine-tuned models of the demo and the fidelity bench is 1.92. A weight
 * past 1e4 means the optimisation has blown up.
 */
export const MAX_ABS_WEIGHT = 1e4;

export class DivergedError extends Error {
  constructor(
    readonly reason: string,
    readonly lastGood: string | null,
    what: string,
  ) {
    super(
      `${what} diverged: ${reason}; training stopped. ` +
        (lastGood
          ? `The last good checkpoint is ${lastGood} (left as it was). `
          : 'No good checkpoint had been written. ') +
        'Lower the learning rate and start over with --restart (a resumed run keeps its settings)',
    );
  }
}

/** Why `model`'s state is unhealthy (non-finite, or exploded weights), or null when it is healthy. */
export function divergenceOf(model: nn.Module): string | null {
  const bad = nonFiniteTensors(model.stateDict());
  if (bad.length > 0) return `non-finite values (NaN/Inf) in ${describeNonFinite(bad)}`;
  let worst: { name: string; value: number } | null = null;
  for (const [name, p] of model.namedParameters()) {
    if (p.numel === 0) continue;
    const v = tidy(() => noGrad(() => p.abs().max().item()));
    if (v > MAX_ABS_WEIGHT && (worst === null || v > worst.value)) worst = { name, value: v };
  }
  if (worst === null) return null;
  return `weights exploded: |${worst.name}| reaches ${worst.value.toExponential(2)} (limit ${MAX_ABS_WEIGHT})`;
}

/** Throws DivergedError naming `lastGood` when `model` is unhealthy. */
export function assertHealthy(model: nn.Module, what: string, lastGood: string | null): void {
  const reason = divergenceOf(model);
  if (reason !== null) throw new DivergedError(reason, lastGood, what);
}

/**
 * saveCheckpoint for a healthy state only: a diverged state (model, optimiser state or extra tensors) throws
 * DivergedError and the file on disk, the last good checkpoint, is left as it was.
 */
export function saveGoodCheckpoint(file: string, parts: CheckpointParts, what = 'training'): void {
  const lastGood = existsSync(file) ? file : null;
  if (parts.model) assertHealthy(parts.model, what, lastGood);
  try {
    saveCheckpoint(file, parts);
  } catch (e) {
    if (!(e instanceof NonFiniteStateError)) throw e;
    throw new DivergedError(`non-finite values (NaN/Inf) in ${describeNonFinite(e.tensors)}`, lastGood, what);
  }
}
