export { Optimizer, type OptimizerState, type ParamGroup, type ParamGroupInput } from './optimizer.js';
export { SGD, type SGDOptions } from './sgd.js';
export { Adam, AdamW, type AdamOptions } from './adam.js';
export { LRScheduler, CosineWithWarmup, CosineWarmRestarts, ConstantLR } from './schedulers.js';
