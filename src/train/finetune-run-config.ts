/**
 * The configuration of one stand-alone fine-tuning run (`medcl finetune`): the fine-tuning config
 * (finetune-config.ts) plus where the data and the outputs are, how images are preprocessed, an optional paper
 * recipe, and which patients train, validate and test. One flat object, validated whole before any work starts and
 * written to `<out>/config.json`.
 *
 * Layers, lowest first: the schema's defaults (CL-TCI's recipe), `recipe` (finetune-recipes.ts), the settings
 * inherited from the pre-training run of `init` (finetune-init-defaults.ts), a config file, command-line options.
 */
import { z } from 'zod';
import { finetuneChecks, finetuneFields, type FinetuneInput } from './finetune-config.js';
import { parseConfig } from '../util/parse-config.js';
import { CLTCI } from '../preprocess/presets.js';
import { FINETUNE_RECIPES, type FinetuneRecipeName } from './finetune-recipes.js';

export const FINETUNE_RUN_PRESETS = ['xray', 'ct-pcl', 'ct-polycl'] as const;
export const FINETUNE_RUN_RECIPES = ['cltci', 'pcl', 'polycl'] as const;

const patients = z.array(z.string().min(1)).min(1);
const recipeField = z.enum(FINETUNE_RUN_RECIPES);

/** the fields a run adds to the fine-tuning config */
export const FINETUNE_RUN_FIELDS = [
  'data',
  'out',
  'preset',
  'size',
  'spacing',
  'recipe',
  'trainPatients',
  'valPatients',
  'testPatients',
  'cacheDir',
  'loaderWorkers',
] as const;

export const finetuneRunSchema = finetuneFields
  .extend({
    /** the manifest (docs/manifest.md) */
    data: z.string().min(1),
    /** the run folder: config.json, log.jsonl, checkpoint.safetensors, model/, results.json */
    out: z.string().min(1),
    /** preprocessing (src/data/slice-dataset.ts); default: the pre-training run's, else 'xray' */
    preset: z.enum(FINETUNE_RUN_PRESETS).default('xray'),
    /** image side after preprocessing */
    size: z.number().int().min(16).default(CLTCI.size),
    /** ct-pcl: in-plane spacing (mm) before padding to `size` */
    spacing: z.number().positive().optional(),
    /** a paper's fine-tuning recipe under the other settings (informational once resolved) */
    recipe: recipeField.optional(),
    /** patients whose labelled items train; default: every labelled patient not in valPatients/testPatients */
    trainPatients: patients.optional(),
    /** selection 'best-validation': patients whose labelled items choose the epoch */
    valPatients: patients.optional(),
    /** patients whose labelled items are tested (per-case Dice in results.json); default: none */
    testPatients: patients.optional(),
    /** on-disk cache of preprocessed volumes */
    cacheDir: z.string().optional(),
    /**
     * worker threads that read and preprocess the items before training (docs/data-loading.md; the data set is
     * then held in memory, the same bit for bit); 0 = on the main thread; default: one per core left over, 1 to 4
     */
    loaderWorkers: z.number().int().min(0).optional(),
  })
  .superRefine((c, ctx) => {
    const seen = new Map<string, string>();
    for (const field of ['trainPatients', 'valPatients', 'testPatients'] as const) {
      for (const p of c[field] ?? []) {
        const other = seen.get(p);
        if (other !== undefined && other !== field)
          ctx.addIssue({ code: 'custom', path: [field], message: `patient "${p}" is also in ${other}` });
        else seen.set(p, field);
      }
    }
    if (c.selection === 'best-validation' && c.valPatients === undefined)
      ctx.addIssue({ code: 'custom', path: ['valPatients'], message: "selection 'best-validation' needs them" });
    if (c.selection === 'last' && c.valPatients !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['valPatients'],
        message: "only used by selection 'best-validation' (selection 'last' keeps the last epoch)",
      });
    finetuneChecks(c, ctx);
  })
  .meta({ title: 'fine-tuning run configuration' });

export type FinetuneRunConfig = z.output<typeof finetuneRunSchema>;
export type FinetuneRunInput = z.input<typeof finetuneRunSchema>;

/** `input` over its `recipe`'s settings (an unknown recipe is left for the schema to report). */
export function withRecipe(input: Record<string, unknown>): Record<string, unknown> {
  const r = recipeField.safeParse(input['recipe']);
  if (!r.success) return input;
  return { ...FINETUNE_RECIPES[r.data as FinetuneRecipeName], ...input };
}

/** Validates a run config (recipe applied); every problem is listed with its field. */
export function parseFinetuneRunConfig(input: Record<string, unknown>, source = 'config'): FinetuneRunConfig {
  return parseConfig(finetuneRunSchema, withRecipe(input), source);
}

/** The fine-tuning config inside a run config (what finetune() takes). */
export function finetunePart(cfg: FinetuneRunConfig): FinetuneInput {
  const out: Record<string, unknown> = { ...cfg };
  for (const k of FINETUNE_RUN_FIELDS) delete out[k];
  return out as FinetuneInput;
}
