/**
 * medcl's engine: tensors, autograd, layers, optimisers and checkpoints in TypeScript over libtorch.
 *
 * ```ts
 * import { tensor, tidy, nn, optim, F } from 'medcl/engine';
 * const net = new nn.Sequential(new nn.Linear(2, 8), new nn.ReLU(), new nn.Linear(8, 1));
 * const opt = new optim.SGD(net.parameters(), { lr: 0.1, momentum: 0.9 });
 * tidy(() => {
 *   const loss = F.mseLoss(net.forward(x), y);
 *   opt.zeroGrad();
 *   loss.backward();
 *   opt.step();
 * });
 * ```
 */
export { Tensor, type Scalar, type TensorOrScalar, type MemoryFormat } from './tensor.js';
export { type DType, DTYPES, isFloating, itemSize, type TypedArray } from './dtype.js';
export { tidy, keep, dispose } from './scope.js';
export * from './creation.js';
export * from './random.js';
export { noGrad, enableGrad, isGradEnabled, grad } from './autograd.js';
export * from './runtime.js';
export * from './hardware.js';
export * as F from './functional.js';
export * as nn from './nn/index.js';
export * as optim from './optim/index.js';
export * from './checkpoint/index.js';
export { autocast, isAutocastEnabled, type AutocastDtype } from './autocast.js';
export { profile, summarizeOps, type OpRange, type OpSummary } from './profiler.js';
export * from './precision.js';
export * from './device.js';
export * from './system-info.js';
export * as dist from './distributed/index.js';
