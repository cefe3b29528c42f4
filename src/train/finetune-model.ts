/**
 * The network a fine-tuning trains: built from the config (seeded) with the pre-trained encoder's weights loaded, and
 * the kept one saved as a model folder for `medcl predict`.
 */
import path from 'node:path';
import { loadSafetensors, manualSeed } from '../engine/index.js';
import { onDevice } from '../engine/device.js';
import type { SliceDataset } from '../data/slice-dataset.js';
import { buildSegmentationModel, type SegmentationModelName } from '../models/registry.js';
import { loadEncoderWeights } from '../models/encoder-loading.js';
import { saveSegmentationModel } from '../models/saved.js';
import type { TensorModule } from '../models/tensor-module.js';
import type { FinetuneConfig } from './finetune-config.js';

/** the network of `cfg` for `numClasses`, its encoder from `cfg.init`; which tensors were loaded, which left random */
export function buildModel(cfg: FinetuneConfig, numClasses: number) {
  manualSeed(cfg.seed);
  // built on the run's device (and moved there, for anything made outside the scope)
  const model = onDevice(cfg.device, () =>
    buildSegmentationModel(cfg.model as SegmentationModelName, { numClasses, encoder: cfg.encoder }),
  ).to({ device: cfg.device }) as unknown as TensorModule;
  // without init every tensor keeps its initialisation: parameters and buffers, as loadEncoderWeights counts them
  let loaded: string[] = [];
  let leftRandom: string[] = [...model.stateDict().keys()];
  if (cfg.init) ({ loaded, leftRandom } = loadEncoderWeights(model, loadSafetensors(cfg.init).tensors));
  return { model, loaded, leftRandom };
}

/** the kept network, loadable by `medcl predict --model <out>/model` */
export function saveChosenModel(out: string, cfg: FinetuneConfig, ds: SliceDataset, model: TensorModule): void {
  saveSegmentationModel(path.join(out, 'model'), model, {
    model: cfg.model,
    encoder: cfg.encoder,
    numClasses: ds.numClasses,
    preset: ds.preprocessing.preset,
    size: ds.size,
    ...(ds.preprocessing.spacing !== undefined ? { spacing: ds.preprocessing.spacing } : {}),
    ...(ds.manifest.classes && ds.manifest.classes.length === ds.numClasses ? { classes: ds.manifest.classes } : {}),
  });
}
