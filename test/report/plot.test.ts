import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { linePlotSvg, scatterSvg, seriesFromTable, svgToPng, type LineSeries } from '../../src/report/plot.js';
import { summarize } from '../../src/report/table.js';

const count = (s: string, re: RegExp) => (s.match(re) ?? []).length;
const attrs = (svg: string, cls: string, name: string) =>
  [...svg.matchAll(new RegExp(`class="${cls}"[^>]*?\\b${name}="([-0-9.]+)"`, 'g'))].map((m) => Number(m[1]));

const series: LineSeries[] = [
  {
    name: 'Random',
    points: [
      { x: 10, mean: 0.77, std: 0.12 },
      { x: 20, mean: 0.87, std: 0.01 },
      { x: 100, mean: 0.92, std: null },
      { x: 'all', mean: 0.93, std: 0.004 },
    ],
  },
  {
    name: 'CL-TCI <MoCo>',
    points: [
      { x: 'all', mean: 0.934, std: 0.004 },
      { x: 10, mean: 0.877, std: 0.004 },
      { x: 20, mean: 0.898, std: 0 },
      { x: 100, mean: 0.926, std: 0.004 },
    ],
  },
  { name: 'PCL', points: [{ x: 20, mean: 0.9, std: 0.02 }] },
];

test('linePlotSvg: one line per series, one point per result, error bars where std > 0, a legend entry each', () => {
  const svg = linePlotSvg(series, { title: 'Dice vs M' });
  assert.equal(count(svg, /class="line"/g), 3);
  assert.equal(count(svg, /class="point"/g), 9);
  assert.equal(count(svg, /class="errorbar"/g), 7); // 3 + 3 + 1: null and 0 std draw none
  assert.equal(count(svg, /class="legend-swatch"/g), 3);
  assert.ok(svg.includes('CL-TCI &lt;MoCo&gt;') && !svg.includes('<MoCo>'), 'names escaped');
  assert.match(svg, /<svg [^>]*width="640" height="420"/);
  // x ticks labelled 10, 20, 100, all
  for (const l of ['>10<', '>20<', '>100<', '>all<']) assert.ok(svg.includes(l), l);
});

test('linePlotSvg: categorical x equally spaced; y linear in the mean', () => {
  const svg = linePlotSvg([series[0]!], {});
  const cx = attrs(svg, 'point', 'cx');
  const cy = attrs(svg, 'point', 'cy');
  assert.equal(cx.length, 4);
  const dx = cx.slice(1).map((v, i) => v - cx[i]!);
  for (const d of dx) assert.ok(Math.abs(d - dx[0]!) < 0.02, `spacing ${dx}`);
  const means = series[0]!.points.map((p) => p.mean);
  const slope = (cy[1]! - cy[0]!) / (means[1]! - means[0]!);
  assert.ok(slope < 0, 'higher Dice is higher on the page');
  for (let i = 2; i < 4; i++) assert.ok(Math.abs((cy[i]! - cy[0]!) / (means[i]! - means[0]!) - slope) < 0.5);
});

test('linePlotSvg: log x puts M at log10 positions', () => {
  const svg = linePlotSvg([series[0]!], { xScale: 'log' });
  const [x10, x20, x100, xAll] = attrs(svg, 'point', 'cx') as [number, number, number, number];
  assert.ok(Math.abs((x20 - x10) / (x100 - x10) - Math.log10(2)) < 1e-3);
  assert.ok(xAll > x100);
});

test('linePlotSvg: bad input is refused', () => {
  assert.throws(() => linePlotSvg([]), /no series/);
  assert.throws(
    () => linePlotSvg([{ name: 'a', points: [{ x: 10, mean: NaN, std: 0 }] }]),
    /points\[0\]\.mean: not a finite/,
  );
  assert.throws(() => linePlotSvg([{ name: 'a', points: [{ x: 0, mean: 1, std: 0 }] }]), /points\[0\]\.x/);
  assert.throws(
    () =>
      linePlotSvg([
        {
          name: 'a',
          points: [
            { x: 5, mean: 1, std: 0 },
            { x: 5, mean: 1, std: 0 },
          ],
        },
      ]),
    /M = 5 appears twice/,
  );
  assert.throws(() => linePlotSvg(series, { width: 50 }), /plot size/);
});

