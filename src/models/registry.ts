/**
 * Segmentation models by name, for the CLI and run configs: 'unet', 'deeplabv3plus', 'polycl-unet', each with an
 * option object validated by a strict zod schema (an unknown or ill-typed field is an error naming it). Defaults are
 * the models' own (the papers' numbers). `createEncoder` builds the matching encoder alone for pre-training: its
 * state dict keys are the segmentation model's encoder keys without the prefix, so loadEncoderWeights fits them.
 *
 * ```ts
 * const model = createModel('deeplabv3plus', { numClasses: 3 });
 * const { encoder, outChannels, prefix } = createEncoder('deeplabv3plus', { numClasses: 3 });
 * ```
 */
import { z } from 'zod';
import type { nn } from '../engine/index.js';
import { UNet, UNetEncoder, type UNetOptions } from './unet.js';
import type { NormKind } from './blocks.js';
import { DeepLabV3Plus, deeplabBackbone, type DeepLabV3PlusOptions } from './deeplab.js';
import {
  PolyCLUNet,
  polyclEncoder,
  POLYCL_DROPOUT,
  POLYCL_SLOPE,
  POLYCL_WIDTHS,
  type PolyCLUNetOptions,
} from './polycl-unet.js';

const posInt = z.number().int().positive();
const dropout = z.number().min(0).lt(1);
const memoryFormat = z.enum(['auto', 'contiguous', 'channelsLast']);

const activationSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('relu') }),
  z.strictObject({ kind: z.literal('leakyRelu'), slope: z.number().min(0) }),
  z.strictObject({ kind: z.literal('elu'), alpha: z.number().positive().optional() }),
]);

export const unetOptionsSchema = z.strictObject({
  inChannels: posInt.optional(),
  widths: z.array(posInt).min(2).optional(),
  norm: z.enum(['batch', 'instance', 'none']).optional(),
  activation: activationSchema.optional(),
  dropout: dropout.optional(),
  memoryFormat: memoryFormat.optional(),
  numClasses: posInt.optional(),
  upsample: z.enum(['transposed', 'bilinear']).optional(),
});

export const deeplabOptionsSchema = z.strictObject({
  numClasses: posInt.optional(),
  inChannels: posInt.optional(),
  backbone: z.enum(['resnet50', 'resnet18']).optional(),
  outputStride: z.literal([8, 16]).optional(),
  asppRates: z.array(posInt).min(1).optional(),
  asppChannels: posInt.optional(),
  asppDropout: dropout.optional(),
  lowLevelChannels: posInt.optional(),
  decoderChannels: posInt.optional(),
  decoderConvs: posInt.optional(),
  memoryFormat: memoryFormat.optional(),
});

export const polyclUnetOptionsSchema = z.strictObject({
  inChannels: posInt.optional(),
  widths: z.array(posInt).min(2).optional(),
  dropout: dropout.optional(),
  slope: z.number().min(0).optional(),
  numClasses: posInt.optional(),
  memoryFormat: memoryFormat.optional(),
});

