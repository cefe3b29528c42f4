/**
 * The in-batch multi-positive family (docs/methods.md §1): two views of N samples, z = normalize(g(f(x))), the SupCon
 * loss with a relation expanded to the 2N views. SimCLR, CL-TCI-SimCLR, PCL and GCL differ only in their relation
 * and their sampler.
 */
import type { Batch, Sampler } from '../samplers/sampler.js';
import type { SliceRef } from '../samplers/slices.js';
import { expandToViews, type RelationMask } from '../relations/index.js';
import type { SampleMeta } from '../relations/meta.js';
import { supConLoss } from '../losses/supcon.js';
import type { MethodContext, MethodRun } from './method.js';
import { buildProjector, metaOf, stackedViews } from './common.js';
import { noGrad, tidy } from '../engine/index.js';
import { globalItems } from '../samplers/distributed.js';
import { gatherStacked } from './distributed.js';

export function batchIds(batch: Batch<unknown>): number[] {
  return idsOf(batch.items);
}

/** the ids of the global batch (all ranks' shards; the batch itself in one process) */
export function globalBatchIds(batch: Batch<unknown>): number[] {
  return idsOf(globalItems(batch));
}

function idsOf(items: readonly unknown[]): number[] {
  return items.map((it) => (typeof it === 'number' ? it : (it as SliceRef).id));
}

export function multiPositiveRun(
  ctx: MethodContext,
  sampler: Sampler<unknown>,
  relation: (meta: SampleMeta[]) => RelationMask,
): MethodRun {
  const { dataset: ds, config: cfg } = ctx;
  const projector = buildProjector(cfg);
  return {
    modules: { encoder: projector.encoder, head: projector.head },
    sampler,
    step(batch, rng) {
      const ids = batchIds(batch);
      const views = stackedViews(ds, ids, cfg, rng);
      const local = projector.forward(views);
      // data-parallel: the loss over the global batch, as one process with the global batch computes it
      const z = ctx.group ? gatherStacked(ctx.group, local, 2) : local;
      const positives = expandToViews(relation(metaOf(ds, globalBatchIds(batch))));
      const r = supConLoss(z, positives, { tau: cfg.tau, temperatureScaling: cfg.temperatureScaling });
      return { loss: r.loss, anchors: r.anchors, skipped: r.skipped, images: 2 * ids.length };
    },
    embed(images) {
      return noGrad(() => tidy(() => projector.forward(images)));
    },
  };
}
