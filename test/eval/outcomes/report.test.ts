/** formatOutcomeReport on a report written out by hand: the header, one row per metric, skipped folds and notes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatOutcomeReport, type OutcomeReport } from '../../../src/eval/outcomes/index.js';

test('formatOutcomeReport: protocol line, mean ± sd to 3 places, folds used, each skip once with its metrics', () => {
  const fold = (f: number, value: number | null, skipped?: string) => ({
    fold: f,
    value,
    ...(skipped ? { skipped } : {}),
  });
  const report: OutcomeReport = {
    rows: 6,
    dim: 4,
    patients: 3,
    k: 2,
    seed: 9,
    foldOf: Int32Array.from([0, 0, 1, 1, 0, 1]),
    folds: [],
    settings: {
      ridge: 1,
      logisticL2: 2,
      coxL2: 0.5,
      quantiles: [0.5],
      quantileOf: 'events',
      oneOffTolerance: 1,
      standardize: 'training fold',
    },
    outcomes: [
      {
        name: 'stage',
        kind: 'ordinal',
        label: 'stage',
        predictions: new Float64Array(6),
        notes: ['fold 1: the logistic regression did not converge'],
        metrics: [
          {
            key: 'accuracy',
            label: 'accuracy',
            mean: 0.5,
            std: 0.25,
            count: 1,
            folds: [fold(0, 0.5), fold(1, null, 'one class')],
          },
          {
            key: 'oneOffAccuracy',
            label: '1-off accuracy',
            mean: null,
            std: null,
            count: 0,
            folds: [fold(0, null, 'x'), fold(1, null, 'one class')],
          },
        ],
      },
    ],
  };
  const lines = formatOutcomeReport(report).split('\n');
  assert.equal(
    lines[0],
    '2-fold cross-validation over 3 patients (6 scans, 4-d features), seed 9; features z-scored on each training ' +
      'fold; ridge 1, logistic L2 2, Cox L2 0.5; sd over folds (ddof 0).',
  );
  assert.deepEqual(lines.slice(2, 6), [
    '| outcome | metric | mean ± sd | folds used |',
    '| --- | --- | --- | --- |',
    '| stage | accuracy | 0.500 ± 0.250 | 1/2 |',
    '| stage | 1-off accuracy | — | 0/2 |',
  ]);
  assert.deepEqual(lines.slice(6), [
    '',
    '- stage (accuracy, 1-off accuracy) skipped fold 1: one class',
    '- stage (1-off accuracy) skipped fold 0: x',
    '- stage: fold 1: the logistic regression did not converge',
    '',
  ]);
});
