/**
 * Writing CSV (RFC 4180), the counterpart of csv.ts: a field holding a comma, a double quote or a line break is
 * written in double quotes with its quotes doubled; null is an empty field; lines end in LF.
 */

export type CsvValue = string | number | null;

/** one field, quoted when needed */
export function csvField(v: CsvValue): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** a header and rows as CSV text (every row as long as the header) */
export function toCsv(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  rows.forEach((r, i) => {
    if (r.length !== header.length)
      throw new Error(`toCsv: row ${i} has ${r.length} fields, the header ${header.length}`);
  });
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\n') + '\n';
}
