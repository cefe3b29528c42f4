/**
 * The fidelity bench's settings: PCL's Table 1 protocol (Random, Rotation, PIRL, SimCLR, GCL, PCL; M labelled
 * volumes; k-fold over patients; semi-supervised and transfer) at a scale a 2-core machine finishes in about an hour.
 * Every method gets the same data, encoder, augmentation, fine-tuning schedule and seeds; only the pre-training
 * differs.
 *
 * Cut down from the paper (and stated in docs/fidelity.md): 64x64 slices instead of 352-512, a 4-stage U-Net 16..128,
 * pre-training for 8 epochs instead of 200; fine-tuning with Adam 1e-3 and Dice + CE (the paper: CE at 5e-5) for 10
 * epochs of at least 60 steps (600 steps for M <= 4, about 1000 with every label), WITHOUT augmentation: with the
 * paper's rotation and scale, no initialisation learned the small organs within this budget (Random with every label
 * 0.37-0.47 Dice; 0.73 without augmentation, measured while choosing). Pre-training views use the paper's
 * augmentation (translation, rotation, scale) for every method.
 */
import type { ExperimentInput } from '../../src/experiment/config.js';

export type Scale = 'bench' | 'quick';

export interface FidelityScale {
  labelled: number;
  unlabelled: number;
  source: number;
  shape: [number, number, number];
  size: number;
  widths: number[];
  folds: number;
  budgets: (number | 'all')[];
  transferBudgets: (number | 'all')[];
  pretrain: Record<string, unknown>;
  finetune: Record<string, unknown>;
}

export const SCALES: Record<Scale, FidelityScale> = {
  bench: {
    labelled: 12,
    unlabelled: 24,
    source: 36,
    shape: [64, 128, 128],
    size: 64,
    widths: [16, 32, 64, 128],
    folds: 3,
    budgets: [1, 2, 4, 'all'],
    transferBudgets: [1, 2],
    pretrain: { epochs: 8, batchSize: 32, lr: 0.1, warmupEpochs: 0, tau: 0.1, augment: 'pcl' },
    finetune: { epochs: 10, minStepsPerEpoch: 60, batchSize: 5, lr: 1e-3, loss: 'dice-ce', augment: 'none' },
  },
  // a smoke test of the whole pipeline in a few minutes; its numbers mean nothing
  quick: {
    labelled: 6,
    unlabelled: 3,
    source: 6,
    shape: [24, 48, 48],
    size: 32,
    widths: [4, 8],
    folds: 3,
    budgets: [1, 2, 'all'],
    transferBudgets: [1],
    pretrain: { epochs: 1, batchSize: 8, lr: 0.1, warmupEpochs: 0, tau: 0.1, augment: 'pcl' },
    finetune: { epochs: 1, minStepsPerEpoch: 2, batchSize: 4, lr: 1e-3, loss: 'dice-ce', augment: 'none' },
  },
};

export const SEMI_METHODS = ['random', 'rotation', 'pirl', 'simclr', 'gcl', 'pcl'];
/** Random pre-trains nothing, so its transfer cells are its semi-supervised cells (same data, folds, seeds) */
export const TRANSFER_METHODS = ['simclr', 'gcl', 'pcl'];

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
