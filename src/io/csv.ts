/**
 * A small RFC 4180 CSV reader: comma-separated, fields optionally in double quotes (a quote inside a quoted field
 * is written twice), quoted fields may hold commas and line breaks, lines end in LF or CRLF. Each record keeps the
 * 1-based line number where it starts, for error messages.
 */
export interface CsvRecord {
  line: number;
  fields: string[];
}

/** `firstLine`: the line number of the text's first line (when it is the tail of a larger file) */
export function parseCsv(text: string, source = 'csv', firstLine = 1): CsvRecord[] {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = firstLine;
  let start = firstLine;
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // byte-order mark
  let atFieldStart = true;
  const endRecord = () => {
    fields.push(field);
    // a line with nothing on it is not a record
    if (!(fields.length === 1 && fields[0] === '')) records.push({ line: start, fields });
    fields = [];
    field = '';
    atFieldStart = true;
  };
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        const nx = text[i];
        if (nx !== undefined && nx !== ',' && nx !== '\n' && nx !== '\r')
          throw new Error(`${source}: line ${line}: unexpected character ${JSON.stringify(nx)} after a closing quote`);
        continue;
      }
      if (c === '\n') line++;
      field += c;
      i++;
      continue;
    }
    if (c === '"' && atFieldStart) {
      quoted = true;
      atFieldStart = false;
      i++;
      continue;
    }
    if (c === ',') {
      fields.push(field);
      field = '';
      atFieldStart = true;
      i++;
      continue;
    }
    if (c === '\r' || c === '\n') {
      endRecord();
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
      start = line;
      continue;
    }
    field += c;
    atFieldStart = false;
    i++;
  }
  if (quoted) throw new Error(`${source}: line ${start}: unterminated quoted field`);
  if (field !== '' || fields.length > 0) endRecord();
  return records;
}
