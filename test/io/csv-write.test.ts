import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csvRows, toCsv } from '../../src/io/csv-write.js';
import { parseCsv } from '../../src/io/csv.js';

test('toCsv: RFC 4180 quoting, null as an empty field, and a round trip through the reader', () => {
  const text = toCsv(
    ['case', 'v'],
    [
      ['a,b', 1.5],
      ['line\nbreak', null],
      ['q"', 0],
    ],
  );
  assert.equal(text, 'case,v\n"a,b",1.5\n"line\nbreak",\n"q""",0\n');
  assert.deepEqual(
    parseCsv(text).map((r) => r.fields),
    [
      ['case', 'v'],
      ['a,b', '1.5'],
      ['line\nbreak', ''],
      ['q"', '0'],
    ],
  );
  assert.throws(() => toCsv(['a', 'b'], [['x']]), /row 0 has 1 fields, the header 2/);
});

test('csvRows: blocks of rows concatenate to one table', () => {
  const rows = [
    ['p,1', 0.25],
    ['p2', null],
  ];
  assert.equal(csvRows(rows.slice(0, 1)) + csvRows(rows.slice(1)), '"p,1",0.25\np2,\n');
});
