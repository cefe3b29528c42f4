/**
 * The papers' preprocessing numbers in one place, for configs and docs. Each function's options default to these
 * already; the per-dataset values that have no single default (PCL's in-plane spacing and size) live only here.
 */

/** PCL §3.1: in-plane spacing f_r (mm) and padded slice size f_s (pixels) per dataset */
export const PCL_DATASETS = {
  chd: { spacing: 1.0, size: 512 },
  mmwhs: { spacing: 1.5, size: 256 },
  acdc: { spacing: 1.25, size: 352 },
  hvsmr: { spacing: 0.7, size: 352 },
} as const satisfies Record<string, { spacing: number; size: number }>;

export type PclDataset = keyof typeof PCL_DATASETS;

/** PCL §3.1: clip to the volume's [1st, 99th] percentile, then normalise */
export const PCL_PERCENTILES = { low: 1, high: 99 } as const;

/** PCL §2: position threshold t, 0.1 for CT (CHD) and 0.35 for MRI (ACDC) (docs/methods.md §2.5) */
export const PCL_POSITION_THRESHOLD = { ct: 0.1, mri: 0.35 } as const;

/** GCL (baseline in PCL): equal z-partitions per volume */
export const GCL_PARTITIONS = 4;

/** PolyCL §3.1: window level/width (HU), slice size, central fraction of slices kept */
export const POLYCL = { level: 40, width: 400, size: 256, fraction: 0.3 } as const;

/** DrasCLR §4.1: isotropic spacing (mm) and HU clip range scaled to [-1, 1] */
export const DRASCLR = { spacing: 1, min: -1024, max: 240 } as const;

/** CL-TCI §IV-A: pad to square with 0, then resize to this size */
export const CLTCI = { padValue: 0, size: 256 } as const;
