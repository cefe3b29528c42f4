/**
 * The fidelity bench's settings: PCL's Table 1 protocol (Random, Rotation, PIRL, SimCLR, GCL, PCL; M labelled
 * volumes; k-fold over patients; semi-supervised and transfer). Every method gets the same data, encoder,
 * augmentation, fine-tuning schedule and seeds; only the pre-training differs. The scales:
 *
 * - `hour` (the default): the settings the sweeps arrived at (96 px, 32 pre-training epochs, 1,600 fine-tuning steps
 *   for every M), Random and PCL only, M = 1 and 2: PCL's central claim in about 50 minutes on 2 cores.
 * - `table1`: the same settings, all of Table 1 (six rows, M = 1, 2, 4, all, and the transfer setting): 5-6 hours.
 * - `small`: the bench's first scale (64 px, 8 pre-training epochs, 600-1,000 steps), which did not show PCL's gain;
 *   the sweeps (sweep.ts) start from it and change one budget at a time.
 * - `quick`: a smoke test of the pipeline; its numbers mean nothing.
 *
 * Cut down from the paper (and stated in docs/fidelity.md): 64-96 px slices instead of 352-512, a 4-stage U-Net
 * 16..128, 8-32 pre-training epochs instead of 200; fine-tuning with Adam 1e-3 and Dice + CE (the paper: CE at 5e-5),
 * the paper's augmentation (translation, rotation, scale) at a tenth of its strength (`augmentStrength` 0.1) at
 * 96 px, none at 64 px: at full strength no initialisation learned the small organs within these budgets (Random with
 * every label 0.37-0.47 Dice at 64 px; 0.73 without augmentation), and without any Random with every label stayed at
 * 0.79 on seed 1 by over-fitting its eight volumes (0.84 at strength 0.1; seed 0 0.84 either way). Pre-training
 * views use the paper's augmentation at full strength for every method.
 */
import type { ExperimentInput } from '../../src/experiment/config.js';

export const SCALE_NAMES = ['hour', 'table1', 'small', 'quick'] as const;
export type Scale = (typeof SCALE_NAMES)[number];

export interface FidelityScale {
  labelled: number;
  unlabelled: number;
  source: number;
  shape: [number, number, number];
  size: number;
  widths: number[];
  folds: number;
  /** the semi-supervised rows (Random first) */
  methods: string[];
  budgets: (number | 'all')[];
  /** the transfer rows (none: no transfer setting) */
  transferMethods: string[];
  transferBudgets: (number | 'all')[];
  pretrain: Record<string, unknown>;
  finetune: Record<string, unknown>;
}

const ALL_METHODS = ['random', 'rotation', 'pirl', 'simclr', 'gcl', 'pcl'];
/** Random pre-trains nothing, so its transfer cells are its semi-supervised cells (same data, folds, seeds) */
const TRANSFER_METHODS = ['simclr', 'gcl', 'pcl'];

const SMALL: FidelityScale = {
  labelled: 12,
  unlabelled: 24,
  source: 36,
  shape: [64, 128, 128],
  size: 64,
  widths: [16, 32, 64, 128],
  folds: 3,
  methods: ALL_METHODS,
  budgets: [1, 2, 4, 'all'],
  transferMethods: TRANSFER_METHODS,
  transferBudgets: [1, 2],
  pretrain: { epochs: 8, batchSize: 32, lr: 0.1, warmupEpochs: 0, tau: 0.1, augment: 'pcl' },
  finetune: { epochs: 10, minStepsPerEpoch: 60, batchSize: 5, lr: 1e-3, loss: 'dice-ce', augment: 'none' },
};

/**
 * What the sweeps measured (docs/fidelity.md): 96 px slices (the small organs are a few pixels wide at 64), 32
 * pre-training epochs, 1,600 fine-tuning steps for every M (the steps one volume needs to fit the small organs;
 * 10 epochs of at least 160 steps, so M = all gets 1,600 too), and mild fine-tuning augmentation for every method
 * (the lowest strength measured that let Random with every label learn the task on both seeds; chosen on Random
 * alone, before the M = 1, 2 comparisons were run with it), the phantoms and folds of the small scale.
 */
const TABLE1: FidelityScale = {
  ...SMALL,
  size: 96,
  pretrain: { ...SMALL.pretrain, epochs: 32 },
  finetune: { ...SMALL.finetune, minStepsPerEpoch: 160, augment: 'pcl', augmentStrength: 0.1 },
};

export const SCALES: Record<Scale, FidelityScale> = {
  hour: { ...TABLE1, methods: ['random', 'pcl'], budgets: [1, 2], transferMethods: [] },
  table1: TABLE1,
  small: SMALL,
  quick: {
    labelled: 6,
    unlabelled: 3,
    source: 6,
    shape: [24, 48, 48],
    size: 32,
    widths: [4, 8],
    folds: 3,
    methods: ALL_METHODS,
    budgets: [1, 2, 'all'],
    transferMethods: TRANSFER_METHODS,
    transferBudgets: [1],
    pretrain: { epochs: 1, batchSize: 8, lr: 0.1, warmupEpochs: 0, tau: 0.1, augment: 'pcl' },
    finetune: { epochs: 1, minStepsPerEpoch: 2, batchSize: 4, lr: 1e-3, loss: 'dice-ce', augment: 'none' },
  },
};

/** One experiment shard: a subset of the methods, the same folds and seeds as every other shard of its setting. */
export function experimentInput(
  s: FidelityScale,
  setting: 'semi' | 'transfer',
  methods: string[],
  data: { target: string; source: string },
  out: string,
  seed: number,
): ExperimentInput {
  const encoder = { widths: s.widths };
  return {
    name: setting === 'semi' ? 'fidelity: semi-supervised' : 'fidelity: transfer',
    data: data.target,
    ...(setting === 'transfer' ? { pretrainData: data.source } : {}),
    out,
    preset: 'ct-pcl',
    size: s.size,
    methods,
    budgets: setting === 'semi' ? s.budgets : s.transferBudgets,
    budgetUnit: 'patient',
    folds: s.folds,
    seed,
    // PCL pre-trains on "the whole CHD" without labels: every image of the data set, once for all folds
    pretrainImages: 'all-images',
    selection: 'last',
    pretrain: { ...s.pretrain, encoder },
    finetune: { ...s.finetune, encoder, hausdorff: true },
    overlays: 0,
    tsne: false,
  } as ExperimentInput;
}
