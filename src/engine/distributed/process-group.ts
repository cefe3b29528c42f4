/**
 * A process group (libtorch's c10d ProcessGroupGloo) and its collectives on CPU tensors. Every collective blocks
 * until all ranks took part, or throws once `timeoutMs` passes or a peer's connection drops (a killed rank), with
 * libtorch's message. Every rank must call the same collectives in the same order with tensors of the same shape.
 *
 * ```ts
 * const pg = ProcessGroup.gloo(store, { rank, worldSize: 2 });
 * pg.allReduce_(grad, 'avg');
 * const all = pg.allGather(z); // (worldSize * n, ...) rank-major
 * ```
 */
import { N, type Handle } from '../native.js';
import { Tensor } from '../tensor.js';
import { DEFAULT_TIMEOUT_MS, type Store } from './store.js';

export type ReduceOp = 'sum' | 'avg' | 'max' | 'min' | 'product';

export interface GlooOptions {
  rank: number;
  worldSize: number;
  /** each collective's (and the rendezvous's) timeout; default 300 000 ms */
  timeoutMs?: number;
  /** the address this rank's Gloo transport binds to (default: the machine's hostname, loopback if it resolves to none) */
  hostname?: string;
  /** Gloo's worker threads (default 2, as torch) */
  threads?: number;
}

/** the backends this build of the addon has ('gloo' where Gloo's headers were present; never 'nccl' on Debian) */
export function distributedBackends(): string[] {
  return N.distributedBackends() as string[];
}

function checkRank(rank: number, worldSize: number): void {
  if (!Number.isInteger(worldSize) || worldSize < 1)
    throw new RangeError(`ProcessGroup: worldSize: expected an integer >= 1, got ${worldSize}`);
  if (!Number.isInteger(rank) || rank < 0 || rank >= worldSize)
    throw new RangeError(`ProcessGroup: rank: expected an integer in 0..${worldSize - 1}, got ${rank}`);
}

function handlesOf(tensors: Tensor | Tensor[]): Handle[] {
  return (Array.isArray(tensors) ? tensors : [tensors]).map((t) => t.handle);
}

export class ProcessGroup {
  readonly rank: number;
  readonly worldSize: number;
  /** how long each collective waits before throwing (set at creation; may be changed between collectives) */
  timeoutMs: number;

  private constructor(
    private readonly handle: object,
    timeoutMs: number,
  ) {
    this.rank = N.pgRank(handle) as number;
    this.worldSize = N.pgSize(handle) as number;
    this.timeoutMs = timeoutMs;
  }

  /** Joins the Gloo group of `worldSize` ranks meeting at `store` (blocks until all joined or the timeout). */
  static gloo(store: Store, o: GlooOptions): ProcessGroup {
    checkRank(o.rank, o.worldSize);
    const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const h = N.pgGloo(store.handle, o.rank, o.worldSize, timeoutMs, o.hostname ?? null, o.threads ?? 2) as object;
    return new ProcessGroup(h, timeoutMs);
  }

  /** Reduces each tensor over the ranks, in place (contiguous tensors; 'avg' = sum / worldSize). */
  allReduce_(tensors: Tensor | Tensor[], op: ReduceOp = 'sum'): void {
    N.pgAllReduce(this.handle, handlesOf(tensors), op, this.timeoutMs);
  }

  /** The ranks' tensors (equal shapes) concatenated along dim 0, rank 0's first; no gradient. */
  allGather(t: Tensor): Tensor {
    return new Tensor(N.pgAllGather(this.handle, t.handle, this.timeoutMs) as Handle);
  }

  /**
   * As `allGather`, with a gradient (torch.distributed.nn.all_gather): the backward sums the gradient of the
   * gathered tensor over the ranks and returns this rank's rows of it. When every rank computes the same loss from
   * the gathered rows, that is worldSize x the single-process gradient of its rows, which gradient averaging
   * over the ranks turns back into the single-process gradient. Every rank must run the backward.
   */
  allGatherWithGrad(t: Tensor): Tensor {
    return new Tensor(N.pgAllGatherGrad(this.handle, t.handle, this.timeoutMs) as Handle);
  }

  /** Copies rank `root`'s tensors into every rank's, in place (contiguous tensors of equal shapes). */
  broadcast_(tensors: Tensor | Tensor[], root = 0): void {
    N.pgBroadcast(this.handle, handlesOf(tensors), root, this.timeoutMs);
  }

  /** Waits until every rank reached its barrier. */
  barrier(): void {
    N.pgBarrier(this.handle, this.timeoutMs);
  }

  /** Leaves the group (joins Gloo's threads); later calls throw. */
  shutdown(): void {
    N.pgShutdown(this.handle);
  }
}
