/**
 * What every pre-training method is (docs/architecture.md, "The one idea"): an encoder f and head g, a sampler that
 * says what goes into a batch, a relation (who is positive), a negatives source (batch or queue), and a loss.
 * A method file composes existing pieces into a `MethodRun`; the training loop (src/train/pretrain.ts) drives it.
 */
import type { nn, Tensor } from '../engine/index.js';
import type { Batch, Sampler } from '../samplers/sampler.js';
import type { SliceDataset } from '../data/slice-dataset.js';
import type { PretrainConfig } from '../train/config.js';
import type { Rng } from '../util/rng.js';
import type { Backbone } from '../models/backbones.js';

export interface StepOutput {
  loss: Tensor;
  /** anchors that had at least one positive (multi-positive losses) */
  anchors?: number;
  /** anchors skipped for having no positive */
  skipped?: number;
  /** images that went through the encoder this step (for images/s) */
  images: number;
}

export interface MethodRun {
  /** trained modules, checkpointed under their names (the encoder must be called "encoder") */
  modules: Record<string, nn.Module>;
  /** checkpointed but not optimised (e.g. the momentum key encoder) */
  frozen?: Record<string, nn.Module>;
  sampler: Sampler<unknown>;
  /** one training step's loss (called inside tidy, modules in train mode); `rng` is this step's augmentation stream */
  step(batch: Batch<unknown>, rng: Rng): StepOutput;
  /** after the optimiser step (momentum-encoder update, queue writes) */
  afterStep?(): void;
  /** method state beyond module weights (queues), for checkpoints */
  stateTensors?(): Map<string, Tensor>;
  loadStateTensors?(tensors: Map<string, Tensor>): void;
  /** the representation used for retrieval / t-SNE: normalised head output of images (N,1,H,W) */
  embed(images: Tensor): Tensor;
}

export interface MethodContext {
  dataset: SliceDataset;
  config: PretrainConfig;
}

/** a paper's fine-tuning recipe (src/train/finetune-recipes.ts) */
export type FinetuneRecipeName = 'cltci' | 'pcl' | 'polycl';

/**
 * The encoder f a method pre-trains: 'backbone' = the config's `backbone` (buildEncoder: the U-Net encoder or
 * DeepLabV3+'s ResNet-50); 'polycl-unet' = PolyCL's U-Net encoder, which fine-tuning builds as model 'polycl-unet'.
 */
export type MethodEncoder = 'backbone' | 'polycl-unet';

export interface MethodDefinition {
  name: string;
  /** one line: what makes this method's positives */
  summary: string;
  /** the paper it comes from, as a citation (authors, venue, year) */
  paper: string;
  /** the paper's hyper-parameters, overriding the global defaults */
  defaults: Partial<PretrainConfig>;
  /**
   * defaults that follow from other settings (PolyCL: tau = 1 / batch size), given the user's input over `defaults`;
   * a field the user set is never replaced
   */
  derivedDefaults?(input: Partial<PretrainConfig>): Partial<PretrainConfig>;
  create(ctx: MethodContext): MethodRun;
  /** the encoder it pre-trains (runs loading its weights, fine-tuning and experiments build the same) */
  encoder: MethodEncoder;
  /** the config `backbone`s it can pre-train (the first is the one to suggest) */
  backbones: readonly Backbone[];
  /** the fine-tuning recipe of the paper that evaluates it */
  finetuneRecipe: FinetuneRecipeName;
}
