/** Data-parallel training: gradient averaging and state broadcast, the rank context, and the launcher. */
export { DataParallel, coalesced, DEFAULT_BUCKET_BYTES } from './data-parallel.js';
export { type DataParallelContext, isMainRank, joinFromEnvironment, onMainFirst } from './context.js';
export { launch, freePort, rankEnv, type LaunchOptions, type RankExit } from './launch.js';
export { launchSettingsSchema, parseLaunchSettings, type LaunchSettings } from './launch-settings.js';
export { ParallelTraining } from './parallel-training.js';
