import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapMeanCI, percentileCI } from '../../../src/eval/stats/bootstrap.js';
import { holm } from '../../../src/eval/stats/holm.js';
import type { VerdictRecord } from '../../../src/eval/stats/paired.js';
import { verdictMarkdown, verdictSentence, verdictTable } from '../../../src/eval/stats/verdict.js';
import { Rng } from '../../../src/util/rng.js';

const FOLDS = 3;
const PER_FOLD = 20;

/** baseline per-case Dice with a large case-to-case spread, and methods given as per-case offsets */
function makeRecords(
  seed: number,
  methods: Record<string, (base: number, rng: Rng) => number>,
  M: number | 'all' = 1,
): VerdictRecord[] {
  const rng = new Rng(seed);
  const out: VerdictRecord[] = [];
  for (let fold = 0; fold < FOLDS; fold++) {
    // zero-padded, so the index order is the (fold, case) order pairDifferences sorts into
    const ids = Array.from({ length: PER_FOLD }, (_, i) => `f${fold}c${String(i).padStart(2, '0')}`);
    const base = ids.map(() => rng.uniform(0.1, 0.9));
    const cases = (v: number[]) => ids.map((id, i) => ({ case: id, patient: `p${id}`, meanDice: v[i]! }));
    out.push({ method: 'random', M, fold, cases: cases(base) });
    for (const [name, f] of Object.entries(methods))
      out.push({ method: name, M, fold, cases: cases(base.map((b) => f(b, rng))) });
  }
  return out;
}

/** plain mean and sample variance (test-side reference) */
function meanVar(x: number[]): [number, number] {
  const m = x.reduce((s, v) => s + v, 0) / x.length;
  return [m, x.reduce((s, v) => s + (v - m) ** 2, 0) / (x.length - 1)];
}

test('verdictTable: pairing finds a uniform +0.05 under large case-to-case variance; unpaired would not', () => {
  const records = makeRecords(1, { pcl: (b, rng) => b + 0.05 + rng.uniform(-0.005, 0.005) });
  const t = verdictTable(records, { resamples: 2000 });
  const [row] = t.rows;
  assert.equal(t.rows.length, 1);
  assert.equal(row!.n, FOLDS * PER_FOLD);
  assert.equal(row!.folds, FOLDS);
  assert.ok(Math.abs(row!.mean - 0.05) < 0.002);
  assert.ok(row!.holmCI[0] > 0.045 && row!.holmCI[1] < 0.055, `Holm CI ${row!.holmCI}`);
  assert.ok(row!.helped && !row!.hurt);
  // unpaired (Welch, normal approximation) from the same records: the interval includes 0
  const all = (m: string) => records.filter((r) => r.method === m).flatMap((r) => r.cases.map((c) => c.meanDice!));
  const [ma, va] = meanVar(all('pcl'));
  const [mb, vb] = meanVar(all('random'));
  const half = 1.96 * Math.sqrt(va / all('pcl').length + vb / all('random').length);
  assert.ok(ma - mb - half < 0 && ma - mb + half > 0, `unpaired ${ma - mb} ± ${half}`);
});

test('verdictTable: Holm levels by rank, CIs from the same resamples, adjusted p = holm(p)', () => {
  const records = makeRecords(7, {
    strong: (b, rng) => b + 0.04 + rng.normal(0, 0.05),
    medium: (b, rng) => b + 0.012 + rng.normal(0, 0.05),
    weak: (b, rng) => b + 0.002 + rng.normal(0, 0.05),
  });
  const t = verdictTable(records, { seed: 5, resamples: 4000 });
  assert.deepEqual(
    t.rows.map((r) => r.method),
    ['strong', 'medium', 'weak'],
  );
  const [strong, medium, weak] = t.rows as [(typeof t.rows)[0], (typeof t.rows)[0], (typeof t.rows)[0]];
  assert.ok(strong.p < medium.p && medium.p < weak.p, `p ${strong.p} ${medium.p} ${weak.p}`);
  assert.deepEqual(
    t.rows.map((r) => r.holmLevel),
    [1 - 0.05 / 3, 1 - 0.05 / 2, 1 - 0.05 / 1],
  );
  assert.deepEqual(
    t.rows.map((r) => r.pHolm),
    holm(t.rows.map((r) => r.p)),
  );
  for (const r of t.rows) {
    const strata = records.filter((x) => x.method === r.method).flatMap((x) => x.cases.map(() => x.fold));
    const diffs = records
      .filter((x) => x.method === r.method)
      .flatMap((x, k) => x.cases.map((c, i) => c.meanDice! - records[4 * k]!.cases[i]!.meanDice!));
    const b = bootstrapMeanCI(diffs, { seed: 5, resamples: 4000, strata, stream: `bootstrap|${r.method}|1` });
    assert.deepEqual(r.holmCI, percentileCI(b.means, r.holmLevel));
    assert.deepEqual(r.ci, [b.lower, b.upper]);
    assert.equal(r.p, b.p);
    assert.ok(Math.abs(r.mean - b.mean) < 1e-15);
  }
  assert.ok(strong.holmCI[0] <= strong.ci[0] && strong.holmCI[1] >= strong.ci[1]);
  assert.ok(strong.helped && !weak.helped && !weak.hurt);
});

