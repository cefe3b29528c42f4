/**
 * Reading CSV (RFC 4180) with csv-parse: comma-separated, fields optionally in double quotes (a quote inside a quoted
 * field is written twice), quoted fields may hold commas and line breaks, lines end in LF or CRLF, a byte-order mark
 * is dropped and empty lines are skipped. Each record keeps the 1-based line number where it starts, for error
 * messages.
 */
import { parse } from 'csv-parse/sync';

export interface CsvRecord {
  line: number;
  fields: string[];
}

/** csv-parse's error codes for malformed quoting, in this project's words */
const MESSAGES: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED: 'unterminated quoted field',
  CSV_INVALID_CLOSING_QUOTE: 'unexpected character after a closing quote',
  INVALID_OPENING_QUOTE: 'a double quote inside an unquoted field (quote the field and double the quote)',
};

const LF = 0x0a;
const CR = 0x0d;

/**
 * Line numbers from byte offsets. csv-parse reports the bytes read at the end of each record; its own line count
 * drifts after a CRLF inside a quoted field, so the lines are counted here, one per LF.
 */
class LineCounter {
  private at = 0;
  constructor(
    private readonly buf: Buffer,
    private line: number,
  ) {}
  /** the line of the first record starting at or after byte `from` (skipping empty lines), then move to `to` */
  recordStart(from: number, to = from): number {
    let s = from;
    while (s < this.buf.length && (this.buf[s] === LF || this.buf[s] === CR)) s++;
    const start = this.advance(s);
    this.advance(Math.max(to, s));
    return start;
  }
  private advance(to: number): number {
    for (; this.at < to; this.at++) if (this.buf[this.at] === LF) this.line++;
    return this.line;
  }
}

/** `firstLine`: the line number of the text's first line (when it is the tail of a larger file) */
export function parseCsv(text: string, source = 'csv', firstLine = 1): CsvRecord[] {
  const buf = Buffer.from(text, 'utf8');
  const lines = new LineCounter(buf, firstLine);
  let rows: { record: string[]; info: { bytes: number } }[];
  try {
    // with `info`, csv-parse returns { record, info } per record (its typings do not narrow on the option)
    rows = parse(buf, {
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      record_delimiter: ['\r\n', '\n'],
    }) as unknown as typeof rows;
  } catch (e) {
    const err = e as { code?: string; bytes?: number; message: string };
    const line = lines.recordStart(err.bytes ?? 0); // `bytes`: the end of the last whole record
    throw new Error(`${source}: line ${line}: ${(err.code && MESSAGES[err.code]) ?? err.message}`);
  }
  let from = 0;
  return rows.map(({ record, info }) => {
    const line = lines.recordStart(from, info.bytes);
    from = info.bytes;
    return { line, fields: record };
  });
}
