/** Pieces every 2D contrastive method shares: the encoder f, the projection head g, and z = normalize(g(f(x))). */
import { nn, cat, type Tensor } from '../engine/index.js';
import { UNetEncoder } from '../models/unet.js';
import { MLPHead } from '../models/heads.js';
import type { PretrainConfig } from '../train/config.js';
import type { SliceDataset } from '../data/slice-dataset.js';
import type { SampleMeta } from '../relations/meta.js';
import { contrastiveViews } from '../train/augment.js';
import type { Rng } from '../util/rng.js';
import { normalizeEmbeddings } from '../losses/float32.js';

/** The U-Net encoder of METHODS.md (conv-BN-LeakyReLU ×2 per level) with the config's widths. */
export function buildEncoder(cfg: PretrainConfig): UNetEncoder {
  const e = cfg.encoder;
  return new UNetEncoder({
    inChannels: 1,
    widths: e.widths,
    norm: e.norm,
    activation: e.slope > 0 ? { kind: 'leakyRelu', slope: e.slope } : { kind: 'relu' },
    dropout: e.dropout || undefined,
  });
}

/** A module whose forward maps one tensor to one tensor. */
export interface TensorModule extends nn.Module {
  forward(x: Tensor): Tensor;
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
