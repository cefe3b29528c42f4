/**
 * The experiment configuration (`medcl experiment --config exp.json`): methods × label budgets M × folds, in the
 * semi-supervised setting (pre-train and fine-tune on one data set) or transfer (pre-train on A, fine-tune and test
 * on B). Defaults follow CL-TCI's protocol: 5 folds, M ∈ {10, 20, 50, 100, 150, all}, a fixed fine-tuning schedule
 * whose last epoch is kept (no labels beyond M). docs/protocol.md explains every protocol field.
 */
import { z } from 'zod';
import { settingSchema } from '../eval/protocol/settings.js';
import type { BudgetUnit } from '../eval/protocol/budget.js';
import { parseConfig } from '../util/parse-config.js';
import { deviceField } from '../engine/device.js';

const budget = z.union([z.number().int().positive(), z.literal('all')]);

export const PRESETS = ['xray', 'ct-pcl', 'ct-polycl'] as const;
export type ExperimentPreset = (typeof PRESETS)[number];

export const experimentSchema = z
  .object({
    name: z.string().default('experiment'),
    /** the manifest fine-tuning and testing use (and pre-training, in the semi-supervised setting) */
    data: z.string().min(1),
    /** transfer: the manifest pre-training uses */
    pretrainData: z.string().optional(),
    out: z.string().min(1),
    preset: z.enum(PRESETS).default('xray'),
    size: z.number().int().min(16).default(256),
    spacing: z.number().positive().optional(),
    /** method names of src/methods/registry.ts; 'random' = no pre-training */
    methods: z.array(z.string().min(1)).min(1).default(['random', 'simclr', 'cltci-simclr']),
    budgets: z.array(budget).min(1).default([10, 20, 50, 100, 150, 'all']),
    /** what M counts; default from the preset: 'image' for 'xray' (CL-TCI counts images), 'patient' for CT */
    budgetUnit: z.enum(['patient', 'image']).optional(),
    folds: z.number().int().min(2).default(5),
    /** run only the first n folds (each fold is still one of `folds`) */
    runFolds: z.number().int().positive().optional(),
    seed: z.number().int().min(0).default(0),
    /**
     * images pre-training may see: every image except those of the fold's test patients ('training-folds', default;
     * unlabelled items and patients in no fold included), or every image of the data set ('all-images')
     */
    pretrainImages: z.enum(['training-folds', 'all-images']).default('training-folds'),
    /**
     * the encoder every method pre-trains and every fine-tuning run (Random included) uses: 'unet' (default; with a
     * PolyCL method in the experiment, PolyCL's U-Net for all) or 'deeplabv3plus' (ResNet-50). Default: 'unet', or
     * 'deeplabv3plus' when `finetune.model` says so.
     */
    backbone: z.enum(['unet', 'deeplabv3plus']).optional(),
    /** overrides of every method's pre-training config (epochs, batchSize, size of the encoder, ...) */
    pretrain: z.record(z.string(), z.unknown()).default({}),
    /** per-method overrides on top of `pretrain` */
    methodOverrides: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
    /** a paper's fine-tuning recipe (src/train/finetune-recipes.ts) that `finetune` then overrides */
    finetuneRecipe: z.enum(['cltci', 'pcl', 'polycl']).optional(),
    /** fine-tuning config (src/train/finetune-config.ts), on top of `finetuneRecipe` */
    finetune: z.record(z.string(), z.unknown()).default({}),
    /**
     * which fine-tuned weights are tested: 'last' (default; the fixed schedule's last epoch, no labels beyond M) or
     * 'inner-validation' (the epoch with the best Dice on validation patients drawn OUTSIDE M from the fold's
     * training part; their number is stated with the results)
     */
    selection: z.enum(['last', 'inner-validation']).default('last'),
    /** 'inner-validation': fraction of the fold's training patients held out for validation (default 0.2) */
    validationFraction: z.number().gt(0).lt(1).optional(),
    /** 'inner-validation': this many validation patients per fold (instead of validationFraction) */
    validationPatients: z.number().int().positive().optional(),
    /** prediction overlays per method (fold 0, largest M) */
    overlays: z.number().int().min(0).default(3),
    /** t-SNE of encoder features per method (fold 0) */
    tsne: z.boolean().default(true),
    /**
     * where every pre-training and fine-tuning run computes: 'cpu' (default), 'cuda' or 'cuda:N'; resolved once when
     * the experiment starts (src/engine/device.ts); `pretrain.device` / `finetune.device` must agree if set
     */
    device: deviceField,
    cacheDir: z.string().optional(),
    /**
     * threads that read and preprocess the data sets' items (docs/data-loading.md): 0 = on the main thread; default
     * one per core the main thread leaves over, 1 to 4. The data sets are held in memory either way. A loading
     * setting: it changes no number and is no part of a cell's identity, so a resumed experiment may change it
     */
    loaderWorkers: z.number().int().min(0).optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.selection === 'last') {
      for (const k of ['validationFraction', 'validationPatients'] as const) {
        if (c[k] !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: [k],
            message: "only applies to selection 'inner-validation' (selection 'last' uses no validation labels)",
          });
      }
    }
    if (c.validationFraction !== undefined && c.validationPatients !== undefined)
      ctx.addIssue({ code: 'custom', path: ['validationPatients'], message: 'give validationFraction or this' });
    if (new Set(c.methods).size !== c.methods.length)
      ctx.addIssue({ code: 'custom', path: ['methods'], message: 'a method is listed twice' });
    for (const m of Object.keys(c.methodOverrides)) {
      if (!c.methods.includes(m))
        ctx.addIssue({ code: 'custom', path: ['methodOverrides', m], message: `"${m}" is not in methods` });
    }
  })
  .transform((c) => ({ ...c, budgetUnit: c.budgetUnit ?? defaultBudgetUnit(c.preset) }))
  .meta({ title: 'experiment configuration' });

export type ExperimentConfig = z.output<typeof experimentSchema>;
export type ExperimentInput = z.input<typeof experimentSchema>;

/** CL-TCI (chest X-rays) counts labelled images; PCL and PolyCL (CT) count patients/volumes (docs/protocol.md §2) */
export function defaultBudgetUnit(preset: ExperimentPreset): BudgetUnit {
  return preset === 'xray' ? 'image' : 'patient';
}

export function parseExperimentConfig(input: unknown, source = 'experiment config'): ExperimentConfig {
  return parseConfig(experimentSchema, input, source);
}

// the setting schema is re-exported for configs that want to state it explicitly
export { settingSchema };
