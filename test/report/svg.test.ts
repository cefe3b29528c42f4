import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeXml, niceTicks, tickLabel } from '../../src/report/svg.js';
import { categoricalColour, cssColour, viridis } from '../../src/report/colours.js';

test('niceTicks: round steps covering the range', () => {
  assert.deepEqual(niceTicks(0.62, 0.93), [0.6, 0.7, 0.8, 0.9, 1]);
  assert.deepEqual(niceTicks(0, 100), [0, 50, 100]);
  assert.deepEqual(niceTicks(-3, 7, 6), [-4, -2, 0, 2, 4, 6, 8]);
  const d = niceTicks(2, 2);
  assert.ok(d[0]! <= 2 && d[d.length - 1]! >= 2 && d.length >= 2);
  assert.throws(() => niceTicks(0, NaN), /non-finite/);
  assert.equal(tickLabel(0.3, [0.2, 0.3]), '0.3');
  assert.equal(tickLabel(50, [0, 50]), '50');
});

test('escapeXml escapes the five XML specials', () => {
  assert.equal(escapeXml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
});

test('colours: Tableau 10 first, distinct beyond; viridis end points', () => {
  assert.equal(cssColour(categoricalColour(0)), '#1f77b4');
  assert.equal(cssColour(categoricalColour(1)), '#ff7f0e');
  const many = new Set(Array.from({ length: 40 }, (_, i) => cssColour(categoricalColour(i))));
  assert.equal(many.size, 40);
  assert.deepEqual(viridis(0), [68, 1, 84]);
  assert.deepEqual(viridis(1), [253, 231, 37]);
  assert.deepEqual(viridis(2), [253, 231, 37], 'clamped');
  // halfway between the 4th and 5th anchors (t = 0.5 is exactly anchor 4)
  assert.deepEqual(viridis(0.5), [33, 144, 141]);
  assert.deepEqual(viridis(0.5 + 1 / 16), [36, 159, 135]); // midpoint of [33,144,141] and [39,173,129], rounded
});
