/**
 * What a finished cell of results.jsonl was computed with. Each record carries `configHash`: the SHA-256 of every
 * setting that affects the cells of its method (run-config.ts): the content of the data manifests, preprocessing,
 * folds, seed, label budget unit, selection and validation split, which images pre-training sees, the method's
 * resolved pre-training config (but for its folder, cache, checkpoint frequency, device and loading settings) and
 * the resolved fine-tuning config (but for `hausdorff` and device). The budgets list, the methods list, runFolds,
 * overlays, t-SNE, the name and the loading settings (`loaderWorkers`: the same numbers in any number of threads) do
 * not change a cell, so adding a budget, a method or a fold, or loading in other threads, reuses the finished cells.
 * `cell-configs.json` keeps the settings behind each hash, so that a rerun with other settings is refused naming the
 * fields that differ (or, with --restart, starts afresh).
 *
 * A cell whose fine-tuning diverged (NaN guard, exploded or non-finite weights) is recorded in `failed.jsonl` with
 * the reason, never in results.jsonl, and the experiment stops with the error.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigChangedError, configDifferences, configIdentity, type ConfigIdentity } from '../train/run-config.js';
import { NonFiniteLossError } from '../train/run-state.js';
import { DivergedError } from '../train/state-guard.js';
import { RANDOM, type ExperimentPlan } from './plan.js';
import type { CellRecord } from './records.js';

const CONFIGS = 'cell-configs.json';
const FAILED = 'failed.jsonl';

function fileHash(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** The identity of the cells of `method` under `plan`. */
export function cellIdentity(plan: ExperimentPlan, method: string): ConfigIdentity {
  const { cfg } = plan;
  const pcfg = method === RANDOM ? null : plan.pretrain.get(method);
  // the device computes the same cells (up to rounding), the loading settings the same numbers: no part of their
  // identity (pre-training gets the experiment's data set, read in its own `loaderWorkers` threads)
  const {
    out: _o,
    cacheDir: _c,
    checkpointEvery: _k,
    data: _d,
    device: _v,
    loaderWorkers: _w,
    loaderCacheMiB: _m,
    ...pretrain
  } = pcfg ?? { out: '', data: '' };
  const { hausdorff: _h, device: _fv, ...finetune } = plan.finetune;
  const fields = {
    method,
    data: fileHash(cfg.data),
    pretrainData: cfg.pretrainData !== undefined ? fileHash(cfg.pretrainData) : null,
    preset: cfg.preset,
    size: cfg.size,
    spacing: cfg.spacing ?? null,
    folds: cfg.folds,
    seed: cfg.seed,
    budgetUnit: cfg.budgetUnit,
    selection: cfg.selection,
    validationFraction: cfg.validationFraction ?? null,
    validationPatients: cfg.validationPatients ?? null,
    pretrainImages: cfg.pretrainImages,
    pretrain: pcfg ? pretrain : null,
    finetune,
  };
  return configIdentity(fields, { mayChange: [] });
}

/** the pre-training config's loading settings, which earlier versions counted in a cell's identity */
const LOADING_FIELDS = ['pretrain.loaderWorkers', 'pretrain.loaderCacheMiB'];

/**
 * Whether a record's `hash` stands for the cells of `id`: the same hash, or settings recorded in cell-configs.json
 * that differ from `id`'s in the pre-training config's loading settings alone (a hash of an earlier version)
 */
function sameCells(hash: string, id: ConfigIdentity, known: Record<string, unknown>): boolean {
  if (hash === id.hash) return true;
  const before = known[hash];
  return before !== undefined && configDifferences(before, id.fields).every((d) => LOADING_FIELDS.includes(d.field));
}

/**
 * The identity of every method's cells; refuses (ConfigChangedError, naming the fields) when a finished or failed
 * cell of a planned method was computed with other settings; records the identities in cell-configs.json. Records
 * without a hash (earlier versions) are returned for the caller to flag.
 */
export function checkCellConfigs(plan: ExperimentPlan, out: string, records: readonly CellRecord[]) {
  const ids = new Map(plan.cfg.methods.map((m) => [m, cellIdentity(plan, m)]));
  const file = path.join(out, CONFIGS);
  const known = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  const stale = records.filter((r) => {
    const id = ids.get(r.method);
    return id !== undefined && r.configHash !== undefined && !sameCells(r.configHash, id, known);
  });
  if (stale.length > 0) {
    const first = stale[0]!;
    const diffs = configDifferences(known[first.configHash!] ?? {}, ids.get(first.method)!.fields);
    const methods = [...new Set(stale.map((r) => r.method))].join(', ');
    throw new ConfigChangedError(
      out,
      diffs.length > 0 ? diffs : [{ field: '(settings not recorded)', before: first.configHash, after: 'changed' }],
      `experiment: ${stale.length} finished cell(s) of ${methods} in results.jsonl were computed with other ` +
        `settings (the first: ${first.method} M=${first.M} fold ${first.fold})`,
    );
  }
  for (const id of ids.values()) known[id.hash] = id.fields;
  writeFileSync(file, JSON.stringify(known, null, 2) + '\n');
  return { ids, unverified: records.filter((r) => r.configHash === undefined).length };
}

export interface FailedCell {
  method: string;
  M: CellRecord['M'];
  fold: number;
  configHash?: string;
  reason: string;
}

export function readFailed(out: string): FailedCell[] {
  const file = path.join(out, FAILED);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as FailedCell];
      } catch {
        return []; // a line cut by a kill: the cell simply runs again
      }
    });
}

/**
 * Runs one cell; a divergence is appended to failed.jsonl and rethrown as an error naming the cell. Other errors
 * pass unchanged.
 */
export async function guardCell<T>(out: string, cell: Omit<FailedCell, 'reason'>, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (!(e instanceof DivergedError || e instanceof NonFiniteLossError)) throw e;
    const failure: FailedCell = { ...cell, reason: e.message };
    appendFileSync(path.join(out, FAILED), JSON.stringify(failure) + '\n');
    throw new Error(
      `experiment: cell ${cell.method} M=${cell.M} fold ${cell.fold} failed and has no result (recorded in ` +
        `${path.join(out, FAILED)}): ${e.message}`,
      { cause: e },
    );
  }
}
