/**
 * One architecture per experiment: every method pre-trains the same encoder and every fine-tuning run — Random
 * included — builds the same segmentation model, so a table row differs from Random by its initial weights only.
 *
 * Resolution (from the experiment config):
 * - backbone: `backbone` (or `pretrain.backbone`), else 'deeplabv3plus' when `finetune.model` says so, else 'unet';
 * - PolyCL: when a PolyCL method is in the experiment, or `finetune.model` is 'polycl-unet', the whole experiment uses
 *   PolyCL's U-Net ('polycl-unet': InstanceNorm, LeakyReLU 0.2, dropout 0.25, widths 16–256 unless set) for every
 *   method; PolyCL with 'deeplabv3plus' is an error (PolyCL pre-trains its own U-Net only);
 * - the model: segmentationModelFor(backbone, polycl) (src/models/backbones.ts); a `finetune.model` that disagrees
 *   is an error;
 * - the encoder settings: the base (PolyCL's, or the U-Net defaults) under `pretrain.encoder` and
 *   `finetune.encoder` (which must agree where both set a field); per-method encoder overrides are refused.
 */
import { encoderSchema } from '../methods/config.js';
import { segmentationModelFor, type Backbone } from '../models/backbones.js';
import { POLYCL_DROPOUT, POLYCL_SLOPE, POLYCL_WIDTHS } from '../models/polycl-unet.js';
import type { ExperimentConfig } from './config.js';
import { isPolyclMethod } from '../methods/registry.js';
import { issueLines } from '../util/parse-config.js';

export type EncoderSettings = ReturnType<typeof encoderSchema.parse>;
export type SegmentationModelName = 'unet' | 'deeplabv3plus' | 'polycl-unet';

export interface Architecture {
  backbone: Backbone;
  model: SegmentationModelName;
  /** PolyCL's U-Net for every method */
  polycl: boolean;
  /** the U-Net encoder settings every pre-training and fine-tuning run gets (not used by 'deeplabv3plus') */
  encoder: EncoderSettings;
  /** one phrase for reports */
  description: string;
}

export { isPolyclMethod };

const MODELS: readonly string[] = ['unet', 'deeplabv3plus', 'polycl-unet'];

function requestedModel(cfg: ExperimentConfig): SegmentationModelName | undefined {
  const m = cfg.finetune['model'];
  if (m === undefined) return undefined;
  if (typeof m !== 'string' || !MODELS.includes(m))
    throw new Error(`experiment: finetune.model: expected one of ${MODELS.join(', ')}, got ${JSON.stringify(m)}`);
  return m as SegmentationModelName;
}

/** `backbone`, else pretrain.backbone, else from finetune.model; the ones given must agree */
function resolveBackbone(cfg: ExperimentConfig, requested: SegmentationModelName | undefined): Backbone {
  const pre = cfg.pretrain['backbone'];
  if (pre !== undefined && pre !== 'unet' && pre !== 'deeplabv3plus')
    throw new Error(`experiment: pretrain.backbone: expected 'unet' or 'deeplabv3plus', got ${JSON.stringify(pre)}`);
  if (pre !== undefined && cfg.backbone !== undefined && pre !== cfg.backbone)
    throw new Error(
      `experiment: pretrain.backbone '${pre}' disagrees with backbone '${cfg.backbone}'; set backbone only`,
    );
  return cfg.backbone ?? (pre as Backbone | undefined) ?? (requested === 'deeplabv3plus' ? 'deeplabv3plus' : 'unet');
}

function objectField(rec: Record<string, unknown>, key: string, where: string): Record<string, unknown> {
  const v = rec[key];
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new Error(`experiment: ${where}: expected an object`);
  return v as Record<string, unknown>;
}

