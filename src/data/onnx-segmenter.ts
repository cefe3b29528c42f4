/**
 * A segmentation network exported by `medcl export`, as a program that feeds it must see it: the preprocessing
 * recorded in the ONNX file's metadata_props (preset, size, spacing, class names) and the layout of its input and
 * output ((N, C, H, W) images -> (N, classes, H, W) logits). Pure code: the browser viewer and `medcl view` both
 * check a model with it before running anything, so a model without medcl's metadata is refused with a message
 * that names the file and the missing key.
 */
import type { OnnxModelSummary, OnnxValueInfo } from '../io/onnx-metadata.js';
import type { SlicePreset } from './preset-preprocess.js';

/** the metadata_props keys `medcl export` writes (src/export/metadata.ts lists them all) */
export const ONNX_META_KEYS = {
  kind: 'medcl.kind',
  preset: 'medcl.preset',
  size: 'medcl.size',
  spacing: 'medcl.spacing',
  classes: 'medcl.classes',
  numClasses: 'medcl.num_classes',
} as const;

const PRESETS: readonly SlicePreset[] = ['xray', 'ct-pcl', 'ct-polycl'];

export interface OnnxSegmenter {
  preset: SlicePreset;
  size: number;
  spacing?: number;
  numClasses: number;
  /** class names, index = label value */
  classes: string[];
  inChannels: number;
  /** the batch size when the input's first axis is fixed (else any number of slices per run) */
  fixedBatch?: number;
  inputName: string;
  outputName: string;
}

function dimOf(v: OnnxValueInfo, axis: number): number | null {
  const d = v.shape[axis];
  return typeof d === 'number' && d > 0 ? d : null;
}

function positiveNumber(meta: Record<string, string>, key: string, what: string, integer: boolean): number {
  const raw = meta[key]!;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n)))
    throw new Error(
      `${what}: metadata ${key} = ${JSON.stringify(raw)} is not a positive ${integer ? 'integer' : 'number'}`,
    );
  return n;
}

function classNames(meta: Record<string, string>, numClasses: number, what: string): string[] {
  const raw = meta[ONNX_META_KEYS.classes];
  if (raw === undefined) return Array.from({ length: numClasses }, (_, i) => (i === 0 ? 'background' : `class ${i}`));
  let names: unknown;
  try {
    names = JSON.parse(raw);
  } catch {
    throw new Error(`${what}: metadata ${ONNX_META_KEYS.classes} is not JSON: ${raw.slice(0, 80)}`);
  }
  if (!Array.isArray(names) || !names.every((n) => typeof n === 'string') || names.length !== numClasses)
    throw new Error(
      `${what}: metadata ${ONNX_META_KEYS.classes} must be a JSON list of ${numClasses} names, got ${raw}`,
    );
  return names as string[];
}

/** The segmenter that `info` (readOnnxSummary) describes; throws with `what` (the file name) on what is missing. */
export function onnxSegmenter(info: OnnxModelSummary, what = 'model.onnx'): OnnxSegmenter {
  const meta = info.metadata;
  const kind = meta[ONNX_META_KEYS.kind];
  if (kind !== undefined && kind !== 'segmentation')
    throw new Error(`${what}: a medcl ${kind} (metadata ${ONNX_META_KEYS.kind}), not a segmentation network`);
  const presetRaw = meta[ONNX_META_KEYS.preset];
  if (presetRaw === undefined) {
    const keys = Object.keys(meta);
    throw new Error(
      `${what}: no medcl preprocessing in the model's metadata (key ${ONNX_META_KEYS.preset} missing` +
        `${keys.length ? `; it has ${keys.join(', ')}` : '; it has no metadata'}). Export the network with ` +
        `\`medcl export\`, which records the preset, image size and class names the viewer needs.`,
    );
  }
  if (!(PRESETS as readonly string[]).includes(presetRaw))
    throw new Error(`${what}: metadata ${ONNX_META_KEYS.preset} = ${presetRaw}, expected ${PRESETS.join(', ')}`);
  const preset = presetRaw as SlicePreset;
  if (meta[ONNX_META_KEYS.size] === undefined) throw new Error(`${what}: metadata ${ONNX_META_KEYS.size} missing`);
  const size = positiveNumber(meta, ONNX_META_KEYS.size, what, true);
  const spacing =
    meta[ONNX_META_KEYS.spacing] === undefined || meta[ONNX_META_KEYS.spacing] === ''
      ? undefined
      : positiveNumber(meta, ONNX_META_KEYS.spacing, what, false);
  const input = info.inputs[0];
  const output = info.outputs[0];
  if (!input || !output || info.inputs.length !== 1 || info.outputs.length !== 1)
    throw new Error(
      `${what}: expected one input and one output, got ${info.inputs.length} input(s), ${info.outputs.length} output(s)`,
    );
  if (input.shape.length !== 4 || output.shape.length !== 4)
    throw new Error(
      `${what}: expected (N, C, H, W) input and (N, classes, H, W) output, got input ${input.name} of rank ` +
        `${input.shape.length} and output ${output.name} of rank ${output.shape.length}`,
    );
  const inChannels = dimOf(input, 1) ?? 1;
  const fromOutput = dimOf(output, 1);
  const numClasses =
    meta[ONNX_META_KEYS.numClasses] !== undefined
      ? positiveNumber(meta, ONNX_META_KEYS.numClasses, what, true)
      : fromOutput;
  if (numClasses === null)
    throw new Error(`${what}: the number of classes is neither in the metadata nor in the output shape`);
  if (fromOutput !== null && fromOutput !== numClasses)
    throw new Error(`${what}: the output has ${fromOutput} channels but the metadata says ${numClasses} classes`);
  if (numClasses > 256) throw new Error(`${what}: ${numClasses} classes do not fit uint8 labels`);
  const out: OnnxSegmenter = {
    preset,
    size,
    numClasses,
    classes: classNames(meta, numClasses, what),
    inChannels,
    inputName: input.name,
    outputName: output.name,
  };
  if (spacing !== undefined) out.spacing = spacing;
  const batch = dimOf(input, 0);
  if (batch !== null) out.fixedBatch = batch;
  return out;
}
