/**
 * The preprocessing a segmentation network was trained with, written into the ONNX model's `metadata_props` (string
 * key → string value), so that any client (medcl predict --engine onnx, a browser viewer, ONNX Runtime in another
 * language) can feed the model without medcl's model.json. Keys (docs/deploy.md lists them with examples):
 *
 *   medcl.format       'medcl-onnx-1'
 *   medcl.version      medcl's version that wrote the file
 *   medcl.kind         'segmentation' (output `logits`) or 'encoder' (output `features`)
 *   medcl.model        'unet' | 'polycl-unet' | 'deeplabv3plus' | 'resnet' | 'unet-encoder'
 *   medcl.preset       'xray' | 'ct-pcl' | 'ct-polycl' (src/data/preset-preprocess.ts)
 *   medcl.size         image side after preprocessing, e.g. '256'
 *   medcl.spacing      ct-pcl only, when set: in-plane spacing (mm) resampled to before pad/crop to size
 *   medcl.window       JSON: {"kind":"hu","level":40,"width":400} or {"kind":"percentile","low":1,"high":99,"over":"image"|"volume"}
 *   medcl.preprocessing JSON: the preset's steps in order, each {"op": <medcl function>, ...its arguments}
 *   medcl.num_classes  e.g. '3'
 *   medcl.classes      JSON array of class names, index = label value (when the model has names)
 *   medcl.input        JSON: {"name":"image","layout":"NCHW","channels":1,"dtype":"float32","range":[0,1]}
 *   medcl.output       JSON: {"name":"logits","layout":"NCHW","argmax":1}
 *   medcl.model_json   the saved model's model.json (rebuilds the network in medcl)
 */
import { z } from 'zod';
import { SAVED_MODEL_PRESETS, type SegmentationModelMeta } from '../models/saved.js';

export const ONNX_METADATA_FORMAT = 'medcl-onnx-1';
export const ONNX_INPUT_NAME = 'image';
export const ONNX_LOGITS_NAME = 'logits';
export const ONNX_FEATURES_NAME = 'features';

export type OnnxModelKind = 'segmentation' | 'encoder';

export type IntensityWindow =
  | { kind: 'hu'; level: number; width: number }
  | { kind: 'percentile'; low: number; high: number; over: 'image' | 'volume' };

/** the intensity step of each preset (src/data/preset-preprocess.ts) */
export function presetWindow(preset: SegmentationModelMeta['preset']): IntensityWindow {
  if (preset === 'ct-polycl') return { kind: 'hu', level: 40, width: 400 };
  return { kind: 'percentile', low: 1, high: 99, over: preset === 'xray' ? 'image' : 'volume' };
}

/** one step of a preset's preprocessing: the medcl function (src/preprocess/) and its arguments */
export type PreprocessingStep = { op: string } & Record<string, unknown>;

/**
 * The steps of src/data/preset-preprocess.ts for `meta`, in order (resize2d: bilinear on half-pixel centres,
 * antialiased when shrinking; padToSquare/padCrop: centred, the odd voxel at the end; volumes: every axial slice).
 */
export function presetSteps(meta: Pick<SegmentationModelMeta, 'preset' | 'size' | 'spacing'>): PreprocessingStep[] {
  const { size } = meta;
  const resize = { op: 'resize2d', shape: [size, size], interpolation: 'linear', antialias: true };
  const w = presetWindow(meta.preset);
  if (meta.preset === 'xray') return [{ op: 'padToSquare', value: 0 }, resize, { op: 'percentileNormalize', ...w }];
  if (meta.preset === 'ct-polycl') return [{ op: 'ctWindow', level: 40, width: 400 }, resize];
  const norm = { op: 'percentileNormalize', ...w };
  if (meta.spacing === undefined) return [norm, resize];
  return [
    norm,
    { op: 'resample', spacing: [null, meta.spacing, meta.spacing], interpolation: 'linear' },
    { op: 'padCrop', shape: [null, size, size], value: 'the normalised 1st percentile (the background)' },
  ];
}