/** the user's encoder fields: pretrain.encoder and finetune.encoder merged, conflicts refused */
function userEncoder(cfg: ExperimentConfig): Record<string, unknown> {
  const pre = objectField(cfg.pretrain, 'encoder', 'pretrain.encoder');
  const fine = objectField(cfg.finetune, 'encoder', 'finetune.encoder');
  for (const [k, v] of Object.entries(fine)) {
    if (k in pre && JSON.stringify(pre[k]) !== JSON.stringify(v))
      throw new Error(
        `experiment: pretrain.encoder.${k} (${JSON.stringify(pre[k])}) and finetune.encoder.${k} (${JSON.stringify(v)}) ` +
          'differ: an experiment has one architecture; set it once in pretrain.encoder',
      );
  }
  for (const [m, o] of Object.entries(cfg.methodOverrides)) {
    if ('encoder' in o || 'backbone' in o)
      throw new Error(
        `experiment: methodOverrides.${m}: sets ${'encoder' in o ? 'encoder' : 'backbone'}; every method of an ` +
          'experiment uses the same architecture (set pretrain.encoder or backbone for all)',
      );
  }
  return { ...pre, ...fine };
}

function resolveEncoder(cfg: ExperimentConfig, polycl: boolean): EncoderSettings {
  const user = userEncoder(cfg);
  const base = polycl
    ? { widths: [...POLYCL_WIDTHS], norm: 'instance', slope: POLYCL_SLOPE, dropout: POLYCL_DROPOUT }
    : {};
  const r = encoderSchema.safeParse({ ...base, ...user });
  if (!r.success) throw new Error(`experiment: encoder: ${issueLines(r.error.issues, {}, 'dotted').join('; ')}`);
  if (polycl && (r.data.norm !== 'instance' || r.data.slope !== POLYCL_SLOPE))
    throw new Error(
      `experiment: encoder: PolyCL's U-Net uses norm 'instance' and LeakyReLU slope ${POLYCL_SLOPE}; the config sets ` +
        `norm '${r.data.norm}', slope ${r.data.slope} (leave them unset)`,
    );
  return r.data;
}

function describe(model: SegmentationModelName, e: EncoderSettings): string {
  if (model === 'deeplabv3plus') return 'DeepLabV3+ (ResNet-50 backbone)';
  const norm = { batch: 'BatchNorm', instance: 'InstanceNorm', none: 'no norm' }[e.norm];
  const widths = `${e.widths[0]}–${e.widths[e.widths.length - 1]}`;
  const act = e.slope > 0 ? `LeakyReLU ${e.slope}` : 'ReLU';
  const what = model === 'polycl-unet' ? "PolyCL's U-Net" : 'U-Net';
  return `${what} (widths ${widths}, ${norm}, ${act}${e.dropout > 0 ? `, dropout ${e.dropout}` : ''})`;
}

/** The architecture of every run of the experiment; throws when the methods' architectures cannot agree. */
export function resolveArchitecture(cfg: ExperimentConfig): Architecture {
  const requested = requestedModel(cfg);
  const polyclMethods = cfg.methods.filter(isPolyclMethod);
  const backbone = resolveBackbone(cfg, requested);
  const polycl = polyclMethods.length > 0 || requested === 'polycl-unet';
  let model: SegmentationModelName;
  try {
    model = segmentationModelFor(backbone, polycl);
  } catch (e) {
    const why = polyclMethods.length > 0 ? `methods ${polyclMethods.join(', ')}` : "finetune.model 'polycl-unet'";
    throw new Error(
      `experiment: backbone '${backbone}' and ${why} cannot share one architecture: ${(e as Error).message}`,
    );
  }
  if (requested !== undefined && requested !== model) {
    const because = polyclMethods.length > 0 ? ` (methods ${polyclMethods.join(', ')} need PolyCL's U-Net)` : '';
    throw new Error(
      `experiment: finetune.model '${requested}' disagrees with the experiment's architecture '${model}'${because}: ` +
        'every method, Random included, fine-tunes one architecture; leave finetune.model unset or set backbone',
    );
  }
  const encoder = resolveEncoder(cfg, polycl);
  return { backbone, model, polycl, encoder, description: describe(model, encoder) };
}
