/**
 * Data-parallel pieces of the methods: gathering embeddings from every rank so that positives and negatives span
 * the global batch, and MoCo's shuffled BatchNorm for the key encoder.
 *
 * Every rank gathers the embeddings of the whole global batch (with gradient) and computes the same loss over it as
 * one process would over the global batch; the gather's backward sums the gradient over the ranks (worldSize x each
 * rank's share), and the gradient averaging of DataParallel divides it back: the step is the single-process step.
 */
import { noGrad, tensor, tidy, type Tensor, type dist } from '../engine/index.js';
import type { Rng } from '../util/rng.js';

/**
 * The global batch's embeddings in the 'stacked' layout (view v of global sample i at row v*N + i, N = worldSize*n)
 * from this rank's `views` x n stacked rows; differentiable (allGatherWithGrad). Global sample i is rank
 * floor(i / n)'s sample i mod n, as DistributedSampler's contiguous shards.
 */
export function gatherStacked(group: dist.ProcessGroup, z: Tensor, views: number): Tensor {
  const n = z.size(0) / views;
  if (!Number.isInteger(n)) throw new Error(`gatherStacked: ${z.size(0)} rows are not ${views} views of equal size`);
  return tidy(() => {
    const all = group.allGatherWithGrad(z);
    const rows: number[] = [];
    for (let v = 0; v < views; v++)
      for (let r = 0; r < group.worldSize; r++) for (let i = 0; i < n; i++) rows.push(r * views * n + v * n + i);
    return all.indexSelect(0, tensor(rows, { dtype: 'int64' }));
  });
}

/**
 * MoCo's shuffled BatchNorm across ranks (He et al. 2020, §3.3; DrasCLR's key encoder): the key inputs of the global
 * batch are permuted (one permutation, the same on every rank: `sharedRng` must be seeded identically everywhere),
 * each rank encodes its contiguous share of the permuted batch, and the keys are gathered and put back in order, so a
 * key's BatchNorm statistics come from samples other than its query's. Returns the keys of the whole global batch
 * (no gradient). With one rank it is the plain forward of a permuted batch.
 */
export function shuffledKeys(
  group: dist.ProcessGroup,
  x: Tensor,
  sharedRng: Rng,
  encode: (x: Tensor) => Tensor,
): Tensor {
  return noGrad(() =>
    tidy(() => {
      const n = x.size(0);
      const all = group.allGather(x);
      const perm = sharedRng.permutation(all.size(0));
      const mine = tensor(perm.slice(group.rank * n, (group.rank + 1) * n), { dtype: 'int64' });
      const k = group.allGather(encode(all.indexSelect(0, mine)));
      const inverse = new Array<number>(perm.length);
      perm.forEach((p, i) => (inverse[p] = i));
      return k.indexSelect(0, tensor(inverse, { dtype: 'int64' }));
    }),
  );
}
