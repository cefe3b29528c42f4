/** Seeded phantom data sets (chest X-ray series, CT volumes with organ labels, 3D lung CT with outcomes). */
export * from './types.js';
export * from './xray.js';
export * from './ct.js';
export * from './lungct.js';
export * from './write.js';
