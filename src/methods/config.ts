/**
 * The pre-training configuration: one validated object (zod), written next to the run's outputs so any result can
 * be re-run. Defaults are the papers' numbers (docs/methods.md §2); each method overrides what its paper says.
 */
import { z } from 'zod';
import { precisionField } from '../engine/precision.js';
import { deviceField } from '../engine/device.js';
import { parseConfig } from '../util/parse-config.js';
import { CLTCI, GCL_PARTITIONS, PCL_POSITION_THRESHOLD } from '../preprocess/presets.js';

export const encoderSchema = z
  .object({
    /** channel widths per U-Net stage; medcl's U-Net (docs/methods.md §4) uses f = 32: [32, 64, 128, 256, 512] */
    widths: z.array(z.number().int().positive()).min(2).default([32, 64, 128, 256, 512]),
    norm: z.enum(['batch', 'instance', 'none']).default('batch'),
    /** LeakyReLU slope (0 = ReLU); medcl's U-Net: 0.01 */
    slope: z.number().min(0).max(1).default(0.01),
    dropout: z.number().min(0).max(1).default(0),
  })
  .strict();

export const pretrainSchema = z
  .object({
    method: z.string().min(1),
    /** manifest path */
    data: z.string().min(1),
    /** output folder */
    out: z.string().min(1),
    preset: z.enum(['xray', 'ct-pcl', 'ct-polycl']).default('xray'),
    /** image side after preprocessing (CL-TCI, PolyCL: 256) */
    size: z.number().int().min(16).default(CLTCI.size),
    /** ct-pcl in-plane spacing (mm) before padding to `size` */
    spacing: z.number().positive().optional(),
    epochs: z.number().int().positive().default(500),
    batchSize: z.number().int().min(2).default(32),
    optimizer: z.enum(['sgd', 'adam']).default('sgd'),
    /** SGD lr 0.1 (CL-TCI, PCL) */
    lr: z.number().positive().default(0.1),
    momentum: z.number().min(0).max(1).default(0.9),
    /** CL-TCI: 1e-5 */
    weightDecay: z.number().min(0).default(1e-5),
    schedule: z.enum(['cosine-warmup', 'cosine-restarts', 'constant']).default('cosine-warmup'),
    /** CL-TCI: 10 warm-up epochs */
    warmupEpochs: z.number().int().min(0).default(10),
    /** PolyCL: restart every 10 epochs */
    restartEpochs: z.number().int().positive().default(10),
    /** temperature (CL-TCI, PCL: 0.1) */
    tau: z.number().positive().default(0.1),
    /** multiply the SupCon loss by tau/0.07 as the reference code did (off) */
    temperatureScaling: z.boolean().default(false),
    /** MoCo queue size (a multiple of the batch) */
    queueSize: z.number().int().positive().default(4096),
    /** MoCo key-encoder momentum */
    ema: z.number().min(0).max(1).default(0.999),
    /** PCL position threshold (0.1 CT, 0.35 MRI) */
    positionThreshold: z.number().positive().default(PCL_POSITION_THRESHOLD.ct),
    /** GCL partitions per volume */
    partitions: z.number().int().min(2).default(GCL_PARTITIONS),
    /** CL-TCI-SimCLR: images per patient in a batch (batch = patientsPerBatch * imagesPerPatient) */
    imagesPerPatient: z.number().int().min(2).default(2),
    /**
     * the encoder f pre-trained (src/models/backbones.ts): 'unet' (default) the U-Net encoder of `encoder`;
     * 'deeplabv3plus' the ResNet-50 of fine-tuning's `deeplabv3plus` model (output stride 16, 2048 channels; `encoder`
     * does not apply to it). The PolyCL methods pre-train PolyCL's U-Net and refuse 'deeplabv3plus'.
     */
    backbone: z.enum(['unet', 'deeplabv3plus']).default('unet'),
    encoder: encoderSchema.default({ widths: [32, 64, 128, 256, 512], norm: 'batch', slope: 0.01, dropout: 0 }),
    /** projection head output dimension */
    projectionDim: z.number().int().positive().default(128),
    /** augmentation strength preset */
    augment: z.enum(['cltci', 'pcl', 'pcl-reference', 'pcl-intensity', 'polycl', 'none']).default('cltci'),
    seed: z.number().int().min(0).default(0),
    /** write a checkpoint every N epochs (and at the end) */
    checkpointEvery: z.number().int().positive().default(1),
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
    /** on-disk cache of preprocessed volumes (default: <system temp>/medcl-cache) */
    cacheDir: z.string().optional(),
    /** restrict pre-training to these manifest items (protocols pass the training folds) */
    items: z.array(z.number().int().min(0)).optional(),
    /**
     * worker threads that read and preprocess the slices (docs/data-loading.md); > 0 streams them from a cache of
     * preprocessed volumes, loaded ahead of the steps; 0 = everything read on the main thread and held in memory;
     * default: one per core left over, 1 to 4. Results are the same bit for bit.
     */
    loaderWorkers: z.number().int().min(0).optional(),
    /** with loaderWorkers > 0: MiB of preprocessed volumes kept in memory (default 2048) */
    loaderCacheMiB: z.number().positive().optional(),
  })
  .strict()
  .meta({ title: 'pre-training configuration' });

export type PretrainConfig = z.infer<typeof pretrainSchema>;
export type PretrainInput = z.input<typeof pretrainSchema>;

/** Validates a config; every problem is listed with its field. */
export function parsePretrainConfig(input: unknown, source = 'config'): PretrainConfig {
  return parseConfig(pretrainSchema, input, source);
}
