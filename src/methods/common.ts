/** Pieces every 2D contrastive method shares: the encoder f, the projection head g, and z = normalize(g(f(x))). */
import { nn, cat, type Tensor } from '../engine/index.js';
import { buildBackboneEncoder, type Backbone, type BackboneEncoder } from '../models/backbones.js';
import { MLPHead } from '../models/heads.js';
import type { TensorModule } from '../models/tensor-module.js';
import type { PretrainConfig } from './config.js';
import type { SliceDataset } from '../data/slice-dataset.js';
import type { SampleMeta } from '../relations/meta.js';
import { contrastiveViews } from '../transforms/augment.js';
import type { Rng } from '../util/rng.js';
import { normalizeEmbeddings } from '../losses/float32.js';
import { polyclEncoder } from '../models/polycl-unet.js';
import type { SliceMethodDefinition } from './method.js';
import type { Batch } from '../samplers/sampler.js';
import type { SliceRef } from '../samplers/slices.js';
import type { Triplet } from '../samplers/polycl-triplets.js';

/**
 * The encoder f of the config's `backbone` (src/models/backbones.ts): the U-Net encoder (docs/methods.md §4) with the
 * config's `encoder` settings, or DeepLabV3+'s ResNet-50 (2048 output channels). Heads take its `outChannels`.
 */
export function buildEncoder(cfg: PretrainConfig): BackboneEncoder {
  return buildBackboneEncoder(cfg.backbone, cfg.encoder);
}

/**
 * For methods that pre-train one architecture only (PolyCL: its own U-Net): throws, naming the method and the
 * `backbone` field, when the config asks for a backbone outside `supported`; `why` says what the method needs.
 *
 * ```ts
 * requireBackbone('polycl-s', cfg, ['unet'], "it pre-trains PolyCL's U-Net encoder");
 * ```
 */
export function requireBackbone(
  method: string,
  cfg: Pick<PretrainConfig, 'backbone'>,
  supported: readonly Backbone[],
  why = `it supports ${supported.map((b) => `'${b}'`).join(', ')} only`,
): void {
  if (supported.includes(cfg.backbone)) return;
  throw new Error(
    `${method}: backbone '${cfg.backbone}' is not supported (${why}); set the pre-training config's backbone ` +
      `to '${supported[0]}'`,
  );
}

/**
 * The encoder f a method pre-trains, by its definition's `encoder` field (buildEncoder, or PolyCL's U-Net encoder
 * with the config's widths and dropout), after checking that the config's backbone is one of its `backbones`.
 */
export function methodEncoder(
  def: Pick<SliceMethodDefinition, 'name' | 'encoder' | 'backbones'>,
  cfg: PretrainConfig,
): BackboneEncoder {
  if (def.encoder === 'polycl-unet') {
    requireBackbone(def.name, cfg, def.backbones, "it pre-trains PolyCL's U-Net encoder");
    return polyclEncoder({ widths: cfg.encoder.widths, dropout: cfg.encoder.dropout });
  }
  requireBackbone(def.name, cfg, def.backbones);
  return buildEncoder(cfg);
}

/** Encoder + 2-layer MLP head (SimCLR / MoCo-v2 style), giving unit-norm embeddings. */
export class Projector extends nn.Module {
  constructor(
    readonly encoder: TensorModule,
    readonly head: TensorModule,
  ) {
    super();
    this.registerModule('encoder', encoder);
    this.registerModule('head', head);
  }
  forward(x: Tensor): Tensor {
    const f = this.encoder.forward(x);
    const g = this.head.forward(f);
    f.dispose();
    const z = normalizeEmbeddings(g);
    g.dispose();
    return z;
  }
}

export function buildProjector(cfg: PretrainConfig): Projector {
  const enc = buildEncoder(cfg);
  return new Projector(enc, new MLPHead(enc.outChannels, enc.outChannels, cfg.projectionDim));
}

/** Sample metadata for relations, from data set sample ids. */
export function metaOf(ds: SliceDataset, ids: readonly number[]): SampleMeta[] {
  return ids.map((id) => {
    const s = ds.samples[id]!;
    return {
      id,
      patient: s.patient,
      volume: s.volumeId,
      sliceIndex: s.sliceIndex,
      slicesInVolume: s.slicesInVolume,
      ...(s.organFlag !== undefined ? { organFlag: s.organFlag } : {}),
    };
  });
}

/** Two augmented views of the samples, stacked: rows 0..N-1 view 1, N..2N-1 view 2 ('stacked' layout). */
export function stackedViews(ds: SliceDataset, ids: readonly number[], cfg: PretrainConfig, rng: Rng): Tensor {
  const x = ds.imageBatch(ids);
  const [a, b] = contrastiveViews(x, rng, cfg.augment);
  return cat([a, b], 0);
}

/**
 * The data set samples a 2D method's step reads: its batch's items, whichever sampler made them (sample ids, slice
 * refs, PolyCL triplets). The pre-training loop loads them ahead for a streamed data set (docs/data-loading.md).
 */
export function batchSamples(batch: Batch<unknown>): number[] {
  return batch.items.flatMap((it) => {
    if (typeof it === 'number') return [it];
    if ('anchor' in (it as object)) {
      const t = it as Triplet;
      return [t.anchor.id, t.positive.id, t.negative.id];
    }
    return [(it as SliceRef).id];
  });
}