test('verdictTable: Holm step-down stops at the first comparison it cannot reject', () => {
  // deterministic samples z / sqrt(n) + (evenly spaced values of unit sd): z = mean / (sd / sqrt n) = 2.15 and 2.02,
  // two-sided normal p about 0.032 and 0.043
  const n = 200;
  const q = Array.from({ length: n }, (_, i) => (i + 0.5) / n - 0.5);
  const sq = Math.sqrt(q.reduce((s, v) => s + v * v, 0) / n);
  const sample = (z: number) => q.map((v) => z / Math.sqrt(n) + v / sq);
  const rec = (method: string, v: number[]): VerdictRecord => ({
    method,
    M: 1,
    fold: 0,
    cases: v.map((d, i) => ({ case: `c${i}`, patient: `p${i}`, meanDice: 0.5 + d })),
  });
  const records = [rec('random', new Array(n).fill(0)), rec('a', sample(2.15)), rec('b', sample(2.02))];
  const t = verdictTable(records, { seed: 1 });
  const [a, b] = t.rows as [(typeof t.rows)[0], (typeof t.rows)[0]];
  // preconditions: a ranks first and its 97.5% interval includes 0; b's own 95% interval excludes 0
  assert.ok(a.p < b.p && a.holmLevel === 1 - 0.05 / 2 && b.holmLevel === 0.95, `p ${a.p} ${b.p}`);
  assert.ok(a.holmCI[0] <= 0 && b.holmCI[0] > 0, `a ${a.holmCI}, b ${b.holmCI}`);
  assert.ok(!a.helped && !b.helped, 'b is not declared: the step-down stopped at a');
  assert.ok(b.pHolm > 0.05);
});

test('verdictTable: HD95 (lower is better) flips helped and hurt', () => {
  const recs = makeRecords(3, { pcl: (b) => b }).map((r) => ({
    ...r,
    cases: r.cases.map((c, i) => ({ ...c, meanHd95: 20 + 10 * c.meanDice! + (r.method === 'pcl' ? -5 + (i % 3) : 0) })),
  }));
  const t = verdictTable(recs, { metric: 'meanHd95', resamples: 1000 });
  assert.equal(t.higherIsBetter, false);
  assert.ok(t.rows[0]!.mean < -3.5 && t.rows[0]!.helped && !t.rows[0]!.hurt);
  const flipped = verdictTable(recs, { metric: 'meanHd95', resamples: 1000, higherIsBetter: true });
  assert.ok(flipped.rows[0]!.hurt && !flipped.rows[0]!.helped);
  assert.match(verdictSentence(t), /^pcl helped at M=1 \(Δ -4\.\d\d, Holm 95% CI \[-\d\.\d\d, -\d\.\d\d\]\)\.$/);
});

test('verdictTable: same seed -> identical output, whatever the order of records and cases', () => {
  const records = makeRecords(4, {
    pcl: (b, rng) => b + rng.normal(0.01, 0.05),
    gcl: (b, rng) => b + rng.normal(0, 0.05),
  });
  const a = verdictTable(records, { seed: 9, resamples: 1000 });
  assert.deepEqual(verdictTable(records, { seed: 9, resamples: 1000 }), a);
  const rng = new Rng(0);
  const shuffled = rng.shuffle(records.map((r) => ({ ...r, cases: rng.shuffle([...r.cases]) })));
  const b = verdictTable(shuffled, { seed: 9, resamples: 1000 });
  const byKey = (t: typeof a) => Object.fromEntries(t.rows.map((r) => [`${r.method}|${r.M}`, r]));
  assert.deepEqual(byKey(b), byKey(a));
  assert.notDeepEqual(verdictTable(records, { seed: 10, resamples: 1000 }).rows[0]!.ci, a.rows[0]!.ci);
});

