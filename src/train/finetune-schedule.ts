/**
 * The fine-tuning schedule: how many steps an epoch has, which training ids each step sees, and the learning-rate
 * schedule over those steps. All of it is a pure function of (config, training ids, epoch), so a resumed run sees
 * exactly the batches and rates of an uninterrupted one.
 */
import { optim } from '../engine/index.js';
import { Rng } from '../util/rng.js';
import { stepSeed } from './run-state.js';
import type { FinetuneConfig } from './finetune-config.js';

/** the batch index whose stepSeed keys an epoch's first shuffle (far above any real batch index) */
const SHUFFLE_STREAM = 1 << 20;

/** steps per epoch: max(ceil(n / batch), minStepsPerEpoch) (nnU-Net: a fixed number of iterations per epoch) */
export function finetuneStepsPerEpoch(trainSize: number, batchSize: number, minStepsPerEpoch: number): number {
  return Math.max(Math.ceil(trainSize / batchSize), minStepsPerEpoch);
}

/**
 * The batches of one epoch. One pass (the default, when ceil(n / batch) steps are at least minStepsPerEpoch): the
 * ids reshuffled, the last batch smaller when batch does not divide n. More steps than one pass gives: reshuffled
 * passes concatenated and cut into full batches (a batch that spans two passes may hold an id twice; with n < batch
 * every batch does, as sampling with replacement would).
 */
export function finetuneEpochBatches(
  train: readonly number[],
  cfg: Pick<FinetuneConfig, 'batchSize' | 'minStepsPerEpoch' | 'seed'>,
  epoch: number,
): number[][] {
  const n = train.length;
  const b = cfg.batchSize;
  const steps = finetuneStepsPerEpoch(n, b, cfg.minStepsPerEpoch);
  const pass = (p: number) =>
    new Rng(stepSeed(cfg.seed, epoch, SHUFFLE_STREAM + p)).permutation(n).map((i) => train[i]!);
  const order: number[] = [];
  const want = steps === Math.ceil(n / b) ? n : steps * b;
  for (let p = 0; order.length < want; p++) order.push(...pass(p));
  return Array.from({ length: steps }, (_, s) => order.slice(s * b, Math.min((s + 1) * b, want)));
}

/**
 * The learning-rate schedule, stepped once per optimiser step: 'cosine' decays from lr to 0 over all steps with no
 * warm-up (CL-TCI §IV-A, PCL §4.1: Adam with a cosine scheduler); 'cosine-restarts' restarts every restartEpochs
 * epochs (PolyCL §3: "warm restarts after every 10 epochs"); 'constant' keeps lr.
 */
export function buildFinetuneScheduler(
  cfg: Pick<FinetuneConfig, 'schedule' | 'restartEpochs' | 'epochs'>,
  opt: optim.Optimizer<{ lr: number }>,
  stepsPerEpoch: number,
): optim.LRScheduler {
  if (cfg.schedule === 'constant') return new optim.ConstantLR(opt);
  if (cfg.schedule === 'cosine-restarts')
    return new optim.CosineWarmRestarts(opt, { period0: cfg.restartEpochs * stepsPerEpoch });
  return new optim.CosineWithWarmup(opt, { warmupSteps: 0, totalSteps: cfg.epochs * stepsPerEpoch });
}
