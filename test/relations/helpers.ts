/** test helpers: masks from plain double loops, and reading a mask back as a nested array */
export function loopMask(n: number, pred: (i: number, j: number) => boolean): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < n; i++) {
    const row: number[] = [];
    for (let j = 0; j < n; j++) row.push(pred(i, j) ? 1 : 0);
    out.push(row);
  }
  return out;
}

export function toRows(m: { n: number; mask: Uint8Array }): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < m.n; i++) out.push(Array.from(m.mask.subarray(i * m.n, (i + 1) * m.n)));
  return out;
}
