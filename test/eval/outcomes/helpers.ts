/** Shared pieces of the outcome readout tests: gaussian features, patient ids, a metric of a report. */
import assert from 'node:assert/strict';
import type { OutcomeReport } from '../../../src/eval/outcomes/index.js';
import { Rng } from '../../../src/util/rng.js';

/** rows × dim standard normal features, row-major */
export function gaussian(rng: Rng, rows: number, dim: number): Float64Array {
  return Float64Array.from({ length: rows * dim }, () => rng.normal());
}

/** `perPatient` scans per patient, patients p00, p01, … in row order */
export function patientsOf(rows: number, perPatient: number): string[] {
  return Array.from({ length: rows }, (_, i) => `p${String(Math.floor(i / perPatient)).padStart(2, '0')}`);
}

export function metric(report: OutcomeReport, outcome: string, key: string) {
  const o = report.outcomes.find((r) => r.name === outcome);
  assert.ok(o, `outcome ${outcome} in the report`);
  const m = o.metrics.find((x) => x.key === key);
  assert.ok(m, `metric ${key} of ${outcome}`);
  return m;
}
