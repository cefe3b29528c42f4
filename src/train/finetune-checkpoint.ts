/**
 * Fine-tuning's resume state: model, optimiser and schedule position, the losses so far and the selection state
 * (with the best weights), written atomically to <out>/checkpoint.safetensors. Resuming with the same config gives
 * the result of an uninterrupted run; a checkpoint made under another schedule shape or another config (its
 * identity, run-config.ts, is stored in the checkpoint) is refused, naming the fields. Only a healthy state is
 * written (state-guard.ts).
 */
import path from 'node:path';
import { loadCheckpoint, type nn, type optim, type Tensor } from '../engine/index.js';
import type { CheckpointSelection, SelectionState } from './finetune-selection.js';
import type { FinetuneConfig } from './finetune-config.js';
import { ConfigChangedError, configDifferences, configIdentity, type ConfigIdentity } from './run-config.js';
import { saveGoodCheckpoint } from './state-guard.js';

export interface FinetuneProgress {
  /** epochs done */
  epoch: number;
  losses: number[];
}

interface Extra extends SelectionState {
  epoch: number;
  losses: number[];
  /** absent in checkpoints of earlier versions */
  stepsPerEpoch?: number;
  selection?: FinetuneConfig['selection'];
  /** the config's identity (absent in checkpoints of earlier versions) */
  configHash?: string;
  config?: Record<string, unknown>;
}

/**
 * The identity of a fine-tuning config: all of it but `hausdorff` (test evaluation only), `device` (a run resumes on any device), and `epochs` where the
 * schedule does not depend on the total; `init` compared as an absolute path.
 */
export function finetuneIdentity(cfg: FinetuneConfig): ConfigIdentity {
  const epochsFree = cfg.schedule === 'constant' || cfg.schedule === 'cosine-restarts';
  return configIdentity(cfg, {
    mayChange: ['hausdorff', 'device', ...(epochsFree ? ['epochs'] : [])],
    paths: ['init'],
  });
}

export interface FinetuneShape {
  stepsPerEpoch: number;
  selection: FinetuneConfig['selection'];
  identity: ConfigIdentity;
}

export interface FinetuneParts {
  model: nn.Module;
  opt: optim.Optimizer<{ lr: number }>;
  sched: optim.LRScheduler;
  selection: CheckpointSelection;
}

export function saveFinetuneCheckpoint(
  file: string,
  parts: FinetuneParts,
  progress: FinetuneProgress,
  shape: FinetuneShape,
): void {
  const tensors = new Map<string, Tensor>();
  for (const [k, t] of parts.selection.bestWeights()) tensors.set(`best.${k}`, t);
  const { identity, ...rest } = shape;
  const extra: Extra = {
    ...parts.selection.state(),
    ...progress,
    ...rest,
    configHash: identity.hash,
    config: identity.fields,
  };
  const all = { model: parts.model, optimizer: parts.opt, scheduler: parts.sched, tensors, extra };
  saveGoodCheckpoint(file, all, 'finetune');
}

/** Restores the parts from a checkpoint; returns the progress it holds. */
export function loadFinetuneCheckpoint(file: string, parts: FinetuneParts, shape: FinetuneShape): FinetuneProgress {
  const ck = loadCheckpoint(file);
  const extra = ck.extra as Extra;
  if (extra.configHash !== undefined && extra.configHash !== shape.identity.hash) {
    for (const t of [...ck.model.values(), ...ck.tensors.values()]) t.dispose();
    const diffs = configDifferences(extra.config ?? {}, shape.identity.fields);
    throw new ConfigChangedError(path.dirname(file), diffs, 'finetune');
  }
  for (const k of ['stepsPerEpoch', 'selection'] as const) {
    if (extra[k] !== undefined && extra[k] !== shape[k])
      throw new Error(
        `finetune: ${file} was written with ${k} ${JSON.stringify(extra[k])}, this run has ` +
          `${JSON.stringify(shape[k])}; use another out folder, or delete it to start over`,
      );
  }
  parts.model.loadStateDict(ck.model);
  // optimiser state and schedule position from the checkpoint; hyper-parameters from this call's config (as pretrain)
  const hyper = parts.opt.groups.map(({ params: _params, ...h }) => h);
  if (ck.optimizer) parts.opt.loadStateDict(ck.optimizer);
  parts.opt.groups.forEach((g, i) => Object.assign(g, hyper[i]));
  if (ck.scheduler) parts.sched.loadStateDict({ t: ck.scheduler.t, baseLrs: [...parts.sched.baseLrs] });
  parts.selection.restore(extra, ck.tensors);
  return { epoch: extra.epoch, losses: extra.losses };
}
