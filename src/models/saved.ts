/**
 * A fine-tuned segmentation network on disk, for `medcl predict` and anyone else: a folder holding
 *
 *   model.safetensors   the network's state dict (parameters and buffers, e.g. BatchNorm running statistics)
 *   model.json          what is needed to rebuild the network and to feed it, e.g.
 *                       { "format": "medcl-segmentation-model-1", "model": "unet", "options": { "widths": [8, 16] },
 *                         "numClasses": 3, "preset": "xray", "size": 256, "classes": ["background", "left", "right"] }
 *
 * `model` + `options` rebuild the network with `createModel(model, { ...options, numClasses })`; a model that
 * fine-tuning built around a pre-training encoder config (registry.ts's buildSegmentationModel) stores that config
 * as `encoder` instead (then `options` may hold only `inChannels`). `preset`, `size` (and `spacing` for ct-pcl) name
 * the preprocessing of src/data/slice-dataset.ts that the network was trained on; `classes` names the label values.
 *
 * Saving checks that model.json really describes the network (a network rebuilt from it has the same tensor names
 * and shapes), so every saved model can be loaded again.
 *
 * ```ts
 * saveSegmentationModel('runs/ft', unet, { model: 'unet', options: { widths: [8, 16, 32] }, numClasses: 3,
 *   preset: 'xray', size: 64 });
 * const { model, meta } = loadSegmentationModel('runs/ft');   // or 'runs/ft/model.safetensors'
 * ```
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { loadSafetensors, saveSafetensors, writeFileAtomic, type nn } from '../engine/index.js';
import { issueLines } from '../util/parse-config.js';
import { ensureDir } from '../engine/checkpoint/ensure-dir.js';
import {
  buildSegmentationModel,
  createModel,
  MODEL_NAMES,
  type ModelName,
  type SegmentationModel,
} from './registry.js';

export const SAVED_MODEL_FORMAT = 'medcl-segmentation-model-1';
export const SAVED_MODEL_JSON = 'model.json';
export const SAVED_MODEL_WEIGHTS = 'model.safetensors';

/** the preprocessing presets of src/data/slice-dataset.ts (SlicePreset) */
export const SAVED_MODEL_PRESETS = ['xray', 'ct-pcl', 'ct-polycl'] as const;

const posInt = z.number().int().positive();

/** registry.ts's EncoderConfig (methods/config.ts's encoderSchema, every field optional) */
const encoderConfigSchema = z.strictObject({
  widths: z.array(posInt).min(2).optional(),
  norm: z.enum(['batch', 'instance', 'none']).optional(),
  slope: z.number().min(0).max(1).optional(),
  dropout: z.number().min(0).lt(1).optional(),
});

export const segmentationModelMetaSchema = z
  .strictObject({
    format: z.literal(SAVED_MODEL_FORMAT).optional(),
    model: z.enum(MODEL_NAMES),
    /** the model's option object (registry.ts); numClasses comes from `numClasses` */
    options: z.record(z.string(), z.unknown()).default({}),
    /** the pre-training encoder config the network was built around (buildSegmentationModel) */
    encoder: encoderConfigSchema.optional(),
    numClasses: z.number().int().min(1),
    preset: z.enum(SAVED_MODEL_PRESETS),
    /** image side after preprocessing */
    size: z.number().int().min(8),
    /** ct-pcl: in-plane spacing (mm) resampled to before padding to `size` */
    spacing: z.number().positive().optional(),
    /** class names, index = label value */
    classes: z.array(z.string().min(1)).optional(),
  })
  .superRefine((m, ctx) => {
    if (m.classes && m.classes.length !== m.numClasses)
      ctx.addIssue({
        code: 'custom',
        path: ['classes'],
        message: `${m.classes.length} names for numClasses ${m.numClasses}`,
      });
    if (m.options['numClasses'] !== undefined && m.options['numClasses'] !== m.numClasses)
      ctx.addIssue({
        code: 'custom',
        path: ['options', 'numClasses'],
        message: `${String(m.options['numClasses'])} differs from numClasses ${m.numClasses}`,
      });
    if (m.encoder) {
      const extra = Object.keys(m.options).filter((k) => k !== 'inChannels' && k !== 'numClasses');
      if (extra.length)
        ctx.addIssue({
          code: 'custom',
          path: ['options'],
          message: `with "encoder" only inChannels may be given (got ${extra.join(', ')})`,
        });
    }
    if (m.spacing !== undefined && m.preset !== 'ct-pcl')
      ctx.addIssue({ code: 'custom', path: ['spacing'], message: `applies to preset ct-pcl only, not ${m.preset}` });
  });

