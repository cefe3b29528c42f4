/**
 * What every pre-training method is (docs/architecture.md, "The one idea"): an encoder f and head g, a sampler that
 * says what goes into a batch, a relation (who is positive), a negatives source (batch or queue), and a loss.
 * A method file composes existing pieces into a `MethodRun`; the training loop (src/train/pretrain-loop.ts) drives it.
 * Methods are generic over their data and config: the 2D methods take a `SliceDataset` and a `PretrainConfig` (the
 * defaults of the type parameters); DrasCLR takes landmark patches and its own config (src/methods/drasclr.ts).
 */
import type { dist, nn, Tensor } from '../engine/index.js';
import type { Batch, Sampler } from '../samplers/sampler.js';
import type { SliceDataset } from '../data/slice-dataset.js';
import type { PretrainConfig } from './config.js';
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
  /** further numbers of this step for the log (DrasCLR: the local and neighbouring losses, ...) */
  log?: Record<string, number | null>;
}

/**
 * A method's trainable state and its step. `B` is its sampler's batch (2D: `Batch<unknown>`); `E` the arguments of
 * `embed` (2D: the images; DrasCLR: the patches and their landmark).
 */
export interface MethodRun<B extends Batch<unknown> = Batch<unknown>, E extends unknown[] = [images: Tensor]> {
  /** trained modules, checkpointed under their names (the encoder must be called "encoder") */
  modules: Record<string, nn.Module>;
  /** checkpointed but not optimised (e.g. the momentum key encoder) */
  frozen?: Record<string, nn.Module>;
  sampler: Sampler<unknown> & { epoch(e: number): B[] };
  /** one training step's loss (called inside tidy, modules in train mode); `rng` is this step's augmentation stream */
  step(batch: B, rng: Rng): StepOutput;
  /** after the optimiser step (momentum-encoder update, queue writes) */
  afterStep?(): void;
  /** method state beyond module weights (queues), for checkpoints */
  stateTensors?(): Map<string, Tensor>;
  loadStateTensors?(tensors: Map<string, Tensor>): void;
  /** the representation used for retrieval / t-SNE: normalised head output of images (N,1,H,W) */
  embed(...args: E): Tensor;
}

export interface MethodContext<Data = SliceDataset, Config = PretrainConfig> {
  dataset: Data;
  config: Config;
  /**
   * data-parallel training: this rank's group. Batches are then this rank's shards (DistributedSampler) and a
   * method gathers embeddings from every rank so its loss spans the global batch (src/methods/distributed.ts).
   */
  group?: dist.ProcessGroup;
}

/** a paper's fine-tuning recipe (src/train/finetune-recipes.ts) */
export type FinetuneRecipeName = 'cltci' | 'pcl' | 'polycl';

/**
 * The encoder f a method pre-trains: 'backbone' = the config's `backbone` (buildEncoder: the U-Net encoder or
 * DeepLabV3+'s ResNet-50); 'polycl-unet' = PolyCL's U-Net encoder, which fine-tuning builds as model 'polycl-unet'.
 */
export type MethodEncoder = 'backbone' | 'polycl-unet';

export interface MethodDefinition<Data = SliceDataset, Config = PretrainConfig, Run = MethodRun> {
  name: string;
  /** one line: what makes this method's positives */
  summary: string;
  /** the paper it comes from, as a citation (authors, venue, year) */
  paper: string;
  /** the paper's hyper-parameters, overriding the global defaults */
  defaults: Partial<Config>;
  /**
   * defaults that follow from other settings (PolyCL: tau = 1 / batch size), given the user's input over `defaults`;
   * a field the user set is never replaced
   */
  derivedDefaults?(input: Partial<Config>): Partial<Config>;
  create(ctx: MethodContext<Data, Config>): Run;
}

/** What a 2D method can do, stated by its definition (never read off its name). */
export interface SliceMethodCapabilities {
  /** the encoder it pre-trains (runs loading its weights, fine-tuning and experiments build the same) */
  encoder: MethodEncoder;
  /** the config `backbone`s it can pre-train (the first is the one to suggest) */
  backbones: readonly Backbone[];
  /** the fine-tuning recipe of the paper that evaluates it */
  finetuneRecipe: FinetuneRecipeName;
}

/** A method that pre-trains on 2D slices or images, with its capabilities. */
export type SliceMethodDefinition = MethodDefinition & SliceMethodCapabilities;
