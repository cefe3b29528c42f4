/**
 * Data parallelism as torch's DistributedDataParallel does it, without its overlap of communication and backward:
 * every rank holds a replica; at the start rank 0's parameters and buffers are copied to every rank; after each
 * backward the gradients are averaged over the ranks in buckets (flattened per dtype up to `bucketBytes`, one
 * all-reduce per bucket), so every replica takes the same optimiser step. Buffers (BatchNorm running statistics)
 * are copied from rank 0 before each step, as DDP's `broadcast_buffers=True`: each rank's batch statistics are its
 * own (no SyncBatchNorm), the running statistics are rank 0's.
 *
 * ```ts
 * const ddp = new DataParallel(group, model);
 * ddp.broadcastState();
 * loss.backward();
 * ddp.syncGradients();
 * opt.step();
 * ```
 */
import { cat, noGrad, tensor, tidy, zerosLike, type nn, type Tensor, type dist } from '../../engine/index.js';

/** 25 MiB, torch DDP's default bucket */
export const DEFAULT_BUCKET_BYTES = 25 * 1024 * 1024;

const BYTES: Record<string, number> = { float64: 8, int64: 8, float32: 4, int32: 4, bfloat16: 2, float16: 2 };

/**
 * Runs `fn` on flat copies of `tensors` (grouped by dtype, at most `bucketBytes` each, order kept) and copies each
 * flat buffer back into its tensors. Every rank must pass tensors of the same shapes in the same order.
 */
export function coalesced(tensors: readonly Tensor[], bucketBytes: number, fn: (flat: Tensor) => void): void {
  const buckets: Tensor[][] = [];
  const open = new Map<string, { list: Tensor[]; bytes: number }>();
  for (const t of tensors) {
    const bytes = t.numel * (BYTES[t.dtype] ?? 1);
    let b = open.get(t.dtype);
    if (!b || (b.bytes > 0 && b.bytes + bytes > bucketBytes)) {
      b = { list: [], bytes: 0 };
      open.set(t.dtype, b);
      buckets.push(b.list);
    }
    b.list.push(t);
    b.bytes += bytes;
  }
  for (const list of buckets) {
    tidy(() => {
      const flat = cat(list.map((t) => t.detach().reshape(-1)));
      fn(flat);
      noGrad(() => {
        let off = 0;
        for (const t of list) {
          t.copy_(flat.narrow(0, off, t.numel).view(...t.shape));
          off += t.numel;
        }
      });
    });
  }
}

export class DataParallel {
  readonly params: Tensor[];

  constructor(
    readonly group: dist.ProcessGroup,
    readonly module: nn.Module,
    readonly bucketBytes = DEFAULT_BUCKET_BYTES,
  ) {
    // reverse registration order, as DDP's buckets: the last layers' gradients are ready first
    this.params = module
      .parameters()
      .filter((p) => p.requiresGrad)
      .reverse();
  }

  /** Copies rank 0's parameters and buffers to every rank (at the start, and after loading a checkpoint). */
  broadcastState(): void {
    coalesced([...this.params, ...this.module.buffers()], this.bucketBytes, (f) => this.group.broadcast_(f, 0));
  }

  /** Copies rank 0's buffers (BatchNorm running statistics) to every rank. */
  broadcastBuffers(): void {
    const bufs = this.module.buffers();
    if (bufs.length) coalesced(bufs, this.bucketBytes, (f) => this.group.broadcast_(f, 0));
  }

  /**
   * Averages the gradients over the ranks. A parameter that got a gradient on some rank but not on this one joins
   * with zeros; one no rank touched keeps no gradient (the optimiser skips it, as in one process).
   */
  syncGradients(): void {
    tidy(() => {
      const mask = tensor(
        this.params.map((p) => (p.grad === null ? 0 : 1)),
        { dtype: 'float32' },
      );
      this.group.allReduce_(mask, 'max');
      const used = mask.data();
      const grads: Tensor[] = [];
      this.params.forEach((p, i) => {
        if (used[i] === 0) return;
        if (p.grad === null) p.grad = zerosLike(p);
        grads.push(p.grad!);
      });
      coalesced(grads, this.bucketBytes, (f) => this.group.allReduce_(f, 'avg'));
    });
  }
}
