/** The CLI's shared pieces: whole-config validation naming options and file fields, text tables, CSV quoting. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { flagNames, flagOf, parseOptions } from '../../src/cli/options.js';
import { textTable, wrapText } from '../../src/cli/text-table.js';
import { csvField, toCsv } from '../../src/io/csv-write.js';
import { parseCsv } from '../../src/io/csv.js';

const schema = z.strictObject({
  trainPatients: z.array(z.string()).min(1),
  encoder: z.strictObject({ widths: z.array(z.number().int().positive()) }),
  lr: z.number().positive(),
});

test('parseOptions: every problem, named by flag, by file field, or by path', () => {
  assert.equal(flagOf('trainPatients'), '--train-patients');
  const names = { ...flagNames(['trainPatients']), lr: 'ft.json: lr' };
  assert.throws(
    () => parseOptions(schema, { trainPatients: [], encoder: { widths: [4, -1] }, lr: 0, extra: 1 }, 'finetune', names),
    (e: Error) => {
      const lines = e.message.split('\n');
      assert.equal(lines[0], 'finetune: invalid options:');
      assert.ok(
        lines.some((l) => /^ {2}--train-patients: /.test(l)),
        e.message,
      );
      assert.ok(
        lines.some((l) => /^ {2}encoder\.widths\[1\]: /.test(l)),
        e.message,
      );
      assert.ok(
        lines.some((l) => /^ {2}ft\.json: lr: /.test(l)),
        e.message,
      );
      assert.ok(lines.includes('  extra: unknown field'), e.message);
      return true;
    },
  );
  assert.throws(
    () => parseOptions(schema, { encoder: { widths: [] }, lr: 1 }, 'x', flagNames(['trainPatients'])),
    /--train-patients: required/,
  );
  assert.deepEqual(parseOptions(schema, { trainPatients: ['a'], encoder: { widths: [4] }, lr: 1 }, 'x').trainPatients, [
    'a',
  ]);
});

test('textTable: aligned columns, wrapped cells; wrapText keeps words whole', () => {
  assert.deepEqual(wrapText('aa bb cc dddddd e', 5), ['aa bb', 'cc', 'dddddd', 'e']);
  const t = textTable(
    ['a', 'bb', 'c'],
    [
      ['x', 'one two three', 'end'],
      ['yyyy', 'z', 'last'],
    ],
    { maxWidths: [undefined, 7] },
  );
  assert.equal(
    t,
    ['a     bb       c', '----  -------  ---', 'x     one two  end', '      three', 'yyyy  z        last', ''].join(
      '\n',
    ),
  );
});

test('toCsv: RFC 4180 quoting round-trips through the reader', () => {
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField(null), '');
  const text = toCsv(
    ['case', 'v'],
    [
      ['a,b', 1.5],
      ['line\nbreak', null],
      ['q"', 0],
    ],
  );
  const back = parseCsv(text).map((r) => r.fields);
  assert.deepEqual(back, [
    ['case', 'v'],
    ['a,b', '1.5'],
    ['line\nbreak', ''],
    ['q"', '0'],
  ]);
  assert.throws(() => toCsv(['a', 'b'], [['x']]), /row 0 has 1 fields, the header 2/);
});
