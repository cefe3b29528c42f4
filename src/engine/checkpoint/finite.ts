/** Which floating-point tensors of a named set hold NaN or ±Infinity (checkpoints refuse such state). */
import { isFloating } from '../dtype.js';
import { noGrad } from '../autograd.js';
import { tidy } from '../scope.js';
import type { Tensor } from '../tensor.js';

export interface NonFiniteTensor {
  name: string;
  /** how many of its elements are NaN or ±Infinity */
  count: number;
  numel: number;
}

/** The floating-point tensors of `tensors` with non-finite elements, in order. */
export function nonFiniteTensors(tensors: Iterable<[string, Tensor]>): NonFiniteTensor[] {
  const bad: NonFiniteTensor[] = [];
  for (const [name, t] of tensors) {
    if (!isFloating(t.dtype) || t.numel === 0) continue;
    const count = tidy(() => noGrad(() => t.isfinite().logicalNot().sum().item()));
    if (count > 0) bad.push({ name, count, numel: t.numel });
  }
  return bad;
}

/** "model/bn.running_var (3 of 8 values), optim/0.momentum (8 of 8 values)", at most `max` named */
export function describeNonFinite(bad: readonly NonFiniteTensor[], max = 5): string {
  const named = bad.slice(0, max).map((b) => `${b.name} (${b.count} of ${b.numel} values)`);
  return named.join(', ') + (bad.length > max ? ` and ${bad.length - max} more tensors` : '');
}

export class NonFiniteStateError extends Error {
  constructor(
    readonly file: string,
    readonly tensors: readonly NonFiniteTensor[],
    action: 'save' | 'load',
  ) {
    super(
      action === 'save'
        ? `checkpoint: not writing ${file}: non-finite values (NaN/Inf) in ${describeNonFinite(tensors)}; ` +
            'the file on disk, if any, is left as it was'
        : `checkpoint: ${file} holds non-finite values (NaN/Inf) in ${describeNonFinite(tensors)}: it cannot be ` +
            'resumed from; start over (with a lower learning rate)',
    );
  }
}
