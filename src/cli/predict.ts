/**
 * `medcl predict --model <folder|model.json|weights.safetensors> --input scan.nii.gz|image.png --out labels.nii.gz|.png`:
 * segments one image with a saved fine-tuned network (src/models/saved.ts): the preprocessing of the network's
 * preset, the network slice by slice for volumes, the label map resized back to the input's grid (nearest) and
 * written as NIfTI (same geometry as the input) or an 8-bit PNG (2D inputs; values are the class ids).
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import { readImage, writeImage } from '../io/read.js';
import { loadSegmentationModel, savedInChannels } from '../models/saved.js';
import { predictImage } from '../eval/predict.js';
import { addSchemaOptions, flagNames, parseOptions, pickOptions } from './options.js';
import { intOption } from './parse.js';

export const predictOptionsSchema = z.strictObject({
  model: z.string().min(1),
  input: z.string().min(1),
  out: z.string().min(1),
  batchSize: intOption(1).default(8),
});

export function register(program: Command): void {
  const command = program
    .command('predict')
    .description('segment an image or volume with a fine-tuned network (model.json + model.safetensors)');
  const fields = addSchemaOptions(command, predictOptionsSchema, {
    model: {
      description: 'the saved model: its folder, its model.json, or its .safetensors weights',
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
  });
  command.action(async (raw: Record<string, unknown>) => {
    const o = parseOptions(predictOptionsSchema, pickOptions(raw, fields), 'predict', flagNames(fields));
    if (!/\.(nii|nii\.gz|png)$/i.test(o.out))
      throw new Error(`predict: --out ${o.out}: expected a .nii, .nii.gz or .png file`);
    const { model, meta, json } = loadSegmentationModel(o.model);
    if (savedInChannels(meta) !== 1)
      throw new Error(`predict: ${json}: the network takes ${savedInChannels(meta)} channels; only 1 is supported`);
    const image = await readImage(o.input);
    const { labels } = predictImage(model, meta, image, { batchSize: o.batchSize });
    if (/\.png$/i.test(o.out) && labels.shape.length === 3 && labels.shape[0] !== 1) {
      throw new Error(
        `predict: --out ${o.out}: a PNG holds one 2D image, the input ${o.input} is a volume of ` +
          `${labels.shape[0]} slices; use .nii.gz`,
      );
    }
    mkdirSync(dirname(resolve(o.out)), { recursive: true });
    await writeImage(o.out, labels);
    const counts = new Map<number, number>();
    for (const v of labels.data) counts.set(v, (counts.get(v) ?? 0) + 1);
    const present = [...counts.entries()]
      .sort(([a], [b]) => a - b)
      .map(([v, c]) => `${meta.classes?.[v] ?? v}: ${c}`)
      .join(', ');
    process.stdout.write(`${o.out}: ${labels.shape.join('x')} labels (${present})\n`);
  });
}
