/**
 * PIRL (Misra & van der Maaten 2020), a CL-TCI baseline: the representation of an image f(v_I) and of its jigsaw
 * transform g(v_{I^t}) (9 shuffled tiles, each encoded, concatenated, projected) are both pulled to the image's
 * memory-bank entry m_I and pushed from other images' entries (NCE, eq. 5, λ = 0.5, τ = 0.07); the bank is an EMA
 * (0.5) of f(v_I). Negatives: `queueSize` bank entries drawn per image (PIRL used 32,000).
 */
import { Generator, nn, noGrad, tidy, type Tensor } from '../engine/index.js';
import { RandomSampler } from '../samplers/random.js';
import { MemoryBank } from '../queues/memory-bank.js';
import { pirlLoss } from '../losses/pirl.js';
import { jigsawTiles } from '../losses/jigsaw.js';
import { contrastiveViews } from '../transforms/augment.js';
import type { SliceMethodDefinition } from './method.js';
import { buildEncoder } from './common.js';
import { batchIds, globalBatchIds } from './multi-positive.js';
import { gatherStacked } from './distributed.js';
import { normalizeEmbeddings } from '../losses/float32.js';

class PirlHeads extends nn.Module {
  readonly f: nn.Linear;
  readonly tile: nn.Linear;
  readonly g: nn.Linear;
  constructor(
    channels: number,
    readonly dim: number,
    readonly tiles: number,
  ) {
    super();
    this.f = this.registerModule('f', new nn.Linear(channels, dim));
    this.tile = this.registerModule('tile', new nn.Linear(channels, dim));
    this.g = this.registerModule('g', new nn.Linear(dim * tiles, dim));
  }
  forward(): never {
    throw new Error('PirlHeads: use the f/tile/g layers');
  }
}

export const pirl: SliceMethodDefinition = {
  name: 'pirl',
  encoder: 'backbone',
  backbones: ['unet', 'deeplabv3plus'],
  finetuneRecipe: 'cltci',
  summary: 'an image and its jigsaw-shuffled tiles share a memory-bank representation',
  paper: 'PIRL: Misra & van der Maaten, CVPR 2020; a baseline of CL-TCI (Zeng et al. 2021)',
  defaults: {
    batchSize: 32,
    lr: 0.1,
    tau: 0.07,
    queueSize: 4096,
    weightDecay: 1e-5,
    warmupEpochs: 10,
    augment: 'cltci',
  },
  create(ctx) {
    const { dataset: ds, config: cfg } = ctx;
    const encoder = buildEncoder(cfg);
    const heads = new PirlHeads(encoder.outChannels, cfg.projectionDim, 9);
    const bank = new MemoryBank({ size: ds.length, dim: cfg.projectionDim, seed: cfg.seed });
    const negatives = Math.min(cfg.queueSize, ds.length - 1);
    if (negatives < 1) throw new Error('pirl: the memory bank needs at least 2 images');
    const sampler = new RandomSampler({ size: ds.length, batchSize: cfg.batchSize, seed: cfg.seed });
    const pooled = (x: Tensor): Tensor => {
      const feat = encoder.forward(x);
      const p = feat.mean([2, 3]);
      feat.dispose();
      return p;
    };
    let pending: { ids: number[]; f: Tensor } | null = null;
    return {
      modules: { encoder, head: heads },
      sampler,
      step(batch, rng) {
        const ids = batchIds(batch);
        const n = ids.length;
        const [view] = contrastiveViews(ds.imageBatch(ids), rng, cfg.augment, 1);
        let f = normalizeEmbeddings(heads.f.forward(pooled(view!)));
        const jig = jigsawTiles(view!, { grid: 3, generator: new Generator(rng.int(0, 2 ** 31)) });
        const [, t, c, h, w] = jig.tiles.shape as [number, number, number, number, number];
        const tileFeat = heads.tile
          .forward(pooled(jig.tiles.reshape(n * t, c, h, w)))
          .reshape(n, t * cfg.projectionDim);
        let g = normalizeEmbeddings(heads.g.forward(tileFeat));
        // data-parallel: the global batch's representations, so every rank's bank sees (and writes) the same rows
        const gids = globalBatchIds(batch);
        if (ctx.group) {
          f = gatherStacked(ctx.group, f, 1);
          g = gatherStacked(ctx.group, g, 1);
        }
        const memory = bank.get(gids);
        const negs = bank.negatives(gids, negatives);
        const r = pirlLoss(f, g, memory, negs, { tau: cfg.tau });
        pending?.f.dispose();
        pending = { ids: gids, f: f.detach().clone() };
        pending.f.kept = true;
        return { loss: r.loss, images: n * (1 + t) };
      },
      afterStep() {
        if (pending) {
          bank.update(pending.ids, pending.f);
          pending.f.dispose();
          pending = null;
        }
      },
      stateTensors() {
        return new Map([...bank.state()].map(([k, t]) => [`bank.${k}`, t]));
      },
      loadStateTensors(tensors) {
        const sd = new Map<string, Tensor>();
        for (const [k, t] of tensors) if (k.startsWith('bank.')) sd.set(k.slice(5), t);
        if (sd.size) bank.loadState(sd);
      },
      embed(images) {
        return noGrad(() => tidy(() => normalizeEmbeddings(heads.f.forward(pooled(images)))));
      },
    };
  },
};
