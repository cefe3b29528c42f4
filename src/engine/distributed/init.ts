/**
 * Joining a group the way torch.distributed.init_process_group('gloo', init_method='env://') does: rank, world size
 * and the rendezvous address from options or from the RANK / WORLD_SIZE / MASTER_ADDR / MASTER_PORT / LOCAL_RANK
 * environment (what `medcl ... --nproc-per-node` and torchrun set), a TCPStore served by rank 0, then Gloo.
 */
import { ProcessGroup } from './process-group.js';
import { DEFAULT_TIMEOUT_MS, Store } from './store.js';

export interface DistributedEnv {
  rank: number;
  worldSize: number;
  /** the rank among the processes of this machine */
  localRank: number;
  masterAddr: string;
  masterPort: number;
}

function intVar(env: NodeJS.ProcessEnv, name: string, min: number): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min)
    throw new Error(`distributed: ${name}: expected an integer >= ${min}, got "${raw}"`);
  return v;
}

/**
 * The distributed settings in `env` (default process.env), or null when WORLD_SIZE is unset (a single process).
 * Throws naming the variable when one is malformed or missing.
 */
export function distributedEnv(env: NodeJS.ProcessEnv = process.env): DistributedEnv | null {
  const worldSize = intVar(env, 'WORLD_SIZE', 1);
  if (worldSize === undefined) return null;
  const rank = intVar(env, 'RANK', 0);
  if (rank === undefined) throw new Error('distributed: WORLD_SIZE is set but RANK is not');
  if (rank >= worldSize) throw new Error(`distributed: RANK ${rank} is not below WORLD_SIZE ${worldSize}`);
  const masterPort = intVar(env, 'MASTER_PORT', 1) ?? 29500;
  if (masterPort > 65535) throw new Error(`distributed: MASTER_PORT: expected a port number, got ${masterPort}`);
  return {
    rank,
    worldSize,
    localRank: intVar(env, 'LOCAL_RANK', 0) ?? rank,
    masterAddr: env['MASTER_ADDR'] || '127.0.0.1',
    masterPort,
  };
}

export interface InitOptions extends Partial<DistributedEnv> {
  /** 'gloo' (the only backend of Debian's libtorch: it has no NCCL) */
  backend?: 'gloo';
  timeoutMs?: number;
  /** rendezvous through a FileStore at this path instead of a TCPStore (all ranks on one file system) */
  storeFile?: string;
}

export interface Distributed extends DistributedEnv {
  group: ProcessGroup;
  store: Store;
}

function isLoopback(addr: string): boolean {
  return addr === 'localhost' || addr.startsWith('127.') || addr === '::1';
}

/** Joins the process group described by `opts` over the environment. */
export function initProcessGroup(opts: InitOptions = {}): Distributed {
  const fromEnv = distributedEnv();
  const worldSize = opts.worldSize ?? fromEnv?.worldSize;
  const rank = opts.rank ?? fromEnv?.rank;
  if (worldSize === undefined || rank === undefined)
    throw new Error('initProcessGroup: no rank/worldSize given and RANK/WORLD_SIZE are not set');
  if ((opts.backend ?? 'gloo') !== 'gloo')
    throw new Error(`initProcessGroup: backend '${String(opts.backend)}' is not available (gloo only)`);
  const masterAddr = opts.masterAddr ?? fromEnv?.masterAddr ?? '127.0.0.1';
  const masterPort = opts.masterPort ?? fromEnv?.masterPort ?? 29500;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const store = opts.storeFile
    ? Store.file(opts.storeFile, worldSize, timeoutMs)
    : Store.tcp({ host: masterAddr, port: masterPort, isServer: rank === 0, worldSize, timeoutMs });
  // on one machine bind Gloo to loopback; across machines let libtorch pick the hostname's address
  const hostname = process.env['MEDCL_GLOO_HOSTNAME'] || (isLoopback(masterAddr) ? '127.0.0.1' : undefined);
  const group = ProcessGroup.gloo(store, { rank, worldSize, timeoutMs, ...(hostname ? { hostname } : {}) });
  return {
    rank,
    worldSize,
    localRank: opts.localRank ?? fromEnv?.localRank ?? rank,
    masterAddr,
    masterPort,
    group,
    store,
  };
}
