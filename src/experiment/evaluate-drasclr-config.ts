/**
 * The settings of `medcl evaluate-drasclr` (evaluate-drasclr.ts), validated whole before any work starts, and what
 * the evaluation returns.
 */
import { z } from 'zod';
import { outcomeSpecSchema, type OutcomeReport } from '../eval/outcomes/index.js';
import type { PatchLabels } from '../data/patch-labels.js';
import type { PatchCVResult } from '../eval/patch-cv.js';
import type { PatchFinetuneCVResult } from '../eval/patch-finetune-cv.js';

/** The evaluation's settings (`medcl evaluate-drasclr`'s options); defaults are the paper's where it gives them. */
export const evaluateDrasclrSchema = z
  .strictObject({
    /** the pre-training run folder */
    run: z.string().min(1),
    out: z.string().min(1),
    /** manifest to evaluate on (default: the run's data) */
    data: z.string().min(1).optional(),
    /** patient-grouped cross-validation folds (paper: 5) and their seed (also the random-init encoder's) */
    folds: z.number().int().min(2).default(5),
    seed: z.number().int().min(0).default(0),
    /** outcome fields of the manifest items' meta (default: the lung CT phantoms') */
    outcomes: outcomeSpecSchema.optional(),
    /** also evaluate a randomly initialised encoder */
    randomBaseline: z.boolean().default(true),
    /** patch classification: label values that are lesion (phantoms: [3]) and the positive-patch rule */
    lesionLabels: z.array(z.number().int().min(0)).min(1).default([3]),
    minLesionFraction: z.number().gt(0).max(1).optional(),
    /** full fine-tuning settings (src/eval/patch-finetune.ts defaults otherwise) */
    finetune: z
      .strictObject({
        epochs: z.number().int().positive().optional(),
        lr: z.number().positive().optional(),
        batchSize: z.number().int().positive().optional(),
        labelFraction: z.number().gt(0).max(1).optional(),
      })
      .default({}),
    /** patch classification and dense prediction (false: data without lesion labels) */
    patches: z.boolean().default(true),
    /** scans to dense-predict (0 = none) and the window grid step in voxels (paper: 1) */
    denseScans: z.number().int().min(0).default(2),
    denseStep: z.number().int().positive().default(4),
  })
  .meta({ title: 'DrasCLR evaluation settings' });

export type EvaluateDrasclrConfig = z.output<typeof evaluateDrasclrSchema>;
export type EvaluateDrasclrOptions = z.input<typeof evaluateDrasclrSchema> & { log?: (line: string) => void };

export interface PatchSchemes {
  linear: PatchCVResult;
  finetune: PatchFinetuneCVResult;
}

export interface DenseOutput {
  id: string;
  probability: string;
  mask: string;
  lesionFraction: number;
  dice: number | null;
}

export interface DrasclrEvaluation {
  out: string;
  outcomes: { pretrained: OutcomeReport; random: OutcomeReport | null };
  patchLabels: PatchLabels['counts'] | null;
  patches: { pretrained: PatchSchemes; random: PatchSchemes | null } | null;
  dense: DenseOutput[];
  markdown: string;
}
