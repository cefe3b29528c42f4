/**
 * The DrasCLR pre-training configuration (one validated object, written next to the run's outputs). Defaults are
 * the paper's numbers (Yu et al., Medical Image Analysis 2023, §3 and §4.1; docs/methods.md §2.10) where it gives them;
 * the others are ours and say so.
 */
import { z } from 'zod';
import type { Precision } from '../engine/precision.js';
import { deviceField } from '../engine/device.js';
import { parseConfig } from '../util/parse-config.js';

export const drasclrLayerSchema = z
  .object({ out: z.number().int().positive(), stride: z.number().int().positive() })
  .strict();

export const drasclrConfigSchema = z
  .object({
    /** manifest of 3D CT scans (label maps optional: lung masks by thresholding otherwise) */
    data: z.string().min(1),
    /** output folder */
    out: z.string().min(1),
    /** restrict to these manifest items */
    items: z.array(z.number().int().min(0)).optional(),
    /** the atlas scan: a manifest item index, or an item's patient id or image file name (default: the first usable scan) */
    atlas: z.union([z.number().int().min(0), z.string().min(1)]).optional(),

    // pre-processing (paper: 1 mm isotropic, HU [-1024, 240] -> [-1, 1])
    spacing: z.number().positive().default(1),
    huMin: z.number().default(-1024),
    huMax: z.number().default(240),
    /** label values that are lung (default: every non-zero label) */
    lungLabels: z.array(z.number().int()).min(1).optional(),
    /** threshold lung masks (scans without labels): air-like below this HU (ours) */
    airThreshold: z.number().default(-400),

    // registration (elastix affine on ~2 mm lung masks; ours)
    registrationSpacing: z.number().positive().default(2),
    registrationResolutions: z.number().int().min(1).max(6).default(3),
    registrationIterations: z.number().int().positive().optional(),
    /** a scan whose registered lung Dice with the atlas is below this is skipped (ours) */
    minDice: z.number().min(0).max(1).default(0.75),

    // landmarks and patches (paper: 32³ patches, step 26 -> 581 landmarks on its atlas)
    patchSize: z.number().int().min(4).default(32),
    step: z.number().int().positive().default(26),
    /** an atlas patch becomes a landmark with at least this lung fraction (ours) */
    minLungFraction: z.number().gt(0).max(1).default(0.1),
    /** a scan's patch is dropped when less than this fraction of it lies inside the scan (ours) */
    minInsideFraction: z.number().gt(0).max(1).default(0.5),
    padding: z.enum(['constant', 'edge']).default('constant'),
    /** 'constant' padding value (-1 = -1024 HU) */
    padValue: z.number().default(-1),

    // training (paper: 20 epochs, batch 128, SGD lr 0.01 momentum 0.9 wd 1e-4, cosine, tau 0.2, m 0.999, K 4096)
    epochs: z.number().int().positive().default(20),
    batchSize: z.number().int().positive().default(128),
    lr: z.number().positive().default(0.01),
    momentum: z.number().min(0).max(1).default(0.9),
    weightDecay: z.number().min(0).default(1e-4),
    /** cosine warm-up epochs (paper: none) */
    warmupEpochs: z.number().int().min(0).default(0),
    tau: z.number().positive().default(0.2),
    ema: z.number().min(0).max(1).default(0.999),
    /** K, keys per landmark queue (a multiple of batchSize) */
    queueSize: z.number().int().positive().default(4096),
    /** storage of the queued keys (float16 halves the memory) */
    bankDtype: z.enum(['float16', 'bfloat16', 'float32']).default('float16'),
    /** ℓ, neighbouring landmarks of the neighbouring loss (paper: 2; 0 = local loss only) */
    neighbours: z.number().int().min(0).default(2),
    /** 'eq8' (the paper) or 'summedLogits' (the authors' code), see src/losses/drasclr.ts */
    neighbourForm: z.enum(['eq8', 'summedLogits']).default('eq8'),
    /** batch order: 'shuffled' (all landmarks' batches mixed) or 'grouped' (landmark after landmark) */
    order: z.enum(['shuffled', 'grouped']).default('shuffled'),

    // network (paper: Loc-CondConv with 8 experts, 128-d representation and embedding)
    conditioning: z.enum(['loc-condconv', 'none', 'concat', 'concat-features']).default('loc-condconv'),
    experts: z.number().int().positive().default(8),
    /** convolution layout (default: DRASCLR_LAYERS, the authors') */
    layers: z.array(drasclrLayerSchema).min(1).optional(),
    headHidden: z.number().int().positive().default(128),
    projectionDim: z.number().int().positive().default(128),

    /**
     * always float32 for now: bf16-mixed is refused, 'auto' resolves to fp32. libtorch 1.13's oneDNN returns
     * non-finite bf16 weight gradients for stride-2 3D convolutions on odd sizes (this encoder's 3→2 layer); the same
     * happens in python3-torch 1.13 (torch.autocast cpu bf16, conv3d stride 2 on a 3³ input, contiguous layout).
     */
    precision: z
      .enum(['auto', 'fp32', 'bf16-mixed'])
      .optional()
      .refine((p) => p !== 'bf16-mixed', {
        message:
          'bf16-mixed is not available for DrasCLR: libtorch 1.13 (oneDNN) gives non-finite bf16 weight gradients ' +
          'for stride-2 3D convolutions on odd sizes; use fp32',
      })
      .transform((): Precision => 'fp32'),
    /**
     * where the run computes: 'cpu' (default), 'cuda' or 'cuda:N'; resolved when the run starts
     * (src/engine/device.ts: a CUDA device this libtorch does not see is refused), config.json holds the one used
     */
    device: deviceField,
    seed: z.number().int().min(0).default(0),
    checkpointEvery: z.number().int().positive().default(1),
    /** on-disk cache of lung masks, registrations and patches (default: <out>/cache) */
    cacheDir: z.string().optional(),
    /**
     * patch loading (docs/data-loading.md): > 0 = the patches are written once to a file in the run folder and read
     * back in this many worker threads, ahead of the steps, so only a window of batches is in memory; 0 = every
     * patch held in memory (73 MiB per scan at the paper's settings); default: one per core left over, 1 to 4
     */
    loaderWorkers: z.number().int().min(0).optional(),
  })
  .strict()
  .meta({ title: 'DrasCLR configuration' });

export type DrasclrConfig = z.infer<typeof drasclrConfigSchema>;
export type DrasclrInput = z.input<typeof drasclrConfigSchema>;

/** Validates a config; every problem is listed with its field. */
export function parseDrasclrConfig(input: unknown, source = 'config'): DrasclrConfig {
  const c = parseConfig(drasclrConfigSchema, input, source);
  if (c.huMax <= c.huMin)
    throw new Error(`invalid DrasCLR configuration: huMax (${c.huMax}) must be > huMin (${c.huMin})`);
  if (c.queueSize % c.batchSize !== 0)
    throw new Error(
      `invalid DrasCLR configuration: queueSize (${c.queueSize}) must be a multiple of batchSize (${c.batchSize})`,
    );
  if (c.step > c.patchSize)
    throw new Error(
      `invalid DrasCLR configuration: step (${c.step}) > patchSize (${c.patchSize}) leaves gaps between patches`,
    );
  return c;
}
