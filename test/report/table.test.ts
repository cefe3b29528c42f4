import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  meanSampleStd,
  recordsToCsv,
  summarize,
  tableToCsv,
  tableToMarkdown,
  type ResultRecord,
} from '../../src/report/table.js';

// per-fold Dice written out; means and sample stds below are computed by hand
const random10 = [0.8, 0.82, 0.84, 0.86, 0.88]; // mean 0.84; squared deviations 16e-4, 4e-4, 0, 4e-4, 16e-4 -> sum 4e-3
const random20 = [0.9, 0.9, 0.9, 0.9, 0.9]; // mean 0.9, std 0
const pcl10 = [0.85, 0.87, 0.86, 0.85, 0.87]; // mean 0.86; deviations ±0.01 (4x), 0 -> sum 4e-4
const pcl20 = [0.9, 0.92, 0.91, 0.9, 0.92]; // mean 0.91; sum sq dev 4e-4

function records(): ResultRecord[] {
  const out: ResultRecord[] = [];
  const add = (method: string, M: number | 'all', vals: number[]) =>
    vals.forEach((v, fold) => out.push({ method, M, fold, values: { dice: v, hd95: 10 - 10 * v } }));
  add('Random', 10, random10);
  add('Random', 20, random20);
  add('PCL', 10, pcl10);
  add('PCL', 20, pcl20);
  return out;
}

test('meanSampleStd: divisor n - 1 (not n)', () => {
  const r = meanSampleStd(random10);
  assert.ok(Math.abs(r.mean - 0.84) < 1e-12);
  assert.ok(Math.abs(r.std! - Math.sqrt(4e-3 / 4)) < 1e-12, `${r.std}`); // population: sqrt(4e-3 / 5) = 0.0283
  assert.equal(meanSampleStd([0.5]).std, null);
  assert.throws(() => meanSampleStd([]), /no values/);
});

test('summarize: means and sample stds per method and M', () => {
  const t = summarize(records(), { metric: 'dice' });
  assert.deepEqual(t.budgets, [10, 20]);
  assert.deepEqual(
    t.rows.map((r) => r.method),
    ['Random', 'PCL'],
  );
  const [rnd, pcl] = t.rows;
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);
  close(rnd!.cells[0]!.mean, 0.84);
  close(rnd!.cells[0]!.std!, Math.sqrt(0.004 / 4));
  close(rnd!.cells[1]!.std!, 0);
  close(pcl!.cells[0]!.mean, 0.86);
  close(pcl!.cells[0]!.std!, Math.sqrt(0.0004 / 4));
  close(pcl!.cells[1]!.mean, 0.91);
  assert.deepEqual(rnd!.cells[0]!.folds, [0, 1, 2, 3, 4]);
  assert.equal(pcl!.cells[0]!.best, true);
  assert.equal(rnd!.cells[0]!.best, false);
});

test('tableToMarkdown: methods as rows, M as columns, mean (std), best in bold', () => {
  const md = tableToMarkdown(summarize(records(), { metric: 'dice' }));
  assert.equal(
    md,
    [
      '| Method | M = 10 | M = 20 |',
      '| --- | ---: | ---: |',
      '| Random | 0.840 (0.032) | 0.900 (0.000) |',
      '| PCL | **0.860 (0.010)** | **0.910 (0.010)** |',
      '',
    ].join('\n'),
  );
  // sqrt(0.004/4) = 0.0316 -> 0.032 (population std would show 0.028); sqrt(0.0004/4) = 0.01
  const paper = tableToMarkdown(
    summarize(records(), { metric: 'dice', stdStyle: 'paper', methods: ['PCL', 'Random'] }),
  );
  assert.match(paper, /^\| Method \| M = 10 \| M = 20 \|\n/);
  assert.match(
    paper,
    /\| PCL \| \*\*0\.860\(\.010\)\*\* \| \*\*0\.910\(\.010\)\*\* \|\n\| Random \| 0\.840\(\.032\) \| 0\.900\(\.000\) \|/,
  );
});