test('seriesFromTable: one series per row with the cells that have results', () => {
  const t = summarize(
    [
      { method: 'A', M: 2, fold: 0, values: { dice: 0.5 } },
      { method: 'A', M: 2, fold: 1, values: { dice: 0.7 } },
      { method: 'B', M: 'all', fold: 0, values: { dice: 0.9 } },
    ],
    { metric: 'dice' },
  );
  const s = seriesFromTable(t);
  assert.equal(s.length, 2);
  assert.equal(s[0]!.points.length, 1);
  assert.ok(Math.abs(s[0]!.points[0]!.mean - 0.6) < 1e-12);
  assert.ok(Math.abs(s[0]!.points[0]!.std! - Math.SQRT2 * 0.1) < 1e-12); // sample std of 0.5, 0.7
  assert.deepEqual(s[1]!.points, [{ x: 'all', mean: 0.9, std: null }]);
});

test('svgToPng: decodes with sharp at the SVG size (and scaled)', async () => {
  const svg = linePlotSvg(series, { width: 500, height: 300 });
  const png = await svgToPng(svg);
  const meta = await sharp(png).metadata();
  assert.equal(meta.format, 'png');
  assert.equal(meta.width, 500);
  assert.equal(meta.height, 300);
  const big = await sharp(await svgToPng(svg, undefined, { scale: 2 })).metadata();
  assert.equal(big.width, 1000);
  assert.equal(big.height, 600);
  // not blank: the plot draws coloured pixels (Tableau blue of the first series)
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  let blue = 0;
  for (let i = 0; i < info.width * info.height; i++) {
    const [r, g, b] = [data[3 * i]!, data[3 * i + 1]!, data[3 * i + 2]!];
    if (Math.abs(r - 31) < 25 && Math.abs(g - 119) < 25 && Math.abs(b - 180) < 25) blue++;
  }
  assert.ok(blue > 50, `${blue} blue pixels`);
});

test('scatterSvg: a point per row; legend per category or a colour bar for values', async () => {
  const n = 30;
  const pts = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    pts[2 * i] = Math.cos(i) * i;
    pts[2 * i + 1] = Math.sin(i) * i;
  }
  const cats = Array.from({ length: n }, (_, i) => `patient-${i % 4}`);
  const a = scatterSvg(pts, { categories: cats, colourLabel: 'patient', title: 't-SNE' });
  assert.equal(count(a, /class="point"/g), n);
  assert.equal(count(a, /class="legend-swatch"/g), 4);
  // the 4 categories use 4 distinct fills, and points of one category share one
  const fills = [...a.matchAll(/class="point"[^>]*fill="(#[0-9a-f]{6})"/g)].map((m) => m[1]!);
  assert.equal(new Set(fills).size, 4);
  for (let i = 4; i < n; i++) assert.equal(fills[i], fills[i % 4]);
  // points inside the plot, x order preserved
  const cx = attrs(a, 'point', 'cx');
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) if (pts[2 * i]! < pts[2 * j]!) assert.ok(cx[i]! <= cx[j]!);
  }

  const b = scatterSvg(pts, { values: Array.from({ length: n }, (_, i) => i / n), colourLabel: 'position' });
  assert.equal(count(b, /class="point"/g), n);
  assert.ok(b.includes('linearGradient id="colourbar"'));
  assert.equal(count(b, /class="legend-swatch"/g), 0);

  const many = scatterSvg(pts, { categories: Array.from({ length: n }, (_, i) => i), maxLegendEntries: 10 });
  assert.equal(count(many, /class="legend-swatch"/g), 10);
  assert.ok(many.includes('… and 20 more'));

  const meta = await sharp(await svgToPng(a)).metadata();
  assert.equal(meta.width, 560);
  assert.equal(meta.height, 480);

  assert.throws(() => scatterSvg([0, 1, 2]), /n×2/);
  assert.throws(() => scatterSvg([0, 1, NaN, 2]), /point 1 has a non-finite/);
  assert.throws(() => scatterSvg([0, 1, 2, 3], { categories: ['a'] }), /categories has 1 entries for 2 points/);
  assert.throws(() => scatterSvg([0, 1, 2, 3], { categories: ['a', 'b'], values: [1, 2] }), /not both/);
});
