/**
 * Pre-training runs of an experiment, one per (method, fold) or one per method for all folds.
 *
 * The images pre-training sees (pretrainImageItems): in transfer, every image of the pre-training data set; in the
 * semi-supervised setting every image of the data set except those of the fold's TEST patients ('training-folds':
 * unlabelled items, and patients in no fold because they have no label, included), or every image ('all-images').
 *
 * Where the fold does not change those images (transfer, 'all-images'), pre-training runs ONCE per method with seed
 * `seed` and every fold reuses its encoder. The run folder is pretrain/<method>/shared-<key>, the key a SHA-256 of
 * the resolved pre-training config (without out, cacheDir, device and the loading settings) and of the pre-training
 * manifest's content, so a run is reused exactly when it would be recomputed identically, also by a later experiment
 * in the same folder.
 * Otherwise the run of fold k is pretrain/<method>/fold<k> with seed `seed + k`.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { SliceDataset } from '../data/slice-dataset.js';
import type { Fold } from '../eval/protocol/kfold.js';
import { canonicalJson } from '../preprocess/cache.js';
import { pretrain } from '../train/pretrain.js';
import { resolvePretrainConfig } from '../methods/resolve-config.js';
import type { PretrainConfig } from '../methods/config.js';
import type { ExperimentConfig } from './config.js';
import type { EncoderRef } from './records.js';
import { pretrainInputFor, type ExperimentPlan } from './plan.js';

export interface EncoderRun {
  method: string;
  /** encoder.safetensors of the run */
  file: string;
  pcfg: PretrainConfig;
  ref: EncoderRef;
}

export interface PretrainContext {
  plan: ExperimentPlan;
  /** the experiment folder (absolute) */
  out: string;
  cacheDir: string;
  /** the data set pre-training reads (the evaluation data set, or pretrainData's in transfer) */
  dataset: SliceDataset;
  /** sha256 of the pre-training manifest's text */
  manifestHash: string;
  log: (line: string) => void;
  progress?: 'bar' | 'lines' | 'quiet';
}

/** true when every fold pre-trains on the same images */
export function pretrainShared(cfg: ExperimentConfig): boolean {
  return cfg.pretrainData !== undefined || cfg.pretrainImages === 'all-images';
}

/** The manifest items pre-training may read for `fold` (see the file comment). */
export function pretrainImageItems(ds: SliceDataset, cfg: ExperimentConfig, fold: Fold): Set<number> {
  const test = new Set(pretrainShared(cfg) ? [] : fold.test);
  return new Set(ds.samples.filter((s) => !test.has(s.patient)).map((s) => s.item));
}

/** the cache key of a shared run: the resolved config without out/cacheDir/device/loading settings, and the data */
export function sharedRunKey(pcfg: PretrainConfig, manifestHash: string): string {
  const { out: _o, cacheDir: _c, data: _d, device: _v, loaderWorkers: _w, loaderCacheMiB: _m, ...rest } = pcfg;
  const text = canonicalJson({ pretrain: rest, manifest: manifestHash });
  return createHash('sha256').update(text).digest('hex');
}

export class PretrainRuns {
  private readonly shared = new Map<string, EncoderRun>();

  constructor(private readonly ctx: PretrainContext) {}

  /** The encoder of `method` for `fold`, pre-training it first when `needed` and not on disk. */
  async encoderFor(method: string, fold: Fold, needed: boolean): Promise<EncoderRun> {
    const { plan, out, cacheDir } = this.ctx;
    const shared = pretrainShared(plan.cfg);
    if (shared && this.shared.has(method)) return this.shared.get(method)!;
    const seed = shared ? plan.cfg.seed : plan.cfg.seed + fold.index;
    const base = resolvePretrainConfig(pretrainInputFor(plan, method, { out, seed, cacheDir }));
    const key = shared ? sharedRunKey(base, this.ctx.manifestHash) : undefined;
    const dir = path.join(out, 'pretrain', method, key ? `shared-${key.slice(0, 12)}` : `fold${fold.index}`);
    const pcfg = { ...base, out: dir };
    const file = path.join(dir, 'encoder.safetensors');
    if (needed && !existsSync(file)) {
      const ds = this.ctx.dataset.subset(pretrainImageItems(this.ctx.dataset, plan.cfg, fold));
      const where = shared ? 'once for all folds' : `fold ${fold.index}:`;
      this.ctx.log(
        `${shared ? `pre-training ${method} ${where}` : `${where} pre-training ${method}`} on ${ds.length} images ` +
          `(${pcfg.epochs} epochs)`,
      );
      await pretrain(pcfg, { dataset: ds, progress: this.ctx.progress });
    }
    const ref: EncoderRef = {
      run: path.relative(out, dir).split(path.sep).join('/'),
      scope: shared ? 'shared' : 'fold',
      ...(key ? { key } : {}),
    };
    const run: EncoderRun = { method, file, pcfg, ref };
    if (shared && existsSync(file)) this.shared.set(method, run);
    return run;
  }
}
