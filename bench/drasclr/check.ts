/** The DrasCLR benchmark's equivalence check: medcl's and PyTorch's numbers for the same two steps, compared. */

export interface CheckRow {
  loss: number;
  local: number;
  neighbour: number | null;
}

/** loss agreement: |medcl − pytorch| <= RTOL·|pytorch| + ATOL (float32 convolutions summed in other orders) */
const RTOL = 1e-3;
const ATOL = 1e-5;

export interface CheckResult {
  ok: boolean;
  rows: Record<string, unknown>[];
  lines: string[];
}

export function compareCheck(
  medclParams: number,
  medcl: CheckRow[],
  torch: { params: number; steps: CheckRow[] },
): CheckResult {
  const lines = [`equivalence check: parameters medcl ${medclParams}, pytorch ${torch.params}`];
  let ok = medclParams === torch.params && medcl.length === torch.steps.length;
  const rows: Record<string, unknown>[] = [{ what: 'parameters', medcl: medclParams, pytorch: torch.params }];
  medcl.forEach((m, i) => {
    const t = torch.steps[i]!;
    for (const key of ['loss', 'local', 'neighbour'] as const) {
      const a = m[key];
      const b = t[key];
      const same = a === null || b === null ? a === b : Math.abs(a - b) <= RTOL * Math.abs(b) + ATOL;
      ok &&= same;
      const diff = a === null || b === null ? null : Math.abs(a - b);
      rows.push({ what: `step ${i + 1} ${key}`, medcl: a, pytorch: b, absDiff: diff, ok: same });
      lines.push(
        `  step ${i + 1} ${key}: medcl ${a?.toFixed(6)}, pytorch ${b?.toFixed(6)}` +
          (diff === null ? '' : ` (|diff| ${diff.toExponential(2)})`) +
          (same ? '' : '  MISMATCH'),
      );
    }
  });
  lines.push(`equivalence check ${ok ? 'passed' : 'FAILED'} (rtol ${RTOL}, atol ${ATOL})`);
  return { ok, rows, lines };
}
