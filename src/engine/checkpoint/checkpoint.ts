/**
 * Training checkpoints in one safetensors file: model tensors under "model/", optimiser state under "optim/",
 * and JSON (optimiser hyper-parameters, scheduler, RNG states, the caller's `extra`) in the metadata.
 * Written atomically, so a crash mid-write leaves the previous checkpoint intact. Only finite state is written or
 * read: a parameter, buffer (BatchNorm running statistics included), optimiser state or extra tensor holding NaN or
 * ±Infinity makes saving and loading throw NonFiniteStateError (unless `allowNonFinite`), so a checkpoint on disk is
 * always one a run can resume from.
 */
import type { Module } from '../nn/module.js';
import type { Optimizer, OptimizerState } from '../optim/optimizer.js';
import type { LRScheduler } from '../optim/schedulers.js';
import type { Tensor } from '../tensor.js';
import { loadSafetensors, saveSafetensors } from './safetensors.js';
import { NonFiniteStateError, nonFiniteTensors } from './finite.js';

export interface CheckpointParts {
  model?: Module;
  optimizer?: Optimizer<{ lr: number }>;
  scheduler?: LRScheduler;
  /** extra tensors (e.g. generator states, queues) */
  tensors?: Map<string, Tensor>;
  /** any JSON-serialisable data (epoch, step, config, RNG words) */
  extra?: unknown;
  /** write even when some tensor holds NaN/Inf (default: refuse) */
  allowNonFinite?: boolean;
}

export interface LoadedCheckpoint {
  model: Map<string, Tensor>;
  optimizer: OptimizerState | null;
  scheduler: { t: number; baseLrs: number[] } | null;
  tensors: Map<string, Tensor>;
  extra: unknown;
}

const FORMAT = 'medcl-checkpoint-1';

export function saveCheckpoint(file: string, parts: CheckpointParts): void {
  const all = new Map<string, Tensor>();
  if (parts.model) for (const [k, t] of parts.model.stateDict()) all.set(`model/${k}`, t);
  const opt = parts.optimizer?.stateDict();
  if (opt) for (const [k, t] of opt.tensors) all.set(`optim/${k}`, t);
  if (parts.tensors) for (const [k, t] of parts.tensors) all.set(`extra/${k}`, t);
  if (!parts.allowNonFinite) {
    const bad = nonFiniteTensors(all);
    if (bad.length > 0) throw new NonFiniteStateError(file, bad, 'save');
  }
  const meta = {
    format: FORMAT,
    optimizer: opt?.json ?? null,
    scheduler: parts.scheduler?.stateDict() ?? null,
    extra: parts.extra ?? null,
  };
  saveSafetensors(file, all, { medcl: JSON.stringify(meta) });
}

export function loadCheckpoint(
  file: string,
  opts: { device?: string; allowNonFinite?: boolean } = {},
): LoadedCheckpoint {
  const { tensors, metadata } = loadSafetensors(file, opts);
  if (!opts.allowNonFinite) {
    const bad = nonFiniteTensors(tensors);
    if (bad.length > 0) {
      for (const t of tensors.values()) t.dispose();
      throw new NonFiniteStateError(file, bad, 'load');
    }
  }
  let meta: {
    format?: string;
    optimizer: OptimizerState['json'] | null;
    scheduler: LoadedCheckpoint['scheduler'];
    extra: unknown;
  };
  try {
    meta = JSON.parse(metadata['medcl'] ?? '{}');
  } catch {
    throw new Error(`checkpoint: ${file}: metadata "medcl" is not valid JSON`);
  }
  if (meta.format !== FORMAT)
    throw new Error(`checkpoint: ${file}: not a medcl checkpoint (format ${String(meta.format)})`);
  const model = new Map<string, Tensor>();
  const optim = new Map<string, Tensor>();
  const extra = new Map<string, Tensor>();
  for (const [k, t] of tensors) {
    if (k.startsWith('model/')) model.set(k.slice(6), t);
    else if (k.startsWith('optim/')) optim.set(k.slice(6), t);
    else if (k.startsWith('extra/')) extra.set(k.slice(6), t);
  }
  return {
    model,
    optimizer: meta.optimizer ? { tensors: optim, json: meta.optimizer } : null,
    scheduler: meta.scheduler,
    tensors: extra,
    extra: meta.extra,
  };
}
