/**
 * Preprocessing on `Image` (src/io/image.ts): pure TypeScript over typed arrays, no tensors.
 * Each function's options default to the numbers of the paper that uses it (see each file and presets.ts).
 */
export { padToSquare, type PadToSquareOptions } from './padToSquare.js';
export { resize2d, type Resize2dOptions, type Interpolation } from './resize2d.js';
export { ctWindow, type CtWindowOptions } from './ctWindow.js';
export { huClipScale, type HuClipScaleOptions } from './huClipScale.js';
export { percentiles, select } from './percentile.js';
export {
  percentileNormalize,
  type PercentileNormalizeOptions,
  type PercentileNormalizeResult,
  type Normalization,
} from './percentileNormalize.js';
export { resample, resampledSize, type ResampleOptions } from './resample.js';
export { padCrop, padCropOffsets, type PadCropOptions } from './padCrop.js';
export {
  centralSlices,
  centralSliceRange,
  type CentralSlicesOptions,
  type CentralSlicesResult,
} from './centralSlices.js';
export { slicePositions } from './slicePositions.js';
export { partitionIds, type PartitionIdsOptions } from './partitionIds.js';
export { organFlags, type OrganFlagsOptions } from './organFlags.js';
export { PreprocessCache, canonicalJson, type CacheStatus, type CacheLookup, type CachedImage } from './cache.js';
export { PCL_PERCENTILES, PCL_POSITION_THRESHOLD, GCL_PARTITIONS, POLYCL, DRASCLR, CLTCI } from './presets.js';
export * from './components.js';
export * from './lung-mask.js';
export * from './registration.js';
export * from './landmarks.js';
export * from './landmark-coordinates.js';
export * from './drasclr.js';
