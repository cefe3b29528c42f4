/**
 * Pre-training methods (METHODS.md): each a `MethodDefinition` with its paper defaults, looked up by name with
 * `getMethod` / `METHODS`, plus the helpers a new method is built from.
 */
export * from './method.js';
export * from './registry.js';
export * from './simclr.js';
export * from './moco.js';
export * from './cltci-simclr.js';
export * from './pcl.js';
export * from './polycl.js';
export * from './rotation.js';
export * from './pirl.js';
export * from './drasclr.js';
export * from './common.js';
export * from './multi-positive.js';
export * from './distributed.js';
export * from './config.js';
export * from './drasclr-config.js';
export * from './resolve-config.js';
