/**
 * Learning-rate schedules, stepped once per optimiser step (or per epoch, as the caller decides).
 * Each keeps its step counter in a state dict for exact resume.
 */
import type { Optimizer } from './optimizer.js';

export abstract class LRScheduler {
  /** steps taken so far */
  t = 0;
  readonly baseLrs: number[];
  constructor(protected readonly optimizer: Optimizer<{ lr: number }>) {
    this.baseLrs = optimizer.groups.map((g) => g.lr);
  }
  /** The learning rate of a group whose base rate is `base`, at step t. */
  abstract lrAt(t: number, base: number): number;
  /** Advances one step and sets the optimiser's rates. */
  step(): void {
    this.t += 1;
    this.apply();
  }
  currentLrs(): number[] {
    return this.baseLrs.map((b) => this.lrAt(this.t, b));
  }
  /** Sets the optimiser's rates for the current step (subclass constructors call it once, as PyTorch does). */
  protected apply(): void {
    this.optimizer.setLr(this.currentLrs());
  }
  stateDict(): { t: number; baseLrs: number[] } {
    return { t: this.t, baseLrs: [...this.baseLrs] };
  }
  loadStateDict(s: { t: number; baseLrs: number[] }): void {
    this.t = s.t;
    this.baseLrs.splice(0, this.baseLrs.length, ...s.baseLrs);
    this.apply();
  }
}

/**
 * Linear warm-up then cosine decay (SimCLR/MoCo-v2 style; CL-TCI uses 10 warm-up epochs):
 * t < warmup: lr = base * (t + 1) / warmup;  then lr = min + (base - min) * (1 + cos(pi * (t - warmup) / (total - warmup))) / 2,
 * held at `min` after `total`.
 */
export class CosineWithWarmup extends LRScheduler {
  constructor(
    optimizer: Optimizer<{ lr: number }>,
    readonly opts: { warmupSteps: number; totalSteps: number; minLr?: number },
  ) {
    if (opts.totalSteps <= 0) throw new RangeError('CosineWithWarmup: totalSteps must be > 0');
    if (opts.warmupSteps < 0 || opts.warmupSteps > opts.totalSteps) {
      throw new RangeError('CosineWithWarmup: warmupSteps must be in [0, totalSteps]');
    }
    super(optimizer);
    this.apply();
  }
  lrAt(t: number, base: number): number {
    const { warmupSteps: w, totalSteps: T } = this.opts;
    const min = this.opts.minLr ?? 0;
    if (t < w) return (base * (t + 1)) / w;
    if (t >= T) return min;
    const progress = T === w ? 1 : (t - w) / (T - w);
    return min + ((base - min) * (1 + Math.cos(Math.PI * progress))) / 2;
  }
}

/**
 * Cosine annealing with warm restarts (SGDR; PyTorch's CosineAnnealingWarmRestarts). PolyCL restarts every 10
 * epochs: period0 = 10 (in the units the caller steps), periodMult = 1.
 * lr = min + (base - min) * (1 + cos(pi * tCur / Ti)) / 2.
 */
export class CosineWarmRestarts extends LRScheduler {
  constructor(
    optimizer: Optimizer<{ lr: number }>,
    readonly opts: { period0: number; periodMult?: number; minLr?: number },
  ) {
    if (!(opts.period0 > 0)) throw new RangeError('CosineWarmRestarts: period0 must be > 0');
    if ((opts.periodMult ?? 1) < 1) throw new RangeError('CosineWarmRestarts: periodMult must be >= 1');
    super(optimizer);
    this.apply();
  }
  lrAt(t: number, base: number): number {
    const mult = this.opts.periodMult ?? 1;
    let Ti = this.opts.period0;
    let tCur = t;
    while (tCur >= Ti) {
      tCur -= Ti;
      Ti *= mult;
    }
    const min = this.opts.minLr ?? 0;
    return min + ((base - min) * (1 + Math.cos((Math.PI * tCur) / Ti))) / 2;
  }
}

/** Constant rate (a scheduler for runs without one). */
export class ConstantLR extends LRScheduler {
  constructor(optimizer: Optimizer<{ lr: number }>) {
    super(optimizer);
    this.apply();
  }
  lrAt(_t: number, base: number): number {
    return base;
  }
}