export const MODEL_NAMES = ['unet', 'deeplabv3plus', 'polycl-unet'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

/** The option object of each model (what a config holds). */
export interface ModelOptionsByName {
  unet: UNetOptions;
  deeplabv3plus: DeepLabV3PlusOptions;
  'polycl-unet': Omit<PolyCLUNetOptions, 'encoder'>;
}

export interface ModelByName {
  unet: UNet;
  deeplabv3plus: DeepLabV3Plus;
  'polycl-unet': PolyCLUNet;
}

export type SegmentationModel = ModelByName[ModelName];

const SCHEMAS: Record<ModelName, z.ZodType> = {
  unet: unetOptionsSchema,
  deeplabv3plus: deeplabOptionsSchema,
  'polycl-unet': polyclUnetOptionsSchema,
};

export function isModelName(name: unknown): name is ModelName {
  return typeof name === 'string' && (MODEL_NAMES as readonly string[]).includes(name);
}

function checkName(name: unknown): ModelName {
  if (!isModelName(name)) {
    throw new Error(`model: unknown name ${JSON.stringify(name)} (known: ${MODEL_NAMES.join(', ')})`);
  }
  return name;
}

/** Validates a model's option object; every problem is listed with its field. */
export function parseModelOptions<N extends ModelName>(name: N, opts: unknown): ModelOptionsByName[N] {
  const r = SCHEMAS[checkName(name)].safeParse(opts ?? {});
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${[name, ...i.path].join('.')}: ${i.message}`);
    throw new Error(`invalid options of model "${name}":\n${lines.join('\n')}`);
  }
  return r.data as ModelOptionsByName[N];
}

/** A segmentation model (logits (N, classes, H, W)) by name, its options validated. */
export function createModel<N extends ModelName>(name: N, opts?: ModelOptionsByName[N]): ModelByName[N];
export function createModel(name: string, opts?: unknown): SegmentationModel;
export function createModel(name: string, opts?: unknown): SegmentationModel {
  const n = checkName(name);
  if (n === 'unet') return new UNet(parseModelOptions(n, opts));
  if (n === 'deeplabv3plus') return new DeepLabV3Plus(parseModelOptions(n, opts));
  return new PolyCLUNet(parseModelOptions(n, opts));
}

export interface EncoderForModel {
  /** f: forward(x) gives the encoder's last feature map (N, outChannels, h, w) */
  encoder: nn.Module;
  outChannels: number;
  /** where this encoder's tensors sit in the segmentation model ('encoder.' or 'backbone.') */
  prefix: string;
}

/**
 * The encoder of `createModel(name, opts)` alone, for pre-training (head-related options such as numClasses are
 * accepted and ignored so that one option object serves both stages).
 */
export function createEncoder(name: string, opts?: unknown): EncoderForModel {
  const n = checkName(name);
  if (n === 'unet') {
    const o = parseModelOptions(n, opts);
    const encoder = new UNetEncoder(o);
    return { encoder, outChannels: encoder.outChannels, prefix: 'encoder.' };
  }
  if (n === 'deeplabv3plus') {
    const encoder = deeplabBackbone(parseModelOptions(n, opts));
    return { encoder, outChannels: encoder.outChannels, prefix: 'backbone.' };
  }
  const encoder = polyclEncoder(parseModelOptions(n, opts));
  return { encoder, outChannels: encoder.outChannels, prefix: 'encoder.' };
}

export type SegmentationModelName = ModelName;

/** The encoder part of a run config (methods/config.ts's encoderSchema): U-Net widths, norm, LeakyReLU slope, dropout. */
export interface EncoderConfig {
  widths?: number[];
  norm?: NormKind;
  /** LeakyReLU slope; 0 = ReLU */
  slope?: number;
  dropout?: number;
}

/**
 * The segmentation model of a fine-tuning run whose encoder matches a pre-training run's `encoder` config
 * (methods' buildEncoder): for 'unet' the config sets the U-Net's encoder (and the decoder's norm/activation); for
 * 'polycl-unet' it builds the encoder exactly as pre-training did and the PolyCL decoder around it (PolyCL's own
 * numbers are widths 16..256, norm 'instance', slope 0.2, dropout 0.25); 'deeplabv3plus' has a ResNet encoder and
 * ignores it. Without `encoder`, each model's defaults apply.
 */
export function buildSegmentationModel(
  name: SegmentationModelName,
  opts: { numClasses?: number; inChannels?: number; encoder?: EncoderConfig } = {},
): SegmentationModel {
  const n = checkName(name);
  const e = opts.encoder;
  const base = { numClasses: opts.numClasses, inChannels: opts.inChannels };
  if (n === 'deeplabv3plus' || !e) return createModel(n, stripUndefined(base));
  const encoderOpts: UNetOptions = stripUndefined({
    inChannels: opts.inChannels ?? 1,
    widths: e.widths,
    norm: e.norm,
    activation:
      e.slope === undefined
        ? undefined
        : e.slope > 0
          ? { kind: 'leakyRelu' as const, slope: e.slope }
          : { kind: 'relu' as const },
    dropout: e.dropout,
  });
  if (n === 'unet') return createModel('unet', { ...encoderOpts, ...stripUndefined(base) });
  // PolyCL: the pre-training encoder's exact architecture, PolyCL defaults where the config says nothing
  const encoder = new UNetEncoder(
    parseModelOptions('unet', {
      norm: 'instance',
      activation: { kind: 'leakyRelu', slope: POLYCL_SLOPE },
      widths: [...POLYCL_WIDTHS],
      dropout: POLYCL_DROPOUT,
      ...encoderOpts,
    }),
  );
  const numClasses = parseModelOptions('polycl-unet', stripUndefined({ numClasses: opts.numClasses })).numClasses;
  return new PolyCLUNet({ encoder, numClasses });
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
