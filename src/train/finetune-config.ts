/**
 * The fine-tuning configuration (zod): defaults are CL-TCI's recipe (Zeng et al. 2021, §IV-A: Adam 5e-5,
 * batch 10, 200 epochs, cosine, cross-entropy); the other papers' recipes are in finetune-recipes.ts.
 */
import { z } from 'zod';
import { encoderSchema } from '../methods/config.js';
import { precisionField } from '../engine/precision.js';
import { deviceField } from '../engine/device.js';
import { parseConfig } from '../util/parse-config.js';

export const FINETUNE_AUGMENTS = ['cltci', 'pcl', 'polycl', 'none'] as const;
export type FinetuneAugment = (typeof FINETUNE_AUGMENTS)[number];

/** old configs said `augment: true | false`: true was CL-TCI's pipeline, false none */
const augmentField = z
  .union([z.boolean().transform((b): FinetuneAugment => (b ? 'cltci' : 'none')), z.enum(FINETUNE_AUGMENTS)])
  .default('cltci');

/** the fields, without the checks across fields (finetuneChecks): what a fine-tuning run config extends */
export const finetuneFields = z
  .object({
    model: z.enum(['unet', 'deeplabv3plus', 'polycl-unet']).default('unet'),
    encoder: encoderSchema.default({ widths: [32, 64, 128, 256, 512], norm: 'batch', slope: 0.01, dropout: 0 }),
    /** encoder weights (encoder.safetensors of a pre-training run); absent = random initialisation */
    init: z.string().optional(),
    /** CL-TCI: 200 epochs, batch 10, Adam 5e-5 (the reference code used 1e-4) */
    epochs: z.number().int().positive().default(200),
    batchSize: z.number().int().positive().default(10),
    lr: z.number().positive().default(5e-5),
    weightDecay: z.number().min(0).default(0),
    loss: z.enum(['ce', 'dice', 'dice-ce']).default('ce'),
    /**
     * joint image + label augmentation (src/transforms/augment.ts): 'cltci' rotation, translation, scale, intensity and a
     * flip that swaps the manifest's left/right classes; 'pcl' translation, rotation, scale only; 'polycl' and 'none'
     * no augmentation (PolyCL fine-tunes without). `true` / `false` (old configs) mean 'cltci' / 'none'.
     */
    augment: augmentField,
    /**
     * scales the augmentation's rotation and zoom ranges: 1 (default) is the preset's (PCL: full circle, 0.7-1.3;
     * CL-TCI: ±30°, 1-1.03), 0.1 a tenth of the angle and of the zoom's distance from 1
     */
    augmentStrength: z.number().gt(0).max(1).default(1),
    /** 'cosine' (CL-TCI, PCL), 'cosine-restarts' every `restartEpochs` (PolyCL: 10), or 'constant' */
    schedule: z.enum(['cosine', 'cosine-restarts', 'constant']).default('cosine'),
    restartEpochs: z.number().int().positive().default(10),
    /**
     * an epoch is max(ceil(n / batchSize), minStepsPerEpoch) steps (reshuffled passes over the training ids), so a
     * small labelled set is not starved of steps (nnU-Net fixes 250 iterations per epoch)
     */
    minStepsPerEpoch: z.number().int().min(1).default(1),
    /**
     * the weights kept: 'last' (the papers' fixed schedules: the last epoch; split.val is ignored) or
     * 'best-validation' (the epoch with the best mean Dice on split.val, which must be non-empty)
     */
    selection: z.enum(['last', 'best-validation']).default('last'),
    /** 'best-validation': evaluate every N epochs; both: write the checkpoint every N epochs (and at the end) */
    evaluateEvery: z.number().int().positive().default(1),
    /** 'best-validation' only: stop when validation Dice has not improved for this many evaluations (0 = never) */
    earlyStopPatience: z.number().int().min(0).default(0),
    /**
     * a class absent from both the reference and the prediction of a case: 'exclude' (nnU-Net's rule) leaves it out
     * of that case's mean; 'perfect' counts it as Dice 1 (and HD95 0)
     */
    absentClasses: z.enum(['exclude', 'perfect']).default('exclude'),
    /** also compute HD95 on the test set (mm with a physical spacing, else pixels: CaseResult.hd95Unit) */
    hausdorff: z.boolean().default(true),
    seed: z.number().int().min(0).default(0),
    /**
     * 'fp32' (the default; MEDCL_PRECISION changes it), 'bf16-mixed', or 'auto'; kept as said here and resolved when
     * the run starts (src/engine/precision.ts), whose config.json holds the precision used
     */
    precision: precisionField,
    /**
     * where the run computes: 'cpu' (default), 'cuda' or 'cuda:N'; resolved when the run starts
     * (src/engine/device.ts: a CUDA device this libtorch does not see is refused), config.json holds the one used
     */
    device: deviceField,
  })
  .strict();

/** the checks across fields of a fine-tuning config */
export function finetuneChecks(c: z.output<typeof finetuneFields>, ctx: z.RefinementCtx): void {
  if (c.selection === 'last' && c.earlyStopPatience > 0)
    ctx.addIssue({
      code: 'custom',
      path: ['earlyStopPatience'],
      message: "needs selection 'best-validation' (with 'last' nothing is validated)",
    });
}

export const finetuneSchema = finetuneFields.superRefine(finetuneChecks).meta({ title: 'fine-tuning configuration' });

export type FinetuneConfig = z.infer<typeof finetuneSchema>;
export type FinetuneInput = z.input<typeof finetuneSchema>;

export function parseFinetuneConfig(input: unknown, source = 'config'): FinetuneConfig {
  return parseConfig(finetuneSchema, input, source);
}
