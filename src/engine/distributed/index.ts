/** Distributed collectives over libtorch's c10d: stores, the Gloo process group, and joining from the environment. */
export { Store, type TCPStoreOptions, DEFAULT_TIMEOUT_MS } from './store.js';
export { ProcessGroup, distributedBackends, type ReduceOp, type GlooOptions } from './process-group.js';
export { initProcessGroup, distributedEnv, type DistributedEnv, type InitOptions, type Distributed } from './init.js';