export type SegmentationModelMeta = z.output<typeof segmentationModelMetaSchema>;
export type SegmentationModelMetaInput = z.input<typeof segmentationModelMetaSchema>;

/** Validates a model.json object; every problem is listed with its field, `source` names the file. */
export function parseSegmentationModelMeta(input: unknown, source: string): SegmentationModelMeta {
  const r = segmentationModelMetaSchema.safeParse(input);
  if (!r.success) {
    const lines = issueLines(r.error.issues, {}, 'dotted').map((l) => `  ${l}`);
    throw new Error(`${source}: invalid segmentation model description:\n${lines.join('\n')}`);
  }
  return r.data;
}

/** A fresh (randomly initialised) network of the architecture `meta` describes. */
export function buildSavedArchitecture(meta: SegmentationModelMeta): SegmentationModel {
  const { options } = meta;
  if (meta.encoder) {
    const inChannels = options['inChannels'];
    return buildSegmentationModel(meta.model, {
      numClasses: meta.numClasses,
      encoder: meta.encoder,
      ...(typeof inChannels === 'number' ? { inChannels } : {}),
    });
  }
  return createModel(meta.model as ModelName, { ...options, numClasses: meta.numClasses });
}

/** the input channels of the described network (1 unless options say otherwise) */
export function savedInChannels(meta: SegmentationModelMeta): number {
  const c = meta.options['inChannels'];
  return typeof c === 'number' ? c : 1;
}

export interface SavedModelFiles {
  dir: string;
  json: string;
  weights: string;
}

function shapeList(sd: Map<string, { shape: number[] }>): Map<string, string> {
  return new Map([...sd].map(([k, t]) => [k, t.shape.join('x')]));
}

/** names of the tensors whose presence or shape differ between two state dicts (at most 6 listed) */
function stateDictDifferences(
  have: Map<string, string>,
  want: Map<string, string>,
  haveName: string,
  wantName: string,
): string[] {
  const out: string[] = [];
  for (const [k, s] of want) {
    if (!have.has(k)) out.push(`${k}: in ${wantName}, not in ${haveName}`);
    else if (have.get(k) !== s) out.push(`${k}: [${have.get(k)}] in ${haveName}, [${s}] in ${wantName}`);
  }
  for (const k of have.keys()) if (!want.has(k)) out.push(`${k}: in ${haveName}, not in ${wantName}`);
  return out;
}

/**
 * Writes `dir/model.safetensors` and `dir/model.json` (both atomically). Throws, writing nothing, when `meta` is
 * invalid or does not describe `model` (tensor names or shapes differ from a network rebuilt from `meta`).
 */
