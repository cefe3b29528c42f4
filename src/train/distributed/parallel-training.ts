/**
 * What a training loop does differently on several ranks, in one place: the sampler is sharded, each rank draws its
 * own augmentation stream, rank 0's state is copied to every rank at the start, gradients are averaged after the
 * backward, BatchNorm running statistics follow rank 0, a logged value is averaged over the ranks, and only rank 0
 * writes. With no context (one process) every method is the identity, so the loop has one code path.
 */
import { tensor, tidy, type nn } from '../../engine/index.js';
import { DistributedSampler, shardItems } from '../../samplers/distributed.js';
import type { Batch, Sampler } from '../../samplers/sampler.js';
import { stepSeed } from '../run-state.js';
import type { DataParallelContext } from './context.js';
import { DataParallel } from './data-parallel.js';

export class ParallelTraining {
  readonly worldSize: number;
  readonly rank: number;
  private readonly ddp: DataParallel | null;
  private readonly everything: nn.Module | null;

  /**
   * @param trained the optimised modules (their gradients are averaged)
   * @param everything all checkpointed modules (trained and frozen: a momentum encoder), copied from rank 0 by `start`
   */
  constructor(
    readonly ctx: DataParallelContext | null,
    trained: nn.Module,
    everything: nn.Module = trained,
  ) {
    this.worldSize = ctx?.worldSize ?? 1;
    this.rank = ctx?.rank ?? 0;
    this.ddp = ctx ? new DataParallel(ctx.group, trained) : null;
    this.everything = ctx ? everything : null;
  }

  /** rank 0, or the only process: the one that writes logs, checkpoints and outputs */
  get isMain(): boolean {
    return this.rank === 0;
  }

  /** the rank's shards of `sampler`'s global batches (other batch fields kept) */
  sampler<T, B extends Batch<T>>(sampler: Sampler<T> & { epoch(e: number): B[] }): { epoch(e: number): B[] } {
    return this.ctx ? new DistributedSampler<T, B>(sampler, this.rank, this.worldSize) : sampler;
  }

  /** refuses to resume `file`, written on `saved` ranks (absent: 1), on another number of ranks */
  checkResume(file: string, saved: number | undefined): void {
    if ((saved ?? 1) !== this.worldSize)
      throw new Error(`${file} was written by a run on ${saved ?? 1} rank(s); resume it with the same number`);
  }

  /** this rank's contiguous share of a global batch (padded to a multiple of the world size) */
  shard<T>(items: readonly T[]): T[] {
    return this.ctx ? shardItems(items, this.rank, this.worldSize).local : [...items];
  }

  /** this rank's step seed: the run's for rank 0 (so one rank draws what one process draws), mixed for the others */
  seed(seed: number): number {
    return this.rank === 0 ? seed : stepSeed(seed, this.rank, 0x2545);
  }

  /**
   * Copies rank 0's modules to every rank after building them and loading any checkpoint. Every rank reads the same
   * checkpoint (the output folder must be on a file system all ranks see), so optimiser state and method state
   * (queues) agree too; throws on a rank whose `resumeStep` (-1: fresh) differs from another's.
   */
  start(resumeStep: number): void {
    if (!this.ctx || !this.everything) return;
    const steps = tidy(() => {
      const t = tensor([resumeStep, -resumeStep], { dtype: 'float64' });
      this.ctx!.group.allReduce_(t, 'max');
      return t.toArray();
    });
    if (steps[0] !== resumeStep || -steps[1]! !== resumeStep)
      throw new Error(
        `data-parallel: rank ${this.rank} would resume at step ${resumeStep} but another rank at ` +
          `${steps[0] === resumeStep ? -steps[1]! : steps[0]}; every rank must see the same output folder ` +
          '(a file system shared by the machines)',
      );
    new DataParallel(this.ctx.group, this.everything).broadcastState();
  }

  /** after the backward: average the gradients over the ranks */
  afterBackward(): void {
    this.ddp?.syncGradients();
  }

  /** before the forward: BatchNorm running statistics from rank 0 (DDP's broadcast_buffers) */
  beforeForward(): void {
    this.ddp?.broadcastBuffers();
  }

  /** the mean over the ranks of a number each rank computed (a local loss, for the log) */
  mean(value: number): number {
    if (!this.ctx) return value;
    return tidy(() => {
      const t = tensor([value], { dtype: 'float64' });
      this.ctx!.group.allReduce_(t, 'avg');
      return t.item();
    });
  }

  /**
   * A collective's failure (a rank died, or did not answer within the timeout) as an error that says so and where;
   * other errors unchanged.
   */
  explain(e: unknown, where: string): unknown {
    if (!this.ctx || !(e instanceof Error) || !/^pg[A-Z]\w*: /.test(e.message)) return e;
    return new Error(
      `data-parallel: rank ${this.rank} of ${this.worldSize} lost the other ranks at ${where} (one stopped, or did ` +
        `not answer within ${this.ctx.group.timeoutMs} ms); stopping. Resume from the last checkpoint with the ` +
        `same number of ranks. Cause: ${e.message}`,
    );
  }
}
