/**
 * One DrasCLR step at landmark j with scans S (the sampler's patients; the steps 1–4 of drasclr.ts's comment up to
 * the optimiser): the batch's scans with missing patches substituted, two augmented views through the query and the
 * momentum encoder, the neighbours' patches at their own p_l, and L = L_l + L_n against j's queue of other patients'
 * keys. Under data parallelism the scans are chosen with one stream shared by the ranks and sharded, queries are
 * gathered with gradient and keys go through shuffled BatchNorm.
 */
import { keep, stack, tensor, tidy, type Tensor, type dist } from '../engine/index.js';
import type { DrasclrEncoder } from '../models/drasclr-encoder.js';
import type { MomentumEncoder } from '../queues/momentum.js';
import type { LandmarkBanks } from '../queues/landmark-banks.js';
import type { LandmarkBatchSampler, LandmarkBatch } from '../samplers/landmark-batches.js';
import { drasclrLocalLoss, drasclrNeighbourLoss } from '../losses/drasclr.js';
import { twoViews } from '../transforms/compose.js';
import type { Transform } from '../transforms/batch.js';
import type { LandmarkPatchDataset } from '../data/landmark-patches.js';
import type { DrasclrConfig } from './drasclr-config.js';
import type { StepOutput } from './method.js';
import { Rng } from '../util/rng.js';
import { stepSeed } from '../util/step-seed.js';
import { globalItems, shardItems } from '../samplers/distributed.js';
import { gatherStacked, shuffledKeys } from './distributed.js';
import { normalizeEmbeddings } from '../losses/float32.js';

/** a step's numbers for the log, beyond the loss */
export interface DrasclrStepLog extends Record<string, number | null> {
  /** the batch's landmark j */
  landmark: number;
  local: number;
  neighbour: number | null;
  /** queries without any negative (empty or same-patient queue): left out of the losses */
  withoutNegatives: number;
  /** scans replaced because they had no patch at the batch's landmark */
  substituted: number;
}

/** `images`: the patches that went through the encoders */
export type DrasclrStepOutput = StepOutput & { log: DrasclrStepLog };

/**
 * The batch's scans at `landmark`: scans without a patch there are replaced by scans that have one, not yet in the
 * batch where possible (drawn from `rng`), else repeated.
 */
export function batchScansFor(
  dataset: Pick<LandmarkPatchDataset, 'has' | 'scansWith'>,
  items: readonly number[],
  landmark: number,
  rng: Rng,
): { scans: number[]; substituted: number } {
  const available = dataset.scansWith(landmark);
  if (available.length === 0) throw new Error(`drasclr: no scan has a patch at landmark ${landmark}`);
  const scans = items.filter((s) => dataset.has(s, landmark));
  const missing = items.length - scans.length;
  for (let m = 0; m < missing; m++) {
    const unused = available.filter((s) => !scans.includes(s));
    const pool = unused.length > 0 ? unused : available;
    scans.push(pool[rng.int(0, pool.length)]!);
  }
  return { scans, substituted: missing };
}

/** the run's pieces: the data, its config, the encoders, banks, sampler and augmentation */
export interface DrasclrParts {
  dataset: LandmarkPatchDataset;
  cfg: DrasclrConfig;
  group: dist.ProcessGroup | undefined;
  encoder: DrasclrEncoder;
  momentum: MomentumEncoder<DrasclrEncoder>;
  banks: LandmarkBanks;
  sampler: LandmarkBatchSampler;
  augment: Transform;
  /** landmark l's location p */
  loc: (l: number) => number[];
}

/** unit embeddings of patches at landmark l: the query encoder's, or (key) the momentum encoder's */
function embedUnit(parts: DrasclrParts, x: Tensor, l: number, key: boolean): Tensor {
  const { momentum, encoder, loc } = parts;
  return tidy(() => normalizeEmbeddings(key ? momentum.forwardKey(x, loc(l)) : encoder.forward(x, loc(l))));
}