export function saveSegmentationModel(
  dir: string,
  model: nn.Module,
  metaInput: SegmentationModelMetaInput,
): SavedModelFiles {
  const out = path.resolve(dir);
  const meta = parseSegmentationModelMeta(
    { ...metaInput, format: SAVED_MODEL_FORMAT },
    `saveSegmentationModel(${out})`,
  );
  const ref = buildSavedArchitecture(meta);
  const refState = ref.stateDict();
  const diff = stateDictDifferences(shapeList(model.stateDict()), shapeList(refState), 'the model', 'the description');
  for (const t of refState.values()) t.dispose();
  if (diff.length) {
    throw new Error(
      `saveSegmentationModel(${out}): the description (${meta.model}, ${JSON.stringify(meta.options)}` +
        `${meta.encoder ? `, encoder ${JSON.stringify(meta.encoder)}` : ''}, numClasses ${meta.numClasses}) does not ` +
        `match the model: ${diff.slice(0, 6).join('; ')}${diff.length > 6 ? ` ... (${diff.length} in all)` : ''}`,
    );
  }
  ensureDir(out);
  const files = { dir: out, json: path.join(out, SAVED_MODEL_JSON), weights: path.join(out, SAVED_MODEL_WEIGHTS) };
  saveSafetensors(files.weights, model.stateDict(), { format: SAVED_MODEL_FORMAT });
  writeFileAtomic(files.json, [Buffer.from(JSON.stringify(meta, null, 2) + '\n', 'utf8')]);
  return files;
}

/**
 * The files of a saved model given its folder, its model.json, or its weights file (the description is then the
 * `<name>.json` next to it, else `model.json` in its folder).
 */
export function savedModelFiles(target: string): SavedModelFiles {
  const p = path.resolve(target);
  let isDir: boolean;
  try {
    isDir = statSync(p).isDirectory();
  } catch {
    throw new Error(`model: ${p}: not found (expected a folder with ${SAVED_MODEL_JSON} and ${SAVED_MODEL_WEIGHTS})`);
  }
  if (isDir) {
    return { dir: p, json: path.join(p, SAVED_MODEL_JSON), weights: path.join(p, SAVED_MODEL_WEIGHTS) };
  }
  const dir = path.dirname(p);
  if (p.toLowerCase().endsWith('.json')) return { dir, json: p, weights: path.join(dir, SAVED_MODEL_WEIGHTS) };
  if (p.toLowerCase().endsWith('.safetensors')) {
    const sidecar = p.replace(/\.safetensors$/i, '.json');
    return { dir, json: existsSync(sidecar) ? sidecar : path.join(dir, SAVED_MODEL_JSON), weights: p };
  }
  throw new Error(`model: ${p}: expected a folder, a .json description or a .safetensors weights file`);
}

export interface LoadedSegmentationModel extends SavedModelFiles {
  /** the network, weights loaded, in eval mode */
  model: SegmentationModel;
  meta: SegmentationModelMeta;
}

/** Rebuilds a saved network (see the module comment); every failure names the file. */
export function loadSegmentationModel(target: string): LoadedSegmentationModel {
  const files = savedModelFiles(target);
  let text: string;
  try {
    text = readFileSync(files.json, 'utf8');
  } catch (e) {
    throw new Error(`model: ${files.json}: cannot read the model description: ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`model: ${files.json}: not valid JSON: ${(e as Error).message}`);
  }
  if (raw !== null && typeof raw === 'object' && (raw as { format?: unknown }).format !== SAVED_MODEL_FORMAT) {
    throw new Error(
      `model: ${files.json}: format must be "${SAVED_MODEL_FORMAT}", got ${JSON.stringify((raw as { format?: unknown }).format)}`,
    );
  }
  const meta = parseSegmentationModelMeta(raw, `model: ${files.json}`);
  let model: SegmentationModel;
  try {
    model = buildSavedArchitecture(meta);
  } catch (e) {
    throw new Error(`model: ${files.json}: ${(e as Error).message}`);
  }
  const { tensors } = loadSafetensors(files.weights);
  const diff = stateDictDifferences(shapeList(tensors), shapeList(model.stateDict()), files.weights, files.json);
  if (diff.length) {
    for (const t of tensors.values()) t.dispose();
    throw new Error(
      `model: ${files.weights} does not fit ${files.json}: ${diff.slice(0, 6).join('; ')}` +
        `${diff.length > 6 ? ` ... (${diff.length} in all)` : ''}`,
    );
  }
  model.loadStateDict(tensors);
  for (const t of tensors.values()) t.dispose();
  model.eval();
  return { ...files, model, meta };
}