test('lower is better, percent scale, ties at the displayed precision both bold', () => {
  const hd = tableToMarkdown(summarize(records(), { metric: 'hd95', higherIsBetter: false, digits: 2 }));
  // hd95 = 10 - 10 dice: Random M=10 mean 1.6, PCL 1.4 (best, lowest)
  assert.match(hd, /\| Random \| 1\.60 \(0\.32\) \| 1\.00 \(0\.00\) \|/);
  assert.match(hd, /\| PCL \| \*\*1\.40 \(0\.10\)\*\* \| \*\*0\.90 \(0\.10\)\*\* \|/);
  const pct = tableToMarkdown(summarize(records(), { metric: 'dice', scale: 100, digits: 1 }));
  assert.match(pct, /\| Random \| 84\.0 \(3\.2\) \| 90\.0 \(0\.0\) \|/);
  const tie: ResultRecord[] = [
    { method: 'A', M: 5, fold: 0, values: { dice: 0.9001 } },
    { method: 'B', M: 5, fold: 0, values: { dice: 0.9004 } },
    { method: 'C', M: 5, fold: 0, values: { dice: 0.8 } },
  ];
  const t = summarize(tie, { metric: 'dice' });
  assert.deepEqual(
    t.rows.map((r) => r.cells[0]!.best),
    [true, true, false],
  );
});

test('missing cells, partial folds, single fold, all column, groups, escaping', () => {
  const recs: ResultRecord[] = [
    ...[0, 1, 2, 3, 4].map((fold) => ({
      group: 'U-Net',
      method: 'Random',
      M: 'all' as const,
      fold,
      values: { dice: 0.9 },
    })),
    ...[0, 1, 2].map((fold) => ({ group: 'U-Net', method: 'PCL', M: 2, fold, values: { dice: 0.5 + 0.1 * fold } })),
    { group: 'U-Net', method: 'PCL', M: 'all', fold: 0, values: { dice: 0.95 } },
    { group: 'DeepLab|V3+', method: 'a|b', M: 2, fold: 0, values: { dice: 0.4 } },
  ];
  const t = summarize(recs, { metric: 'dice', groupLabel: 'Backbone', allLabel: 'M = 51' });
  assert.deepEqual(t.budgets, [2, 'all']);
  assert.equal(t.maxFolds, 5);
  const md = tableToMarkdown(t);
  assert.equal(
    md,
    [
      '| Backbone | Method | M = 2 | M = 51 |',
      '| --- | --- | ---: | ---: |',
      '| U-Net | Random | — | 0.900 (0.000) |',
      '|  | PCL | **0.600 (0.100) [n=3]** | **0.950 (–) [n=1]** |',
      '| DeepLab\\|V3+ | a\\|b | **0.400 (–) [n=1]** | — |',
      '',
    ].join('\n'),
  );
});

test('summarize: bad records are refused naming the record', () => {
  const base = records();
  assert.throws(
    () => summarize([...base, { ...base[0]! }], { metric: 'dice' }),
    /results\[20\]: duplicate result for Random, M = 10, fold 0/,
  );
  assert.throws(
    () => summarize([{ method: 'X', M: 2, fold: 0, values: { dice: NaN } }], { metric: 'dice' }),
    /results\[0\]\.values\.dice: not a finite number \(NaN\)/,
  );
  assert.throws(
    () => summarize([{ method: 'X', M: 2, fold: 0, values: {} }], { metric: 'dice' }),
    /results\[0\]\.values\.dice: missing/,
  );
  assert.throws(
    () => summarize([{ method: 'X', M: 0, fold: 0, values: { dice: 1 } }], { metric: 'dice' }),
    /results\[0\]\.M: expected a positive integer or "all"/,
  );
  assert.throws(
    () => summarize([{ method: 'X', M: 2, fold: -1, values: { dice: 1 } }], { metric: 'dice' }),
    /results\[0\]\.fold/,
  );
});

test('CSV: one line per cell with unrounded statistics; raw records CSV', () => {
  const csv = tableToCsv(summarize(records(), { metric: 'dice' }));
  const lines = csv.trim().split('\n');
  assert.equal(lines[0], 'method,M,metric,mean,std,n,folds,best');
  assert.equal(lines.length, 5);
  const rnd10 = lines[1]!.split(',');
  assert.deepEqual(rnd10.slice(0, 3), ['Random', '10', 'dice']);
  assert.ok(Math.abs(Number(rnd10[3]) - 0.84) < 1e-12);
  assert.ok(Math.abs(Number(rnd10[4]) - Math.sqrt(0.001)) < 1e-12);
  assert.deepEqual(rnd10.slice(5), ['5', '0;1;2;3;4', 'false']);
  assert.equal(lines[3]!.split(',').at(-1), 'true');
  const raw = recordsToCsv([{ method: 'a,"b"', M: 'all', fold: 1, values: { dice: 0.5, hd: 2 } }]);
  assert.equal(raw, 'method,M,fold,dice,hd\n"a,""b""",all,1,0.5,2\n');
});