export interface OnnxMetadataInput {
  kind: OnnxModelKind;
  /** the architecture's name (a registry name, or 'resnet' / 'unet-encoder' for a bare encoder) */
  model: string;
  inChannels: number;
  version: string;
  /** the saved model's description; absent for a module exported without one (no preprocessing recorded) */
  meta?: SegmentationModelMeta;
}

/** The metadata_props entries, in a fixed order. */
export function onnxMetadata(m: OnnxMetadataInput): [string, string][] {
  const out: [string, string][] = [
    ['medcl.format', ONNX_METADATA_FORMAT],
    ['medcl.version', m.version],
    ['medcl.kind', m.kind],
    ['medcl.model', m.model],
  ];
  const meta = m.meta;
  if (meta) {
    out.push(['medcl.preset', meta.preset], ['medcl.size', String(meta.size)]);
    if (meta.spacing !== undefined) out.push(['medcl.spacing', String(meta.spacing)]);
    out.push(['medcl.window', JSON.stringify(presetWindow(meta.preset))]);
    out.push(['medcl.preprocessing', JSON.stringify(presetSteps(meta))]);
    if (m.kind === 'segmentation') out.push(['medcl.num_classes', String(meta.numClasses)]);
    if (meta.classes) out.push(['medcl.classes', JSON.stringify(meta.classes)]);
  }
  const input = { name: ONNX_INPUT_NAME, layout: 'NCHW', channels: m.inChannels, dtype: 'float32', range: [0, 1] };
  const output =
    m.kind === 'segmentation'
      ? { name: ONNX_LOGITS_NAME, layout: 'NCHW', argmax: 1 }
      : { name: ONNX_FEATURES_NAME, layout: 'NCHW' };
  out.push(['medcl.input', JSON.stringify(input)], ['medcl.output', JSON.stringify(output)]);
  if (meta) out.push(['medcl.model_json', JSON.stringify(meta)]);
  return out;
}

/** what inference needs from the metadata (the fields predictImage reads) */
export interface OnnxSegmentationMetadata {
  preset: SegmentationModelMeta['preset'];
  size: number;
  spacing?: number;
  numClasses: number;
  classes?: string[];
  inChannels: number;
  version: string;
}

const numberText = z
  .string()
  .regex(/^\d+(\.\d+)?$/)
  .transform(Number);
const jsonText = <T extends z.ZodType>(schema: T) =>
  z
    .string()
    .transform((s, ctx) => {
      try {
        return JSON.parse(s) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'not valid JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);

const segmentationMetadataSchema = z.object({
  'medcl.format': z.literal(ONNX_METADATA_FORMAT),
  'medcl.version': z.string(),
  'medcl.kind': z.literal('segmentation'),
  'medcl.preset': z.enum(SAVED_MODEL_PRESETS),
  'medcl.size': numberText.pipe(z.number().int().min(8)),
  'medcl.spacing': numberText.pipe(z.number().positive()).optional(),
  'medcl.num_classes': numberText.pipe(z.number().int().min(1)),
  'medcl.classes': jsonText(z.array(z.string())).optional(),
  'medcl.input': jsonText(z.object({ channels: z.number().int().positive() })),
});

/**
 * The preprocessing and classes of an exported segmentation model, from its metadata_props; a missing or
 * ill-formed key is an error naming `source` (the file) and the key.
 */
export function parseOnnxMetadata(props: ReadonlyMap<string, string>, source: string): OnnxSegmentationMetadata {
  const r = segmentationMetadataSchema.safeParse(Object.fromEntries(props));
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  metadata ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(
      `${source}: not a medcl segmentation model with its preprocessing recorded (export it with medcl export):\n` +
        lines.join('\n'),
    );
  }
  const d = r.data;
  return {
    preset: d['medcl.preset'],
    size: d['medcl.size'],
    ...(d['medcl.spacing'] !== undefined ? { spacing: d['medcl.spacing'] } : {}),
    numClasses: d['medcl.num_classes'],
    ...(d['medcl.classes'] ? { classes: d['medcl.classes'] } : {}),
    inChannels: d['medcl.input'].channels,
    version: d['medcl.version'],
  };
}
