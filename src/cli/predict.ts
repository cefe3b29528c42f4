/**
 * `medcl predict --model <folder|model.json|weights.safetensors> --input scan.nii.gz|image.png --out labels.nii.gz|.png`:
 * segments one image with a saved fine-tuned network (src/models/saved.ts) or an exported .onnx: the preprocessing
 * of the network's preset, the network on batches of slices for volumes (`--engine onnx`: ONNX Runtime, or
 * `libtorch`: medcl's own forward; src/eval/predict-engine.ts), the label map resized back to the input's grid
 * (nearest) and written as NIfTI (same geometry as the input) or an 8-bit PNG (2D inputs; values are the class ids).
 */
import { dirname, resolve } from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import { readImage, writeImage } from '../io/read.js';
import { DEFAULT_PREDICT_ENGINE, loadPredictor, PREDICT_ENGINES } from '../eval/predict-engine.js';
import { ensureDir } from '../engine/checkpoint/ensure-dir.js';
import { schemaOptions, type OptionSpec } from './options.js';
import { DEVICE_OPTION } from './device-option.js';
import { deviceField, resolveDevice } from '../engine/device.js';
import { intOption } from '../util/number-fields.js';

export const predictOptionsSchema = z.strictObject({
  model: z.string().min(1),
  input: z.string().min(1),
  out: z.string().min(1),
  batchSize: intOption(1).default(8),
  engine: z
    .enum(PREDICT_ENGINES, {
      error: (iss) => `expected one of ${PREDICT_ENGINES.join(', ')}, got "${String(iss.input)}"`,
    })
    .default(DEFAULT_PREDICT_ENGINE),
  device: deviceField,
});

/** the options' help texts (their types and defaults come from predictOptionsSchema) */
const SPECS: Record<string, string | OptionSpec> = {
  model: {
    description:
      'the saved model: its folder, its model.json, or its .safetensors weights; or an exported .onnx (--engine onnx)',
    value: '<path>',
    required: true,
  },
  input: {
    description: 'image to segment (.nii/.nii.gz, .png/.jpg, .dcm or a DICOM folder, .mha/.nrrd)',
    value: '<file>',
    required: true,
  },
  out: {
    description: 'label map to write: .nii/.nii.gz (same geometry as the input) or .png (2D)',
    value: '<file>',
    required: true,
  },
  batchSize: 'slices per forward pass',
  engine: {
    description: 'inference engine: onnx (ONNX Runtime) or libtorch (the default is the faster measured)',
    value: '<name>',
  },
  device: DEVICE_OPTION,
};

/** segments the input with the model and writes the label map (the counts of each label said on stdout) */
async function predictFile(o: z.output<typeof predictOptionsSchema>): Promise<void> {
  if (!/\.(nii|nii\.gz|png)$/i.test(o.out))
    throw new Error(`predict: --out ${o.out}: expected a .nii, .nii.gz or .png file`);
  const device = resolveDevice(o.device, { field: '--device' });
  const predictor = await loadPredictor(o.model, o.engine, device);
  const image = await readImage(o.input);
  let labels;
  try {
    ({ labels } = await predictor.predict(image, { batchSize: o.batchSize }));
  } finally {
    await predictor.release();
  }
  if (/\.png$/i.test(o.out) && labels.shape.length === 3 && labels.shape[0] !== 1) {
    throw new Error(
      `predict: --out ${o.out}: a PNG holds one 2D image, the input ${o.input} is a volume of ` +
        `${labels.shape[0]} slices; use .nii.gz`,
    );
  }
  ensureDir(dirname(resolve(o.out)));
  await writeImage(o.out, labels);
  const counts = new Map<number, number>();
  for (const v of labels.data) counts.set(v, (counts.get(v) ?? 0) + 1);
  const present = [...counts.entries()]
    .sort(([a], [b]) => a - b)
    .map(([v, c]) => `${predictor.classes?.[v] ?? v}: ${c}`)
    .join(', ');
  process.stdout.write(`${o.out}: ${labels.shape.join('x')} labels (${present})\n`);
}

export function register(program: Command): void {
  const command = program
    .command('predict')
    .description('segment an image or volume with a fine-tuned network (model.json + model.safetensors)');
  const parse = schemaOptions(command, predictOptionsSchema, SPECS, 'predict');
  command.action((raw: Record<string, unknown>) => predictFile(parse(raw)));
}
