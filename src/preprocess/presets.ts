/**
 * The papers' preprocessing numbers, each in one place: the preprocessing functions take their defaults from here,
 * and so do the slice data sets' presets (src/data/preset-preprocess.ts), the pre-training config and the methods.
 * DrasCLR's 3D pipeline (src/drasclr) still states its own copies until it moves into the layers.
 */

/** PCL §3.1: clip to the volume's [1st, 99th] percentile, then normalise */
export const PCL_PERCENTILES = { low: 1, high: 99 } as const;

/** PCL §2: position threshold t, 0.1 for CT (CHD) and 0.35 for MRI (ACDC) (docs/methods.md §2.5) */
export const PCL_POSITION_THRESHOLD = { ct: 0.1, mri: 0.35 } as const;

/** GCL (baseline in PCL): equal z-partitions per volume */
export const GCL_PARTITIONS = 4;

/** PolyCL §3.1: window level/width (HU) and the central fraction of slices kept (slices are resized to 256²) */
export const POLYCL = { level: 40, width: 400, fraction: 0.3 } as const;

/** DrasCLR §4.1: isotropic spacing (mm) and HU clip range scaled to [-1, 1] */
export const DRASCLR = { spacing: 1, min: -1024, max: 240 } as const;

/** CL-TCI §IV-A: pad to square with 0, then resize to this size (PolyCL's slices: the same 256) */
export const CLTCI = { padValue: 0, size: 256 } as const;
