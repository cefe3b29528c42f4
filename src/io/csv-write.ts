/**
 * Writing CSV (RFC 4180) with csv-stringify, the counterpart of csv.ts: a field holding a comma, a double quote or a
 * line break is written in double quotes with its quotes doubled; null is an empty field; lines end in LF.
 */
import { stringify } from 'csv-stringify/sync';

export type CsvValue = string | number | null;

/** rows as CSV lines, each ending in LF (for writing a large table in blocks) */
export function csvRows(rows: readonly (readonly CsvValue[])[]): string {
  return stringify(rows as CsvValue[][], { record_delimiter: 'unix' });
}

/** a header and rows as CSV text (every row as long as the header) */
export function toCsv(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  rows.forEach((r, i) => {
    if (r.length !== header.length)
      throw new Error(`toCsv: row ${i} has ${r.length} fields, the header ${header.length}`);
  });
  return csvRows([header, ...rows]);
}
