/**
 * The `--loader-workers N` option of the commands that read a data set: the `loaderWorkers` field of their schema,
 * the threads that read and preprocess the manifest items (docs/data-loading.md; 0 = on the main thread), resolved
 * when the work starts (src/data/loader-pool.ts). The data set is the same whatever the count.
 */
import type { OptionSpec } from './options.js';

export const LOADER_WORKERS_OPTION: OptionSpec = {
  description: 'threads that read and preprocess the data (0: on the main thread; the data is the same either way)',
  default: 'one per core the main thread leaves over, 1 to 4',
};
