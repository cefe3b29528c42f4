/**
 * One pre-training step: forward in the run's precision, the NaN guard, backward, gradients averaged over the ranks,
 * the optimiser, the method's after-step. Its augmentation and dropout draw from a seed fixed by (seed, epoch,
 * batch), so a resumed run repeats the same steps.
 */
import { manualSeed, tidy } from '../engine/index.js';
import { autocastScope } from '../engine/precision.js';
import { onDevice } from '../engine/device.js';
import type { StepOutput } from '../methods/method.js';
import type { Batch } from '../samplers/sampler.js';
import { Rng } from '../util/rng.js';
import { checkedLoss, stepSeed } from './run-state.js';
import type { LoopState } from './pretrain-state.js';

/** What a step reports: the method's numbers (the loss as a number, the global batch's images), its lr and time. */
export interface StepRecord extends Omit<StepOutput, 'loss'> {
  /** the global batch's loss */
  value: number;
  /** the lr this step used */
  lr: number;
  seconds: number;
}

/** Runs the step of `batch` in `epoch` on the state (see the file's comment). */
export function trainStep<B extends Batch<unknown>>(s: LoopState<B>, epoch: number, batch: B): StepRecord {
  s.where = `epoch ${epoch}, batch ${batch.index}`;
  const seed = s.pt.seed(stepSeed(s.cfg.seed, epoch, batch.index));
  manualSeed(seed);
  const rng = new Rng(seed);
  const t0 = performance.now();
  s.pt.beforeForward();
  const device = s.cfg.device ?? 'cpu';
  const record = tidy(() => {
    // every tensor the step makes (its batch, masks, labels) is made on the run's device
    const o = onDevice(device, () => autocastScope(s.cfg.precision, () => s.run.step(batch, rng), device));
    const value = checkedLoss(o.loss, epoch, batch.index, s.lastCheckpoint);
    s.opt.zeroGrad();
    o.loss.backward();
    return { value, images: o.images, anchors: o.anchors, skipped: o.skipped, log: o.log };
  });
  s.pt.afterBackward();
  // the lr this step used (the scheduler's step below sets the next one)
  const lr = s.opt.groups[0]!.lr;
  s.opt.step();
  s.sched.step();
  if (s.run.afterStep) onDevice(device, () => s.run.afterStep!());
  s.step++;
  const seconds = (performance.now() - t0) / 1000;
  // the methods that gather compute the global loss on every rank; a local loss (rotation) is averaged
  const value = s.pt.mean(record.value);
  return { ...record, value, images: record.images * s.pt.worldSize, lr, seconds };
}
