/**
 * Segmentation and classification metrics (issue "Fine-tuning/evaluation", item 3). Pure TypeScript on typed arrays.
 *
 * Inputs: label maps { data, shape, spacing? } (an `Image` from src/io/image.ts qualifies), C order, shape
 * [height, width] or [depth, height, width], spacing in mm in the same order. Labels are non-negative integers;
 * 0 is background and is not reported unless `includeBackground` (or an explicit `classes` list) asks for it.
 * Classes reported: 1..numClasses-1 when `numClasses` is given, else the labels present in pred or ref.
 * Errors (never a silent result) for: shapes that differ (both named), non-integer or negative labels, a label
 * >= numClasses, a spacing whose length differs from the rank, pred/ref spacings that disagree, no spacing for a
 * distance metric, a data length that does not match the shape.
 *
 * Metrics share one base (result.ts): `metric.compute(pred, ref, options)` -> a per-case result with one entry per
 * class {classId, status, included, values | null, ...} and the class mean; `aggregate(results)` -> per class and
 * for the class mean: mean, std, count of included cases, count of excluded cases, status counts.
 *
 * EMPTY-MASK POLICY (status 'both-empty' | 'pred-empty' | 'ref-empty' | 'ok' in every class result):
 * | case                 | Dice                                | HD, HD95, ASSD                                    |
 * |----------------------|-------------------------------------|---------------------------------------------------|
 * | both empty           | 1 (bothEmpty 'perfect', default)    | 0 (bothEmpty 'perfect', default)                  |
 * |                      | or excluded (bothEmpty 'exclude')   | or excluded (bothEmpty 'exclude')                 |
 * | one empty            | 0, always included                  | image diagonal in mm, sqrt(sum((n_k-1) s_k)^2)    |
 * |                      |                                     | (oneEmpty 'diagonal', default), a given number,   |
 * |                      |                                     | or excluded (oneEmpty 'exclude')                  |
 * An excluded class has `included: false`, `values: null`; it is left out of the case's class mean and of
 * aggregate means and counted in `excludedClasses` / `excluded`. No metric returns NaN or Infinity.
 *
 * Distances (surface.ts, hausdorff.ts): surface = foreground voxels with a background face-neighbour (image outside =
 * background), as MONAI get_mask_edges / medpy; distances between surface voxel centres in mm from an exact
 * Felzenszwalb-Huttenlocher EDT with per-axis spacing. HD = max of the two directed maxima; HD95 = numpy-linear 95th
 * percentile of the union of both directed distance sets (medpy; 'max-directed' gives MONAI's rule); ASSD = mean of
 * the union.
 */
export * from './label-map.js';
export * from './result.js';
export * from './confusion.js';
export * from './dice.js';
export * from './edt.js';
export * from './surface.js';
export * from './stats.js';
export * from './hausdorff.js';
export * from './aggregate.js';
export * from './classification.js';
export * from './segmentation-cases.js';
