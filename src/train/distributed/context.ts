/**
 * The data-parallel context a training loop receives: the process group and this rank's place in it. Rank 0 (the
 * "main" rank) alone writes logs, checkpoints and outputs; every rank computes.
 */
import { dist } from '../../engine/index.js';

export interface DataParallelContext {
  group: dist.ProcessGroup;
  /** the rendezvous store (kept open for the group's life; rank 0 serves it) */
  store: dist.Store;
  rank: number;
  worldSize: number;
}

/** whether this process writes outputs: rank 0 of a group, or a single process */
export function isMainRank(ctx: DataParallelContext | null | undefined): boolean {
  return !ctx || ctx.rank === 0;
}

/** refuses a global batch that the ranks cannot share equally (`what`: the command, for the message) */
export function checkGlobalBatch(what: string, batchSize: number, ctx: DataParallelContext | null | undefined): void {
  const worldSize = ctx?.worldSize ?? 1;
  if (batchSize % worldSize !== 0)
    throw new Error(`${what}: batchSize ${batchSize} (the global batch) is not a multiple of the ${worldSize} ranks`);
}

/**
 * Joins the group the environment describes (WORLD_SIZE > 1, as set by `medcl ... --nproc-per-node` or torchrun),
 * or returns null for a single process. `timeoutMs` bounds the rendezvous and every collective.
 */
export function joinFromEnvironment(timeoutMs?: number): DataParallelContext | null {
  const env = dist.distributedEnv();
  if (!env || env.worldSize === 1) return null;
  const d = dist.initProcessGroup(timeoutMs === undefined ? {} : { timeoutMs });
  return { group: d.group, store: d.store, rank: d.rank, worldSize: d.worldSize };
}

/**
 * Runs `fn` (opening the run folder: lock, checks, config.json, moving old outputs aside) on rank 0 alone, then lets
 * the other ranks go on once it is done; in one process it just runs `fn`. The other ranks get null.
 */
export function onMainFirst<T>(ctx: DataParallelContext | null | undefined, fn: () => T): T | null {
  if (!ctx) return fn();
  const result = ctx.rank === 0 ? fn() : null;
  try {
    ctx.group.barrier();
  } catch (e) {
    throw new Error(`data-parallel: rank 0 did not open the run folder (see its error): ${(e as Error).message}`);
  }
  return result;
}
