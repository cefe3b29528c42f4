/**
 * `medcl predict --model <folder|model.json|weights.safetensors> --input scan.nii.gz|image.png --out labels.nii.gz|.png`:
 * segments one image with a saved fine-tuned network (src/models/saved.ts) or an exported .onnx: the preprocessing
 * of the network's preset, the network on batches of slices for volumes (`--engine onnx`: ONNX Runtime, or
 * `libtorch`: medcl's own forward; src/eval/predict-engine.ts), the label map resized back to the input's grid
 * (nearest) and written as NIfTI (same geometry as the input) or an 8-bit PNG (2D inputs; values are the class ids).
 */
import { dirname, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { readImage, writeImage } from '../io/read.js';
import { DEFAULT_PREDICT_ENGINE, loadPredictor, PREDICT_ENGINES, type PredictEngine } from '../eval/predict-engine.js';
import { ensureDir } from '../engine/checkpoint/ensure-dir.js';

function positiveInt(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < 1)
    throw new InvalidArgumentError(`expected a positive integer, got "${v}"`);
  return n;
}

interface PredictCliOptions {
  model: string;
  input: string;
  out: string;
  batchSize: number;
  engine: PredictEngine;
}

function engineOf(v: string): PredictEngine {
  if (!(PREDICT_ENGINES as readonly string[]).includes(v))
    throw new InvalidArgumentError(`expected one of ${PREDICT_ENGINES.join(', ')}, got "${v}"`);
  return v as PredictEngine;
}

export function register(program: Command): void {
  program
    .command('predict')
    .description('segment an image or volume with a fine-tuned network (model.json + model.safetensors)')
    .requiredOption(
      '--model <path>',
      'the saved model: its folder, its model.json, or its .safetensors weights; or an exported .onnx (--engine onnx)',
    )
    .requiredOption('--input <file>', 'image to segment (.nii/.nii.gz, .png/.jpg, .dcm or a DICOM folder, .mha/.nrrd)')
    .requiredOption('--out <file>', 'label map to write: .nii/.nii.gz (same geometry as the input) or .png (2D)')
    .option('--batch-size <n>', 'slices per forward pass', positiveInt, 8)
    .option(
      '--engine <name>',
      `inference engine: onnx (ONNX Runtime) or libtorch (default: ${DEFAULT_PREDICT_ENGINE}, the faster measured)`,
      engineOf,
      DEFAULT_PREDICT_ENGINE,
    )
    .action(async (o: PredictCliOptions) => {
      if (!/\.(nii|nii\.gz|png)$/i.test(o.out))
        throw new Error(`predict: --out ${o.out}: expected a .nii, .nii.gz or .png file`);
      const predictor = await loadPredictor(o.model, o.engine);
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
    });
}
