import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandToViews, viewIndex } from '../../src/relations/expand.js';
import type { RelationMask } from '../../src/relations/mask.js';
import { samePatientRelation } from '../../src/relations/same-patient.js';
import { Rng } from '../../src/util/rng.js';
import { toRows } from './helpers.js';

/** reference: enumerate views as (sample, view) pairs in the layout's order, and apply the rule literally */
function reference(rel: number[][], layout: 'stacked' | 'interleaved'): number[][] {
  const n = rel.length;
  const views: [number, number][] = [];
  if (layout === 'stacked') for (let v = 0; v < 2; v++) for (let i = 0; i < n; i++) views.push([i, v]);
  else for (let i = 0; i < n; i++) for (let v = 0; v < 2; v++) views.push([i, v]);
  return views.map(([i], a) =>
    views.map(([j], b) => {
      if (a === b) return 0;
      if (i === j) return 1; // the other view of the same sample
      return rel[i]![j]!;
    }),
  );
}

test('expandToViews: SimCLR identity on 3 samples, stacked layout by hand', () => {
  const rel: RelationMask = { n: 3, mask: Uint8Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]) };
  assert.deepEqual(toRows(expandToViews(rel)), [
    [0, 0, 0, 1, 0, 0],
    [0, 0, 0, 0, 1, 0],
    [0, 0, 0, 0, 0, 1],
    [1, 0, 0, 0, 0, 0],
    [0, 1, 0, 0, 0, 0],
    [0, 0, 1, 0, 0, 0],
  ]);
  assert.deepEqual(toRows(expandToViews(rel, { layout: 'interleaved' })), [
    [0, 1, 0, 0, 0, 0],
    [1, 0, 0, 0, 0, 0],
    [0, 0, 0, 1, 0, 0],
    [0, 0, 1, 0, 0, 0],
    [0, 0, 0, 0, 0, 1],
    [0, 0, 0, 0, 1, 0],
  ]);
});

test('expandToViews: other view always positive, diagonal never, even when the N×N diagonal is 0', () => {
  const rng = new Rng(11);
  for (const layout of ['stacked', 'interleaved'] as const) {
    for (let trial = 0; trial < 5; trial++) {
      const n = rng.int(1, 9);
      const rows = Array.from({ length: n }, () => Array.from({ length: n }, () => (rng.next() < 0.4 ? 1 : 0)));
      const rel: RelationMask = { n, mask: Uint8Array.from(rows.flat()) };
      const got = expandToViews(rel, { layout });
      assert.equal(got.n, 2 * n);
      assert.deepEqual(toRows(got), reference(rows, layout));
    }
  }
});

test('expandToViews of the patient relation: view rows/cols follow viewIndex', () => {
  const patients = ['a', 'b', 'a'];
  const e = expandToViews(samePatientRelation(patients.map((patient) => ({ patient }))));
  // view 0 of sample 0 (row 0) is positive with view 1 of sample 2 (row 5) and view 1 of sample 0 (row 3)
  const row0 = toRows(e)[0]!;
  assert.deepEqual(row0, [0, 0, 1, 1, 0, 1]);
  assert.equal(viewIndex(3, 2, 1), 5);
  assert.equal(viewIndex(3, 2, 1, 'interleaved'), 5);
  assert.equal(viewIndex(3, 1, 0, 'interleaved'), 2);
  assert.throws(() => expandToViews(e, { layout: 'x' as 'stacked' }), /layout/);
});
