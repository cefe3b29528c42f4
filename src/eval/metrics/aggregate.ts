/**
 * Aggregation of per-case metric results across cases (folds, test volumes), the same for every metric.
 * Means and standard deviations are over the INCLUDED values only; excluded ones (values null under an 'exclude'
 * empty-mask policy) are counted, never averaged, so no NaN reaches a report. A statistic over no value is null.
 */
import { CLASS_STATUSES, type ClassResult, type ClassStatus, type MetricResult } from './result.js';
import { summarizeValues, type ValueSummary } from './stats.js';

export type { ValueSummary } from './stats.js';

export interface AggregateOptions {
  /** 'population' (default; numpy.std, ddof 0) or 'sample' (ddof 1) */
  std?: 'population' | 'sample';
}

export interface ClassSummary<V extends string> {
  classId: number;
  /** cases whose result reports this class and includes it */
  included: number;
  /** cases whose result reports this class but excludes it (values null) */
  excluded: number;
  /** cases whose result does not report this class at all (no numClasses, class absent from both maps) */
  absent: number;
  statusCounts: Record<ClassStatus, number>;
  values: Record<V, ValueSummary>;
}

export interface AggregateResult<V extends string> {
  metric: string;
  valueNames: readonly V[];
  cases: number;
  /** per class, sorted by class id */
  classes: ClassSummary<V>[];
  /** summary of each case's mean over its included classes */
  classMean: { included: number; excluded: number; values: Record<V, ValueSummary> };
}

export function aggregate<V extends string>(
  results: readonly MetricResult<V, ClassResult<V>>[],
  options: AggregateOptions = {},
): AggregateResult<V> {
  if (results.length === 0) throw new Error('aggregate: no results');
  const kind = options.std ?? 'population';
  if (kind !== 'population' && kind !== 'sample')
    throw new Error(`aggregate: options.std must be 'population' or 'sample', got ${String(kind)}`);
  const metric = results[0]!.metric;
  const valueNames = results[0]!.valueNames;
  results.forEach((r, i) => {
    if (r.metric !== metric) throw new Error(`aggregate: result ${i} is '${r.metric}' but result 0 is '${metric}'`);
  });
  const ids = [...new Set(results.flatMap((r) => r.classes.map((c) => c.classId)))].sort((a, b) => a - b);
  const classes: ClassSummary<V>[] = ids.map((id) => {
    const statusCounts = Object.fromEntries(CLASS_STATUSES.map((s) => [s, 0])) as Record<ClassStatus, number>;
    const vals = Object.fromEntries(valueNames.map((v) => [v, [] as number[]])) as Record<V, number[]>;
    let included = 0;
    let excluded = 0;
    let absent = 0;
    for (const r of results) {
      const c = r.classes.find((x) => x.classId === id);
      if (!c) {
        absent++;
        continue;
      }
      statusCounts[c.status]++;
      if (c.included && c.values) {
        included++;
        for (const v of valueNames) vals[v].push(c.values[v]);
      } else excluded++;
    }
    const values = Object.fromEntries(valueNames.map((v) => [v, summarizeValues(vals[v], kind)])) as Record<
      V,
      ValueSummary
    >;
    return { classId: id, included, excluded, absent, statusCounts, values };
  });
  const meanVals = Object.fromEntries(valueNames.map((v) => [v, [] as number[]])) as Record<V, number[]>;
  let inc = 0;
  for (const r of results) {
    if (r.classMean) {
      inc++;
      for (const v of valueNames) meanVals[v].push(r.classMean[v]);
    }
  }
  const classMean = {
    included: inc,
    excluded: results.length - inc,
    values: Object.fromEntries(valueNames.map((v) => [v, summarizeValues(meanVals[v], kind)])) as Record<
      V,
      ValueSummary
    >,
  };
  return { metric, valueNames, cases: results.length, classes, classMean };
}
