/**
 * The engine `medcl predict` runs a network with: 'libtorch' (medcl's own forward pass) or 'onnx' (the network
 * exported to ONNX in memory, or an exported .onnx file, run by ONNX Runtime; src/export/). Both use the same
 * preprocessing, batches of slices and mapping back to the input grid (predict.ts), so their label maps agree
 * (up to argmax ties at float32 rounding).
 *
 * ```ts
 * const p = await loadPredictor('runs/ft/model', 'onnx');   // or 'model.onnx'
 * const { labels } = await p.predict(await readImage('scan.nii.gz'), { batchSize: 8 });
 * await p.release();
 * ```
 */
import { exportOnnx } from '../export/export-model.js';
import { OnnxSegmenter } from '../export/onnx-runtime.js';
import type { Image } from '../io/image.js';
import { loadSegmentationModel, savedInChannels } from '../models/saved.js';
import { onDevice } from '../engine/device.js';
import { predictImage, predictImageWith, type ImagePrediction, type PredictImageOptions } from './predict.js';

export const PREDICT_ENGINES = ['onnx', 'libtorch'] as const;
export type PredictEngine = (typeof PREDICT_ENGINES)[number];

/**
 * The faster engine where it was measured: `npm run bench:inference` (bench/results/inference.json, docs/deploy.md)
 * on this project's 2-core Xeon (AVX-512, AMX), U-Net 16..256, a CT volume of 32 slices of 128² in batches of 8,
 * 2 threads: ONNX Runtime 2.64 s, libtorch 3.94 s (medians; ONNX Runtime faster in every round).
 */
export const DEFAULT_PREDICT_ENGINE: PredictEngine = 'onnx';

export interface Predictor {
  engine: PredictEngine;
  /** the model's file (model.json or the .onnx) */
  source: string;
  numClasses: number;
  classes?: string[];
  predict(image: Image, options?: PredictImageOptions): Promise<ImagePrediction>;
  release(): Promise<void>;
}

function checkOneChannel(channels: number, source: string): void {
  if (channels !== 1)
    throw new Error(`predict: ${source}: the network takes ${channels} channels; only 1 is supported`);
}

async function onnxPredictor(model: string | Uint8Array, source: string): Promise<Predictor> {
  const seg = await OnnxSegmenter.create(model);
  const meta = seg.metadata;
  checkOneChannel(meta.inChannels, source);
  return {
    engine: 'onnx',
    source,
    numClasses: meta.numClasses,
    ...(meta.classes ? { classes: meta.classes } : {}),
    predict: (image, options) => predictImageWith((x, b) => seg.labels(x, b), meta, image, options),
    release: () => seg.release(),
  };
}

/** A predictor for a saved model (folder, model.json, weights) or, with engine 'onnx', an exported .onnx file. */
export async function loadPredictor(
  target: string,
  engine: PredictEngine = DEFAULT_PREDICT_ENGINE,
  device = 'cpu',
): Promise<Predictor> {
  if (engine === 'onnx' && device !== 'cpu')
    throw new Error(`predict: the onnx engine runs on the CPU; --device ${device} needs --engine libtorch`);
  if (!(PREDICT_ENGINES as readonly string[]).includes(engine)) {
    throw new Error(`predict: engine must be one of ${PREDICT_ENGINES.join(', ')}, got ${JSON.stringify(engine)}`);
  }
  if (/\.onnx$/i.test(target)) {
    if (engine !== 'onnx') {
      throw new Error(
        `predict: ${target}: an ONNX file runs with the onnx engine; libtorch needs the saved model folder`,
      );
    }
    return onnxPredictor(target, target);
  }
  const { model, meta, json } = loadSegmentationModel(target);
  if (engine === 'libtorch') model.to({ device });
  checkOneChannel(savedInChannels(meta), json);
  if (engine === 'onnx') return onnxPredictor(exportOnnx(model, { meta }).bytes, json);
  return {
    engine,
    source: json,
    numClasses: meta.numClasses,
    ...(meta.classes ? { classes: meta.classes } : {}),
    // the network moved to the device, each batch made there (src/engine/device.ts)
    predict: async (image, options) => onDevice(device, () => predictImage(model, meta, image, options)),
    release: async () => {},
  };
}
