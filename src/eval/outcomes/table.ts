/**
 * The outcome variables of DrasCLR's image-level readouts (paper §4.2, Tables 2 and 3; docs/drasclr.md): one row per
 * scan, in the row order of the features, grouped by patient. `outcomeTableFromManifest` reads them from manifest
 * items' `meta` fields, named by an OutcomeSpec.
 */
import { z } from 'zod';
import type { ManifestItem } from '../../io/manifest.js';

export interface RegressionOutcome {
  name: string;
  /** one value per row */
  values: ArrayLike<number>;
  /** regress log(value) (the paper's log FEV1pp); every value must then be > 0 */
  log?: boolean;
}

export interface OrdinalOutcome {
  name: string;
  /** integer grade codes, one per row (consecutive grades, so that "1-off" means one grade) */
  values: ArrayLike<number>;
}

export interface SurvivalOutcome {
  name: string;
  /** follow-up time (≥ 0) per row */
  time: ArrayLike<number>;
  /** 1 = event observed, 0 = censored */
  event: ArrayLike<number | boolean>;
}

/** The outcome variables of the rows of a feature matrix (same row order). */
export interface OutcomeTable {
  /** patient id of each row: the folds are grouped by patient */
  patients: readonly string[];
  /** a name per row for messages (e.g. the image file); default "row i" */
  rowNames?: readonly string[];
  regression?: RegressionOutcome[];
  ordinal?: OrdinalOutcome[];
  survival?: SurvivalOutcome[];
}

/** Which manifest `meta` fields hold which kind of outcome (the `outcomes` of a config). */
export const outcomeSpecSchema = z.strictObject({
  /** continuous outcomes (linear regression, R²) */
  regression: z.array(z.string()).optional(),
  /** regress the log of these regression fields (true: all of them) */
  logTransform: z.union([z.boolean(), z.array(z.string())]).optional(),
  /** ordinal grades (multinomial logistic regression, accuracy and 1-off accuracy) */
  ordinal: z.array(z.string()).optional(),
  /** survival time and event fields (Cox, concordance) */
  survival: z.strictObject({ time: z.string(), event: z.string() }).optional(),
});

export type OutcomeSpec = z.infer<typeof outcomeSpecSchema>;

/**
 * The lung CT phantoms' outcomes (phantoms/lungct.ts): score (like FEV1 % predicted; regressed on the log scale as
 * the paper's log FEV1pp, and log score is linear in the lesion burden), stage 0..4 (like GOLD), survivalYears and
 * event.
 */
export const LUNGCT_OUTCOMES: OutcomeSpec = {
  regression: ['score'],
  logTransform: ['score'],
  ordinal: ['stage'],
  survival: { time: 'survivalYears', event: 'event' },
};

const WHAT = 'outcomeTableFromManifest';

/** the regression fields to log-transform; every one must be a regression field */
function logFieldsOf(spec: OutcomeSpec, regression: readonly string[]): Set<string> {
  const t = spec.logTransform;
  const fields = new Set(t === true ? regression : t === false ? [] : (t ?? []));
  for (const f of fields)
    if (!regression.includes(f))
      throw new Error(`${WHAT}: logTransform names "${f}", which is not one of the regression fields [${regression}]`);
  return fields;
}

function itemName(it: ManifestItem): string {
  return `item ${it.index}${it.line !== undefined ? ` (line ${it.line})` : ''} ${it.image}`;
}

/** A meta field of every item as numbers (NaN where a problem was recorded in `problems`). */
function readField(
  items: readonly ManifestItem[],
  field: string,
  allowBoolean: boolean,
  problems: string[],
): Float64Array {
  return Float64Array.from(items, (it) => {
    const v = it.meta?.[field];
    if (v === undefined || v === null) {
      problems.push(`${itemName(it)}: meta field "${field}" is missing`);
      return NaN;
    }
    if (typeof v === 'boolean' && allowBoolean) return v ? 1 : 0;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      problems.push(`${itemName(it)}: meta field "${field}" = ${JSON.stringify(v)} is not a finite number`);
      return NaN;
    }
    return v;
  });
}

/** One error listing the first 20 problems and how many more there are. */
function problemsError(problems: readonly string[]): Error {
  const shown = problems.slice(0, 20);
  return new Error(
    `${WHAT}: ${problems.length} problem${problems.length > 1 ? 's' : ''}:\n  ${shown.join('\n  ')}` +
      (problems.length > shown.length ? `\n  … and ${problems.length - shown.length} more` : ''),
  );
}

/**
 * The outcome table of manifest items, in the row order of the features (e.g. a LandmarkPatchDataset's scans mapped
 * to `manifest.items[scan.item]`). Numbers are required (a JSON number, or a CSV cell that reads as one); an event
 * may also be a boolean. Every missing or non-numeric field is reported at once, naming the item (its image file)
 * and the field.
 */
export function outcomeTableFromManifest(
  items: readonly ManifestItem[],
  spec: OutcomeSpec = LUNGCT_OUTCOMES,
): OutcomeTable {
  if (items.length === 0) throw new Error(`${WHAT}: no items`);
  const regression = spec.regression ?? [];
  const ordinal = spec.ordinal ?? [];
  const logFields = logFieldsOf(spec, regression);
  if (regression.length === 0 && ordinal.length === 0 && !spec.survival)
    throw new Error(`${WHAT}: the spec names no outcome (regression, ordinal or survival)`);
  const problems: string[] = [];
  const read = (field: string, allowBoolean = false): Float64Array => readField(items, field, allowBoolean, problems);
  const s = spec.survival;
  const table: OutcomeTable = {
    patients: items.map((it) => it.patient),
    rowNames: items.map((it) => it.image),
    regression: regression.map((f) => ({ name: f, values: read(f), log: logFields.has(f) })),
    ordinal: ordinal.map((f) => ({ name: f, values: read(f) })),
    survival: s ? [{ name: s.time, time: read(s.time), event: read(s.event, true) }] : [],
  };
  if (problems.length > 0) throw problemsError(problems);
  return table;
}