/** a step's scans: the global batch's (the same on every rank) and this rank's share, with the collectives */
interface StepScans {
  scans: number[];
  mine: number[];
  substituted: number;
  /** the draws every rank shares (the step's rng without a group) */
  shared: Rng;
  shardOf: <T>(xs: T[]) => T[];
  gather: (z: Tensor) => Tensor;
}

function stepScans(parts: DrasclrParts, batch: LandmarkBatch, rng: Rng): StepScans {
  const { group, cfg } = parts;
  const shared = group ? new Rng(stepSeed(cfg.seed ^ 0x5b1e, batch.epoch, batch.index)) : rng;
  const { scans, substituted } = batchScansFor(parts.dataset, globalItems(batch), batch.landmark, shared);
  const shardOf = <T>(xs: T[]): T[] => (group ? shardItems(xs, group.rank, group.worldSize).local : xs);
  const gather = (z: Tensor): Tensor => (group ? gatherStacked(group, z, 1) : z);
  return { scans, mine: shardOf(scans), substituted, shared, shardOf, gather };
}

/**
 * L_n over the batch's neighbouring landmarks: each scan's patch at l augmented once through the query encoder with
 * p_l. A scan without a patch at l contributes its anchor patch as a placeholder and leaves L_n (its row invalid).
 */
function neighbourLoss(
  parts: DrasclrParts,
  batch: LandmarkBatch,
  s: StepScans,
  k: Tensor,
  negatives: { keys: Tensor; mask: Tensor },
  rng: Rng,
): Tensor | null {
  if (batch.neighbours.length === 0) return null;
  const { dataset, augment, cfg } = parts;
  const complete = s.scans.map(() => true);
  const r = batch.neighbours.map((l) => {
    const source = s.scans.map((scan, i) => {
      if (dataset.has(scan, l)) return l;
      complete[i] = false;
      return batch.landmark;
    });
    const xl = augment.apply({ image: dataset.batch(s.mine, s.shardOf(source)) }, rng).image;
    return s.gather(embedUnit(parts, xl, l, false));
  });
  const valid = negatives.mask.logicalAnd(tensor(complete, { dtype: 'bool' }).unsqueeze(1));
  return drasclrNeighbourLoss(stack(r, 1), k, negatives.keys, {
    temperature: cfg.tau,
    valid,
    neighbourForm: cfg.neighbourForm,
  });
}

/** One step at landmark j (the file comment's 1–4, up to the optimiser); `keys`: what afterStep enqueues. */
export function drasclrStep(
  parts: DrasclrParts,
  batch: LandmarkBatch,
  rng: Rng,
): { output: DrasclrStepOutput; keys: { landmark: number; keys: Tensor; ids: number[] } } {
  const { dataset, augment, banks, momentum, cfg, loc, group } = parts;
  const j = batch.landmark;
  const s = stepScans(parts, batch, rng);
  const b = s.mine.length;
  const views = twoViews({ image: dataset.batch(s.mine, j) }, augment, rng).image;
  const q = s.gather(embedUnit(parts, views.slice(0, 0, b), j, false));
  const xk = views.slice(0, b, 2 * b);
  const k = group
    ? shuffledKeys(group, xk, s.shared, (v) => normalizeEmbeddings(momentum.key.forward(v, loc(j))))
    : embedUnit(parts, xk, j, true);
  const ids = s.scans.map((scan) => dataset.patientIds[scan]!);
  const negatives = banks.negativesFor(j, ids);
  const local = drasclrLocalLoss(q, k, negatives.keys, { temperature: cfg.tau, valid: negatives.mask });
  const neighbour = neighbourLoss(parts, batch, s, k, negatives, rng);
  const withoutNegatives = negatives.mask.any(1).logicalNot().sum().item();
  const log = { landmark: j, local: local.item(), neighbour: neighbour ? neighbour.item() : null, withoutNegatives };
  return {
    output: {
      loss: neighbour ? local.add(neighbour) : local,
      images: b * (2 + batch.neighbours.length),
      log: { ...log, substituted: s.substituted },
    },
    keys: { landmark: j, keys: keep(k.detach().clone()), ids },
  };
}