test('verdictMarkdown and verdictSentence: columns, verdicts, skipped cases, "No method helped"', () => {
  const records = makeRecords(5, { pcl: (b) => b + 0.08, same: (b, rng) => b + rng.normal(0, 0.1) });
  records.find((r) => r.method === 'pcl')!.cases = records.find((r) => r.method === 'pcl')!.cases.slice(2);
  const t = verdictTable(records, { resamples: 1000 });
  const md = verdictMarkdown(t, { metricLabel: 'mean Dice' }).split('\n');
  assert.equal(md[0], '| method | M | n | Δ mean | 95% CI | Holm CI | p (Holm) | verdict |');
  assert.match(
    md[2]!,
    /^\| pcl \| 1 \| 58 \| \+0\.080 \| \[0\.080, 0\.080\] \| \[0\.080, 0\.080\] \(97\.5%\) \| 0\.00\d \| helped \|$/,
  );
  assert.match(md[3]!, /^\| same \| 1 \| 60 \| [+-]0\.0\d\d \| .* \| no clear difference \|$/);
  assert.match(md[5]!, /Unmatched cases skipped: pcl M=1: 0 only in pcl, 2 only in random, 0 without a value\./);
  assert.equal(verdictMarkdown(t, { metricLabel: 'Dice', note: false }).split('\n').length, 4);
  assert.equal(verdictSentence(t), 'pcl helped at M=1 (Δ +0.080, Holm 95% CI [0.080, 0.080]).');
  const none = verdictTable(makeRecords(6, { same: (b, rng) => b + rng.normal(0, 0.1) }), { resamples: 500 });
  assert.equal(
    verdictSentence(none),
    'No method helped against random (Holm-corrected paired bootstrap, 1 comparison).',
  );
});

test('verdictTable: pairs: each row against its own baseline, Holm over all pairs, streams naming the baseline', () => {
  const records = makeRecords(11, {
    pcl: (b, rng) => b + 0.06 + rng.normal(0, 0.02),
    transfer: (b, rng) => b + 0.05 + rng.normal(0, 0.02),
  });
  const pairs = [
    { method: 'transfer', baseline: 'pcl' },
    { method: 'transfer', baseline: 'random' },
  ];
  const t = verdictTable(records, { pairs, seed: 3, resamples: 2000 });
  assert.equal(t.baseline, 'per row');
  assert.deepEqual(
    t.rows.map((r) => [r.method, r.baseline]),
    [
      ['transfer', 'pcl'],
      ['transfer', 'random'],
    ],
  );
  // the differences recomputed here from the records (float64), per pair, and the bootstrap on its own stream
  const cells = (m: string) => records.filter((r) => r.method === m);
  for (const r of t.rows) {
    const mine = cells(r.method);
    const theirs = cells(r.baseline);
    const diffs = mine.flatMap((x, k) => x.cases.map((c, i) => c.meanDice! - theirs[k]!.cases[i]!.meanDice!));
    const strata = mine.flatMap((x) => x.cases.map(() => x.fold));
    const stream = `bootstrap|${r.method}|vs|${r.baseline}|1`;
    const b = bootstrapMeanCI(diffs, { seed: 3, resamples: 2000, strata, stream });
    assert.ok(Math.abs(r.mean - diffs.reduce((s, v) => s + v, 0) / diffs.length) < 1e-12);
    assert.deepEqual(r.ci, [b.lower, b.upper]);
  }
  // Holm over the two pairs: one at level 1 - 0.05/2, one at 0.95
  assert.deepEqual(t.rows.map((r) => r.holmLevel).sort(), [1 - 0.05 / 2, 0.95].sort());
  const [vsPcl, vsRandom] = t.rows as [(typeof t.rows)[0], (typeof t.rows)[0]];
  // transfer sits about 0.01 below pcl (0.02 spread per case) and 0.05 above random
  assert.ok(vsRandom.helped && vsPcl.hurt && vsPcl.mean < 0 && vsPcl.mean > -0.03, `${vsPcl.mean}`);
  const md = verdictMarkdown(t, { metricLabel: 'test Dice' });
  assert.match(md, /\| transfer − pcl \| 1 \|/);
  assert.match(md, /Δ = method − its baseline in test Dice/);
  assert.match(verdictSentence(t), /transfer helped against random at M=1/);
});
