import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCsv } from '../../src/io/csv.js';

test('parseCsv: plain rows, quotes, embedded commas, quotes and line breaks, CRLF, BOM', () => {
  const text = '\ufeffa,b,c\r\n1,"x, y",3\r\n"he said ""hi""","multi\nline",\n\n4,5,6';
  assert.deepEqual(parseCsv(text), [
    { line: 1, fields: ['a', 'b', 'c'] },
    { line: 2, fields: ['1', 'x, y', '3'] },
    { line: 3, fields: ['he said "hi"', 'multi\nline', ''] },
    // the record after a quoted line break starts on line 6 (line 5 is empty)
    { line: 6, fields: ['4', '5', '6'] },
  ]);
});

test('parseCsv: first line number offset, trailing newline, empty fields', () => {
  assert.deepEqual(parseCsv('x,,z\n,\n', 'f.csv', 4), [
    { line: 4, fields: ['x', '', 'z'] },
    { line: 5, fields: ['', ''] },
  ]);
});

test('parseCsv: malformed quotes name the file and line', () => {
  assert.throws(() => parseCsv('a,b\n"open,c\n', 'm.csv'), /m\.csv: line 2: unterminated quoted field/);
  assert.throws(() => parseCsv('a,b\n"x"y,c\n', 'm.csv'), /m\.csv: line 2: unexpected character after a closing quote/);
  assert.throws(() => parseCsv('a,b\nx"y,c\n', 'm.csv'), /m\.csv: line 2: a double quote inside an unquoted field/);
  // an unterminated quote is reported where its record starts, not where the file ends
  assert.throws(() => parseCsv('a\nb\n"c\nd\ne\n', 'm.csv'), /m\.csv: line 3: unterminated quoted field/);
});

test('parseCsv: line numbers after CRLF inside quotes, empty CRLF lines and multi-byte characters', () => {
  const text = 'x\r\n"p\r\nq"\r\n\r\nzé,ü\nw';
  assert.deepEqual(parseCsv(text, 'f.csv', 10), [
    { line: 10, fields: ['x'] },
    { line: 11, fields: ['p\r\nq'] },
    { line: 14, fields: ['zé', 'ü'] },
    { line: 15, fields: ['w'] },
  ]);
});
