/**
 * The experiment configuration (`medcl experiment --config exp.json`): methods × label budgets M × folds, in the
 * semi-supervised setting (pre-train and fine-tune on one data set) or transfer (pre-train on A, fine-tune and test
 * on B). Defaults follow CL-TCI's protocol: 5 folds, M ∈ {10, 20, 50, 100, 150, all} labelled patients.
 */
import { z } from 'zod';
import { settingSchema } from '../eval/protocol/settings.js';

const budget = z.union([z.number().int().positive(), z.literal('all')]);

export const experimentSchema = z
  .object({
    name: z.string().default('experiment'),
    /** the manifest fine-tuning and testing use (and pre-training, in the semi-supervised setting) */
    data: z.string().min(1),
    /** transfer: the manifest pre-training uses */
    pretrainData: z.string().optional(),
    out: z.string().min(1),
    preset: z.enum(['xray', 'ct-pcl', 'ct-polycl']).default('xray'),
    size: z.number().int().min(16).default(256),
    spacing: z.number().positive().optional(),
    /** method names; 'random' = no pre-training */
    methods: z.array(z.string().min(1)).min(1).default(['random', 'simclr', 'cltci-simclr']),
    budgets: z.array(budget).min(1).default([10, 20, 50, 100, 150, 'all']),
    budgetUnit: z.enum(['patient', 'image']).default('patient'),
    folds: z.number().int().min(2).default(5),
    /** run only the first n folds (each fold is still one of `folds`) */
    runFolds: z.number().int().positive().optional(),
    seed: z.number().int().min(0).default(0),
    /** images pre-training may see: only the training folds' (default) or all, test folds' unlabelled images too */
    pretrainImages: z.enum(['training-folds', 'all-images']).default('training-folds'),
    /** overrides of every method's pre-training config (epochs, batchSize, size of the encoder, ...) */
    pretrain: z.record(z.string(), z.unknown()).default({}),
    /** per-method overrides on top of `pretrain` */
    methodOverrides: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
    /** fine-tuning config (see src/train/finetune.ts) */
    finetune: z.record(z.string(), z.unknown()).default({}),
    /** fraction of the labelled patients held out for checkpoint selection */
    validationFraction: z.number().gt(0).lt(1).default(0.2),
    /** prediction overlays per method (fold 0, largest M) */
    overlays: z.number().int().min(0).default(3),
    /** t-SNE of encoder features per method (fold 0) */
    tsne: z.boolean().default(true),
    cacheDir: z.string().optional(),
  })
  .strict();

export type ExperimentConfig = z.infer<typeof experimentSchema>;
export type ExperimentInput = z.input<typeof experimentSchema>;

export function parseExperimentConfig(input: unknown, source = 'experiment config'): ExperimentConfig {
  const r = experimentSchema.safeParse(input);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${source}: ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`invalid experiment configuration:\n${lines.join('\n')}`);
  }
  return r.data;
}

// the setting schema is re-exported for configs that want to state it explicitly
export { settingSchema };
