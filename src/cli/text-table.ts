/**
 * Plain-text tables for the terminal: columns padded to their widest cell, two spaces apart, a rule under the
 * header. Columns given a maximum width wrap their cells at spaces onto continuation lines; the last column is not
 * padded.
 */

export interface TextTableOptions {
  /** per column: the widest a cell may be before it wraps (undefined = never wraps) */
  maxWidths?: readonly (number | undefined)[];
}

/** `text` broken at spaces into lines of at most `width` characters (a longer word gets a line of its own) */
export function wrapText(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  lines.push(line);
  return lines;
}

export function textTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  options: TextTableOptions = {},
): string {
  const wrapped = rows.map((r) =>
    r.map((cell, c) => {
      const max = options.maxWidths?.[c];
      return max === undefined ? [cell] : wrapText(cell, Math.max(max, header[c]!.length));
    }),
  );
  const widths = header.map((h, c) =>
    Math.max(h.length, ...wrapped.flatMap((r) => (r[c] ?? ['']).map((l) => l.length))),
  );
  const last = header.length - 1;
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, c) => (c === last ? cell : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd();
  const out = [line(header), line(widths.map((w, c) => '-'.repeat(c === last ? Math.max(header[c]!.length, 3) : w)))];
  for (const r of wrapped) {
    const height = Math.max(...r.map((l) => l.length));
    for (let k = 0; k < height; k++) out.push(line(r.map((l) => l[k] ?? '')));
  }
  return out.join('\n') + '\n';
}
